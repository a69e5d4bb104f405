package driver

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	xunix "golang.org/x/sys/unix"
)

// erroredUDP opens a UDP socket with IP_RECVERR, connected to a loopback
// port that was just closed, and sends it a datagram: the ICMP error that
// comes back is read once as ECONNREFUSED and then stays in the socket's
// error queue, so poll reports POLLERR for it at every call while a read
// meets EAGAIN. The socket is then adopted by pl as a connection that h
// handles, which the poller reads (raw sockets, Open's, are read in their
// callers, not by the poller). It returns the handle, the socket's address
// and the closed port's.
func erroredUDP(t *testing.T, pl *Pool, h Handler) (c Handle, self, closed *net.UDPAddr) {
	t.Helper()
	gone, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := gone.LocalAddr().(*net.UDPAddr)
	gone.Close()
	fd, err := xunix.Socket(xunix.AF_INET, xunix.SOCK_DGRAM|xunix.SOCK_NONBLOCK|xunix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	adopted := false
	defer func() {
		if !adopted {
			xunix.Close(fd)
		}
	}()
	lo := &xunix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := xunix.Bind(fd, lo); err != nil {
		t.Fatal(err)
	}
	sa, err := xunix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	self = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*xunix.SockaddrInet4).Port}
	if err := xunix.SetsockoptInt(fd, xunix.IPPROTO_IP, xunix.IP_RECVERR, 1); err != nil {
		t.Fatal(err)
	}
	if err := xunix.Connect(fd, &xunix.SockaddrInet4{Port: addr.Port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := xunix.Write(fd, []byte("to nobody")); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, "the ICMP error read as ECONNREFUSED", func() bool {
		var b [64]byte
		_, err := xunix.Read(fd, b[:])
		return err == xunix.ECONNREFUSED
	})
	c, err = pl.Adopt(fd, h)
	if err != nil {
		t.Fatal(err)
	}
	adopted = true
	t.Cleanup(func() { pl.Close(c) })
	return c, self, addr
}

// erroredRead is an erroredUDP socket adopted by a poll pool with one
// poller, its reads counted (reads, the read(2) calls on its fd) and what
// it reads recorded.
type erroredRead struct {
	pl    *Pool
	h     Handle
	rec   *recorder
	self  *net.UDPAddr // h's address
	addr  *net.UDPAddr // the closed port h is connected to
	reads atomic.Int64
}

// startErroredRead starts an erroredRead on a poll pool whose held
// sockets wait for backoff.
func startErroredRead(t *testing.T, backoff time.Duration) *erroredRead {
	r := &erroredRead{rec: newRecorder()}
	var fd atomic.Int64
	fd.Store(-1)
	oldBackoff, oldRead := pollHoldBackoff, hooks.read
	pollHoldBackoff = backoff
	hooks.read = func(f int, p []byte) (int, error) {
		if int64(f) == fd.Load() {
			r.reads.Add(1)
		}
		return oldRead(f, p)
	}
	// Registered first, so run after the pool's Stop: hooks and the
	// backoff are swapped only while no pool runs.
	t.Cleanup(func() { pollHoldBackoff, hooks.read = oldBackoff, oldRead })
	r.pl = pollPool(t)
	r.h, r.self, r.addr = erroredUDP(t, r.pl, r.rec)
	if err := r.pl.Control(r.h, func(f int) error { fd.Store(int64(f)); return nil }); err != nil {
		t.Fatal(err)
	}
	r.pl.Resume(r.h) // a connection is read once its handler asks
	return r
}

// A socket whose error poll reports at every call while its reads meet
// EAGAIN is held out of the set after the error's event, so it is not
// read again until the hold ends (never here). Without the hold poll
// would return at once and the socket be read again and again.
func TestPollErrorAloneIsHeld(t *testing.T) {
	r := startErroredRead(t, time.Hour)
	testkit.Until(t, "the socket held", func() bool { return pollMarks(t, r.pl, r.h)&pollHeld != 0 })
	held := r.reads.Load()
	// The poller goes on polling, for another connection's bytes, and
	// does not read the held socket meanwhile.
	rec := newRecorder()
	c, peer := pair(t, r.pl, rec)
	r.pl.Resume(c) // a connection is read once its handler asks
	for i := range 3 {
		if _, err := peer.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, "the other connection's bytes", func(rec *recorder) bool { return rec.data.Len() == i+1 })
	}
	if n := r.reads.Load(); n != held || n > 3 {
		t.Fatalf("the held socket was read %d times, %d when it was held; want no more, and at most 3", n, held)
	}
}

// A held socket goes back in the set when its hold ends, so it keeps
// being retried, and gets the datagram that comes.
func TestPollHeldIsRetried(t *testing.T) {
	r := startErroredRead(t, time.Millisecond)
	testkit.Until(t, "the socket read again after its hold", func() bool { return r.reads.Load() >= 4 })
	peer, err := net.ListenUDP("udp4", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := peer.WriteToUDP([]byte("late"), r.self); err != nil {
		t.Fatal(err)
	}
	r.rec.waitFor(t, "the datagram", func(rec *recorder) bool { return rec.data.String() == "late" })
}
