package socket

import (
	"encoding/binary"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// so_priority: SO_PRIORITY and IP_TOS, set and read back; setting tos does
// not change priority (Linux's IP_TOS does: inet_drv restores it); accepted
// sockets inherit both from the listening socket.
func TestSoPriority(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	getPT := func(s *Socket) [2]int {
		t.Helper()
		o, err := s.GetOpts(OptPriority, OptTos)
		if err != nil {
			t.Fatal(err)
		}
		return [2]int{o[0].Value().(int), o[1].Value().(int)}
	}
	l, _ := listenLo(t, p, Active(False))
	if err := l.SetOpts(Priority(1)); err != nil {
		t.Fatal(err)
	}
	if got := getPT(l); got[0] != 1 {
		t.Fatalf("priority %d, want 1: so_priority should work on Linux", got[0])
	}
	l.Close()

	t.Run("test_prio_put_get", func(t *testing.T) {
		tos := 3 << 5
		l1, _ := listenLo(t, p, Active(False))
		defer l1.Close()
		l1.SetOpts(Priority(3))
		l1.SetOpts(Tos(tos))
		if got := getPT(l1); got != [2]int{3, tos} {
			t.Fatalf("after priority 3, tos %d: %v", tos, got)
		}
		l1.SetOpts(Priority(3))
		if got := getPT(l1); got != [2]int{3, tos} {
			t.Fatalf("priority again: %v", got)
		}
		l1.SetOpts(Reuseaddr(true))
		if got := getPT(l1); got != [2]int{3, tos} {
			t.Fatalf("after reuseaddr: %v", got)
		}
		// In one list, applied last to first, both ways round (OTP 25).
		l1.SetOpts(Tos(tos), Priority(5))
		if got := getPT(l1); got != [2]int{5, tos} {
			t.Fatalf("[tos, priority 5]: %v", got)
		}
		l1.SetOpts(Priority(2), Tos(tos))
		if got := getPT(l1); got != [2]int{2, tos} {
			t.Fatalf("[priority 2, tos]: %v", got)
		}
	})
	accept3 := func(t *testing.T, lopts, copts []Option) (ls, cs, as [2]int) {
		base := []Option{Binary(), Packet(framing.Raw), Active(False), Reuseaddr(true)}
		l, port := listenLo(t, p, append(base, lopts...)...)
		defer l.Close()
		c := connect(t, p, "localhost", port, append(base, copts...)...)
		defer c.Close()
		a := accept(t, l, p)
		defer a.Close()
		return getPT(l), getPT(c), getPT(a)
	}
	tos1, tos2 := 4<<5, 3<<5
	t.Run("test_prio_accept", func(t *testing.T) {
		ls, cs, as := accept3(t, []Option{Priority(4)}, []Option{Priority(4)})
		if ls[0] != 4 || cs[0] != 4 || as[0] != 4 {
			t.Fatalf("priorities %d %d %d, want 4", ls[0], cs[0], as[0])
		}
	})
	t.Run("test_prio_accept2", func(t *testing.T) {
		ls, cs, as := accept3(t, []Option{Priority(4), Tos(tos1)}, []Option{Priority(4), Tos(tos2)})
		if ls != [2]int{4, tos1} || cs != [2]int{4, tos2} || as != [2]int{4, tos1} {
			t.Fatalf("listen %v, connect %v, accept %v", ls, cs, as)
		}
	})
	t.Run("test_prio_accept3", func(t *testing.T) {
		ls, cs, as := accept3(t, []Option{Tos(tos1)}, []Option{Tos(tos2)})
		if ls != [2]int{0, tos1} || cs != [2]int{0, tos2} || as != [2]int{0, tos1} {
			t.Fatalf("listen %v, connect %v, accept %v", ls, cs, as)
		}
	})
	t.Run("raw priority", func(t *testing.T) { // OTP 25 copies it too
		ls, _, as := accept3(t, []Option{Raw(unix.SOL_SOCKET, unix.SO_PRIORITY, binary.NativeEndian.AppendUint32(nil, 5))}, nil)
		if ls[0] != 5 || as[0] != 5 {
			t.Fatalf("priorities %d %d, want 5", ls[0], as[0])
		}
	})
	t.Run("test_prio_accept_async", func(t *testing.T) {
		base := []Option{Binary(), Packet(framing.Raw), Active(False), Reuseaddr(true)}
		l, port := listenLo(t, p, append(base, Priority(4), Tos(tos1))...)
		defer l.Close()
		res := make(chan [2][2]int, 1)
		spawn(t, func(q proc) {
			a, err := l.Accept(q, testkit.WaitBound)
			if err != nil {
				t.Error(err)
				close(res)
				return
			}
			defer a.Close()
			o1, _ := l.GetOpts(OptPriority, OptTos)
			o2, _ := a.GetOpts(OptPriority, OptTos)
			res <- [2][2]int{{o1[0].Value().(int), o1[1].Value().(int)}, {o2[0].Value().(int), o2[1].Value().(int)}}
		})
		// OTP sleeps 3 s so that the accept waits before the connect.
		testkit.Until(t, "accepting", func() bool { return accepting(l) == 1 })
		c := connect(t, p, "localhost", port, append(base, Priority(4), Tos(tos2))...)
		defer c.Close()
		r := testkit.Recv(t, res, "the acceptor's getopts")
		if r[0] != [2]int{4, tos1} || r[1] != [2]int{4, tos1} {
			t.Fatalf("listen %v, accepted %v; want {4, %d}", r[0], r[1], tos1)
		}
		if got := getPT(c); got != [2]int{4, tos2} {
			t.Fatalf("connected %v", got)
		}
	})
	t.Run("test_prio_fail", func(t *testing.T) {
		// Priorities above 6 need CAP_NET_ADMIN: the error OTP expects is
		// the kernel's, so compare with a plain setsockopt.
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		kernelErr := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, 1000)
		unix.Close(fd)
		l, _ := listenLo(t, p, Active(False))
		defer l.Close()
		err = l.SetOpts(Priority(1000))
		if (err == nil) != (kernelErr == nil) {
			t.Fatalf("setopts priority 1000 = %v; the kernel says %v", err, kernelErr)
		}
		if kernelErr == nil {
			t.Log("privileged: priority 1000 is allowed, as the kernel allows it")
		}
	})
}
