package socket

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

func activeOf(t *testing.T, s *Socket) Mode {
	t.Helper()
	o, err := s.GetOpts(OptActive)
	if err != nil {
		t.Fatal(err)
	}
	return o[0].Value().(Mode)
}

// gen_tcp_misc_SUITE:active_n, and what OTP 25 does around it.
func TestActiveN(t *testing.T) {
	p := newProc(t)
	ls := listen(t, p, Active(N(3)), IP(loopback))
	defer ls.Close()
	if m := activeOf(t, ls); m != N(3) {
		t.Fatalf("active = %v, want 3", m)
	}
	ls.SetOpts(Active(N(-3)))
	if m, ok := testkit.Next(t, p).(*TCPPassive); !ok || m.Socket != ls {
		t.Fatalf("want tcp_passive for the listen socket, got %#v", m)
	}
	if m := activeOf(t, ls); m != False {
		t.Fatalf("active = %v, want false", m)
	}
	// {active, 0} on a passive socket still says tcp_passive.
	ls.SetOpts(Active(N(0)))
	if _, ok := testkit.Next(t, p).(*TCPPassive); !ok {
		t.Fatal("want tcp_passive after {active,0}")
	}

	c, s := pair(t, p, Active(False))
	// N adds; true and once replace silently; out of range is einval.
	s.SetOpts(Active(N(2)))
	s.SetOpts(Active(N(3)))
	if m := activeOf(t, s); m != N(5) {
		t.Fatalf("2 then 3: active = %v, want 5", m)
	}
	s.SetOpts(Active(Once))
	if m := activeOf(t, s); m != Once {
		t.Fatalf("active = %v, want once", m)
	}
	s.SetOpts(Active(N(2)))
	if m := activeOf(t, s); m != N(2) {
		t.Fatalf("once then 2: active = %v, want 2", m)
	}
	for _, bad := range []int{32768, -32769} {
		if err := s.SetOpts(Active(N(bad))); !errors.Is(err, unix.EINVAL) {
			t.Fatalf("{active,%d} = %v, want einval", bad, err)
		}
	}
	if err := s.SetOpts(Active(N(32767))); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("2 + 32767 = %v, want einval", err)
	}
	// No message: each of them would have come before its SetOpts
	// returned, and the peer has sent nothing.
	testkit.None(t, p, nil)

	// With packet 1, five packets: two messages, tcp_passive, and the
	// rest waits for the next activation.
	s.SetOpts(Active(N(-100)), Packet(framing.One))
	if m, ok := testkit.Next(t, p).(*TCPPassive); !ok || m.Socket != s {
		t.Fatalf("{active,-100}: got %#v, want tcp_passive", m)
	}
	c.SetOpts(Packet(framing.One))
	for i := range 5 {
		c.Send([]byte{byte('a' + i)})
	}
	s.SetOpts(Active(N(2)))
	for _, want := range []string{"a", "b"} {
		if m, ok := testkit.Next(t, p).(*TCP); !ok || string(m.Data) != want {
			t.Fatalf("got %#v, want tcp %q", m, want)
		}
	}
	if _, ok := testkit.Next(t, p).(*TCPPassive); !ok {
		t.Fatal("want tcp_passive after two messages")
	}
	// Nothing more while passive: a call through the port's lock comes
	// after any delivery the port was making.
	if m := activeOf(t, s); m != False {
		t.Fatalf("active = %v after tcp_passive, want false", m)
	}
	testkit.None(t, p, nil)
	s.SetOpts(Active(N(5)))
	for _, want := range []string{"c", "d", "e"} {
		if m, ok := testkit.Next(t, p).(*TCP); !ok || string(m.Data) != want {
			t.Fatalf("got %#v, want tcp %q", m, want)
		}
	}
	if m := activeOf(t, s); m != N(2) {
		t.Fatalf("active = %v after 3 of 5, want 2", m)
	}
	testkit.None(t, p, nil)
	activeNAtOpen(t, p)
}

// activeNAtOpen is active_n's last part (LS2), and what OTP 25 does around
// it (TestGenTCPSuitesOracle's active_open): {active, 0} given to listen,
// or to connect, says tcp_passive at once and leaves the socket passive;
// of several active options the last wins, an N replacing the default
// rather than adding to it; a socket accepted on a listener opened with
// {active, 0} is passive, with no message.
func activeNAtOpen(t *testing.T, p proc) {
	t.Helper()
	l := listen(t, p, IP(loopback), Active(N(0)))
	defer l.Close()
	if m, ok := testkit.Next(t, p).(*TCPPassive); !ok || m.Socket != l {
		t.Fatalf("listen with {active,0}: got %#v, want tcp_passive for it", m)
	}
	if m := activeOf(t, l); m != False {
		t.Fatalf("listen with {active,0}: active = %v, want false", m)
	}
	port, _ := l.Port()
	c := connect(t, p, "127.0.0.1", port, Active(N(2)), Active(N(-2)))
	defer c.Close()
	if m, ok := testkit.Next(t, p).(*TCPPassive); !ok || m.Socket != c {
		t.Fatalf("connect with {active,2},{active,-2}: got %#v, want tcp_passive for it", m)
	}
	if m := activeOf(t, c); m != False {
		t.Fatalf("connect with {active,2},{active,-2}: active = %v, want false", m)
	}
	a := accept(t, l, p)
	defer a.Close()
	if m := activeOf(t, a); m != False {
		t.Fatalf("accepted on a listener opened with {active,0}: active = %v, want false", m)
	}
	c2 := connect(t, p, "127.0.0.1", port, Active(N(2)), Active(N(3)))
	defer c2.Close()
	if m := activeOf(t, c2); m != N(3) {
		t.Fatalf("connect with {active,2},{active,3}: active = %v, want 3", m)
	}
	testkit.None(t, p, nil) // an open's message comes before the open returns
}

