package driver

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	xunix "golang.org/x/sys/unix"
)

// erroredUDP opens a raw UDP socket of pl with IP_RECVERR, connected to a
// loopback port that was just closed, and sends it a datagram: the ICMP
// error that comes back is read once as ECONNREFUSED and then stays in
// the socket's error queue, so poll reports POLLERR for it at every call
// while a read meets EAGAIN. It returns the socket, its address and the
// closed port's.
func erroredUDP(t *testing.T, pl *Pool) (h Handle, self, closed *net.UDPAddr) {
	t.Helper()
	gone, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := gone.LocalAddr().(*net.UDPAddr)
	gone.Close()
	h, self, _ = openUDP(t, pl)
	err = pl.Control(h, func(fd int) error {
		if err := xunix.SetsockoptInt(fd, xunix.IPPROTO_IP, xunix.IP_RECVERR, 1); err != nil {
			return err
		}
		sa := &xunix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}
		if err := xunix.Connect(fd, sa); err != nil {
			return err
		}
		_, err := xunix.Write(fd, []byte("to nobody"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, "the ICMP error read as ECONNREFUSED", func() bool {
		var b [64]byte
		err := pl.Control(h, func(fd int) error {
			_, err := xunix.Read(fd, b[:])
			return err
		})
		return err == xunix.ECONNREFUSED
	})
	return h, self, addr
}

// erroredRead is a Do(read) on an erroredUDP socket h of pool pl: its op
// counts its runs and keeps the datagram it reads in got, and Do's result
// comes on done.
type erroredRead struct {
	pl   *Pool
	h    Handle
	self *net.UDPAddr // h's address
	addr *net.UDPAddr // the closed port h is connected to
	runs atomic.Int64
	got  []byte // read before done's result
	done chan error
}

// startErroredRead starts an erroredRead in a goroutine, on a poll pool
// whose held sockets wait for backoff.
func startErroredRead(t *testing.T, backoff time.Duration) *erroredRead {
	old := pollHoldBackoff
	pollHoldBackoff = backoff
	t.Cleanup(func() { pollHoldBackoff = old }) // after the pool's close
	r := &erroredRead{pl: pollPool(t), done: make(chan error, 1)}
	r.h, r.self, r.addr = erroredUDP(t, r.pl)
	go func() {
		var b [64]byte
		r.done <- r.pl.Do(r.h, false, time.Time{}, func(fd int) error {
			r.runs.Add(1)
			n, err := xunix.Read(fd, b[:])
			if err == nil {
				r.got = append(r.got[:0], b[:n]...)
			}
			return err
		})
	}()
	return r
}

// A socket whose error poll reports at every call while its reads meet
// EAGAIN is held out of the set after the error's event: the read runs
// once, meets EAGAIN, waits; the error's event wakes it; it meets EAGAIN
// again and the socket is held, so the read does not run again until the
// hold ends (never here). Without the hold poll would return at once and
// the read run again and again.
func TestPollErrorAloneIsHeld(t *testing.T) {
	r := startErroredRead(t, time.Hour)
	pl, h, done := r.pl, r.h, r.done
	testkit.Until(t, "the socket held", func() bool { return pollMarks(t, pl, h)&pollHeld != 0 })
	rawWaiters(t, pl, h, false, 1)
	pl.Close(h)
	if err := <-done; err != ErrClosed {
		t.Fatalf("Do = %v; want ErrClosed", err)
	}
	if n := r.runs.Load(); n != 2 {
		t.Fatalf("the read ran %d times; want 2 (EAGAIN, the error's event, EAGAIN, held)", n)
	}
}

// A held socket goes back in the set when its hold ends, so a read that
// waits on it keeps being retried, and gets the data that comes.
func TestPollHeldIsRetried(t *testing.T) {
	r := startErroredRead(t, time.Millisecond)
	addr, done := r.addr, r.done
	testkit.Until(t, "the read retried after its hold", func() bool { return r.runs.Load() >= 4 })
	peer, err := net.ListenUDP("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := peer.WriteToUDP([]byte("late"), r.self); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil || string(r.got) != "late" {
			t.Fatalf("Do = %v, read %q; want the datagram %q", err, r.got, "late")
		}
	case <-time.After(testkit.WaitBound):
		t.Fatalf("no datagram within %v; the read ran %d times", testkit.WaitBound, r.runs.Load())
	}
}