// gen_tcp_misc_SUITE:active_once_closed: a close seen while passive sends
// nothing; the first switch to once delivers exactly one tcp_closed; the
// port is then gone (exit_on_close).
func TestActiveOnceClosed(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	s.SetOpts(Active(Once))
	c.Send([]byte("hello"))
	if m, ok := testkit.Next(t, p).(*TCP); !ok || string(m.Data) != "hello" {
		t.Fatalf("got %#v", m)
	}
	c.Close()
	testkit.Until(t, "the peer's FIN at the socket", func() bool { return tcpState(t, s) == tcpCloseWait })
	testkit.None(t, p, nil)
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	if m, ok := testkit.Next(t, p).(*TCPClosed); !ok || m.Socket != s {
		t.Fatalf("got %#v, want tcp_closed", m)
	}
	if err := s.SetOpts(Active(Once)); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("setopts after tcp_closed = %v, want einval", err)
	}
	testkit.None(t, p, nil) // the port is gone: nothing can follow its tcp_closed
	if _, err := s.Recv(0, 100*time.Millisecond); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv on the closed port = %v, want closed", err)
	}
}

// Recv on a passive socket whose peer closed: closed, then enotconn; send
// closed; a switch to active still delivers tcp_closed (OTP 25).
func TestClosedSocketPassive(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.Send([]byte("abc"))
	c.Close()
	for _, want := range []error{nil, ErrClosed, unix.ENOTCONN} {
		data, err := s.Recv(0, time.Second)
		if want == nil {
			if err != nil || string(data) != "abc" {
				t.Fatalf("Recv = %q, %v; want abc", data, err)
			}
			continue
		}
		if !errors.Is(err, want) {
			t.Fatalf("Recv = %v, want %v", err, want)
		}
	}
	if err := s.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send = %v, want closed", err)
	}
	s.SetOpts(Active(Once))
	if _, ok := testkit.Next(t, p).(*TCPClosed); !ok {
		t.Fatal("want tcp_closed on the switch to active")
	}
}

// With exit_on_close false, the port stays open for sending after the
// peer's shutdown(write), and every Recv answers closed.
func TestExitOnCloseFalse(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	s.SetOpts(ExitOnClose(false))
	c.Shutdown(Write)
	for range 2 {
		if _, err := s.Recv(0, time.Second); !errors.Is(err, ErrClosed) {
			t.Fatalf("Recv = %v, want closed", err)
		}
	}
	if err := s.Send([]byte("still here")); err != nil {
		t.Fatal(err)
	}
	data, err := c.Recv(10, time.Second)
	if err != nil || string(data) != "still here" {
		t.Fatalf("peer Recv = %q, %v", data, err)
	}
	s.SetOpts(Active(Once))
	if _, ok := testkit.Next(t, p).(*TCPClosed); !ok {
		t.Fatal("want tcp_closed")
	}
	if err := s.Send([]byte("y")); err != nil {
		t.Fatalf("Send after tcp_closed with exit_on_close false = %v", err)
	}
}

func TestRecvErrors(t *testing.T) {
	p := newProc(t)
	_, s := pair(t, p, Active(True))
	if _, err := s.Recv(0, 10*time.Millisecond); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Recv on an active socket = %v, want einval", err)
	}
	s.SetOpts(Active(False), Packet(framing.Two))
	if _, err := s.Recv(5, 10*time.Millisecond); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Recv(5) with packet 2 = %v, want einval", err)
	}
	if _, err := s.Recv(0, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Recv with no data = %v, want timeout", err)
	}
	first := make(chan error)
	go func() { _, err := s.Recv(0, testkit.WaitBound); first <- err }()
	testkit.Until(t, "the first Recv waiting", func() bool { return recvWaiting(s) })
	if _, err := s.Recv(0, 10*time.Millisecond); !errors.Is(err, unix.EALREADY) {
		t.Fatalf("second Recv = %v, want ealready", err)
	}
	s.Close()
	if err := <-first; !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv waiting on a closed socket = %v, want closed", err)
	}
}

// gen_tcp_misc_SUITE:partial_recv_and_close: Recv(Length) for more than
// the peer sent before it closed answers closed.
func TestPartialRecvAndClose(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.Send([]byte("only this"))
	c.Close()
	if _, err := s.Recv(4711, testkit.WaitBound); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv(4711) = %v, want closed", err)
	}
}

// Recv(Length) returns exactly Length bytes, across many segments.
func TestRecvExactLength(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	want := bytes.Repeat([]byte("0123456789"), 10000)
	go func() {
		for i := 0; i < len(want); i += 777 {
			c.Send(want[i:min(i+777, len(want))])
		}
	}()
	var got []byte
	for len(got) < len(want) {
		n := min(3000, len(want)-len(got))
		data, err := s.Recv(n, testkit.WaitBound)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != n {
			t.Fatalf("Recv(%d) returned %d bytes", n, len(data))
		}
		got = append(got, data...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

func TestShowEconnreset(t *testing.T) {
	for _, show := range []bool{false, true} {
		for _, active := range []bool{false, true} {
			t.Run(fmt.Sprintf("show=%v,active=%v", show, active), func(t *testing.T) {
				p := newProc(t)
				c, s := pair(t, p, Active(False))
				s.SetOpts(ShowEconnreset(show))
				c.SetOpts(Linger(true, 0))
				c.Close()
				if !active {
					_, err := s.Recv(0, testkit.WaitBound)
					want := ErrClosed
					if show {
						want = unix.ECONNRESET
					}
					if !errors.Is(err, want) {
						t.Fatalf("Recv = %v, want %v", err, want)
					}
					if _, err := s.Recv(0, time.Second); !errors.Is(err, unix.ENOTCONN) {
						t.Fatalf("second Recv = %v, want enotconn", err)
					}
					return
				}
				s.SetOpts(Active(True))
				if show {
					m, ok := testkit.Next(t, p).(*TCPError)
					if !ok || !errors.Is(m.Reason, unix.ECONNRESET) {
						t.Fatalf("got %#v, want tcp_error econnreset", m)
					}
				}
				if _, ok := testkit.Next(t, p).(*TCPClosed); !ok {
					t.Fatal("want tcp_closed")
				}
				testkit.None(t, p, nil) // the port is gone: nothing can follow its tcp_closed
			})
		}
	}
}

// A packet longer than packet_size: active gets tcp_error emsgsize then
// tcp_closed; passive Recv gets emsgsize, then enotconn.
func TestPacketSizeExceeded(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False), Packet(framing.Four), PacketSize(10))
	c.SetOpts(Packet(framing.Raw))
	c.Send([]byte{0, 0, 0, 3, 'a', 'b', 'c'})
	data, err := s.Recv(0, time.Second)
	if err != nil || string(data) != "abc" {
		t.Fatalf("Recv = %q, %v", data, err)
	}
	c.Send([]byte{0, 0, 0, 20})
	if _, err := s.Recv(0, time.Second); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("Recv = %v, want emsgsize", err)
	}
	if _, err := s.Recv(0, time.Second); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("Recv = %v, want enotconn", err)
	}
	if err := s.Send([]byte("x")); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("Send = %v, want enotconn", err)
	}

	c2, s2 := pair(t, p, Active(True), Packet(framing.Four), PacketSize(10))
	c2.SetOpts(Packet(framing.Raw))
	c2.Send([]byte{0, 0, 0, 20, '0', '1'})
	if m, ok := testkit.Next(t, p).(*TCPError); !ok || !errors.Is(m.Reason, unix.EMSGSIZE) {
		t.Fatalf("got %#v, want tcp_error emsgsize", m)
	}
	if _, ok := testkit.Next(t, p).(*TCPClosed); !ok {
		t.Fatal("want tcp_closed")
	}
	if _, err := s2.GetOpts(OptActive); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("getopts on the dead port = %v, want einval", err)
	}
}

// The active option alone takes SetOpts's short path; with another option
// beside it, the general one. From each mode, each change leaves the same
// mode, the same error and the same tcp_passive on both.
func TestSetActiveAlone(t *testing.T) {
	p := newProc(t)
	_, alone := pair(t, p, Active(False))
	_, beside := pair(t, p, Active(False))
	modes := []Mode{False, Once, True, N(1), N(3), N(32767)}
	changes := []Mode{False, Once, True, N(0), N(2), N(-1), N(-3), N(32767), N(32768), N(-32769)}
	for _, from := range modes {
		for _, change := range changes {
			got := [2]string{}
			for i, s := range []*Socket{alone, beside} {
				// N adds: the mode is reset to false first.
				if err := s.SetOpts(Active(False), Nodelay(true)); err != nil {
					t.Fatal(err)
				}
				if err := s.SetOpts(Active(from), Nodelay(true)); err != nil {
					t.Fatalf("setting %v: %v", from, err)
				}
				testkit.Flush(p) // what the reset sent: nothing is owed
				var err error
				if i == 0 {
					err = s.SetOpts(Active(change))
				} else {
					err = s.SetOpts(Active(change), Nodelay(true))
				}
				passives := 0
				for _, m := range testkit.Flush(p) {
					if _, ok := m.(*TCPPassive); ok {
						passives++
					}
				}
				got[i] = fmt.Sprintf("%v, err %v, tcp_passive %d", activeOf(t, s), err, passives)
			}
			if got[0] != got[1] {
				t.Errorf("%v then %v: alone %s, beside another option %s", from, change, got[0], got[1])
			}
		}
	}
}
