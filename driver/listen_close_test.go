package driver

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// heldAccept holds an accept4 in flight for as long as a test needs: the
// next accept4 on the fd given to arm waits until let is called, holding
// its listening socket's fd as any accept4 does.
type heldAccept struct {
	armed    atomic.Int64  // the fd whose next accept4 is held; -1 for none
	inFlight chan struct{} // closed once the held accept4 has begun
	release  chan struct{} // closed by let
	once     sync.Once
}

// holdAccept swaps hooks.accept4 for one that holds the armed fd's next
// call, and back when t ends. Call it before the pool starts: hooks change
// only while no pool runs. A test defers let, so that a test that fails
// while the accept4 is held leaves no goroutine behind.
func holdAccept(t *testing.T) *heldAccept {
	h := &heldAccept{inFlight: make(chan struct{}), release: make(chan struct{})}
	h.armed.Store(-1)
	real := hooks.accept4
	hooks.accept4 = func(fd, flags int) (int, error) {
		if h.armed.CompareAndSwap(int64(fd), -1) {
			close(h.inFlight)
			<-h.release
		}
		return real(fd, flags)
	}
	t.Cleanup(func() { hooks.accept4 = real })
	return h
}

func (h *heldAccept) arm(fd int) { h.armed.Store(int64(fd)) }

// let lets the held accept4 go on.
func (h *heldAccept) let() { h.once.Do(func() { close(h.release) }) }

// heldListener returns a listener of a watchedPool, watched, and its
// address, with an Accept on it whose accept4 is held in flight (its
// result comes on inFlight once it has returned, logged "held Accept
// returned"), and a second Accept that waits on it (its result comes on
// waiting): a close wakes that one at once, so its return shows that the
// close has begun.
func heldListener(t *testing.T, pl *Pool, log *testkit.Log, watch func(int), held *heldAccept) (l Handle, addr *unix.SockaddrInet4, inFlight, waiting <-chan error) {
	t.Helper()
	l, addr = listen(t, pl)
	pl.Control(l, func(fd int) error { watch(fd); held.arm(fd); return nil })
	accept := func() error {
		_, err := pl.Accept(l, time.Time{}, newRecorder())
		return err
	}
	inFlight = logRun(log, "held Accept returned", accept)
	<-held.inFlight
	waiting = logRun(log, "waiting Accept returned", accept)
	waitWaiters(t, pl, l, 1)
	return l, addr, inFlight, waiting
}

// A caller's close of a listening socket returns once its fd is closed,
// also while an Accept's accept4 holds the fd: so a Listen on the same
// port right after succeeds, without SO_REUSEADDR, as it does after
// gen_tcp:close (and socket:close) of a listening socket with accepts
// pending. A close that returned with the fd still open would leave the
// port bound until the accept4 ended: eaddrinuse.
func TestCloseLingerOfListenerFreesItsPort(t *testing.T) {
	held := holdAccept(t)
	defer held.let()
	pl, log, watch := watchedPool(t)
	l, addr, inFlight, waiting := heldListener(t, pl, log, watch, held)

	closed := logRun(log, "CloseLinger returned", func() error { return pl.CloseLinger(l) })
	if err := <-waiting; err != ErrClosed {
		t.Fatalf("waiting Accept = %v, want ErrClosed", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("CloseLinger = %v, returned with an accept4 in flight on the fd", err)
	default:
	}
	held.let() // the close has begun, with the accept4 in flight
	if err := <-closed; err != nil {
		t.Fatalf("CloseLinger = %v", err)
	}
	again, err := pl.Listen(addr, 16, nil)
	if err != nil {
		t.Fatalf("Listen on %d right after CloseLinger = %v", addr.Port, err)
	}
	pl.Close(again)
	if err := <-inFlight; err != ErrClosed {
		t.Fatalf("held Accept = %v, want ErrClosed", err)
	}
	log.Before(t, "closed", "CloseLinger returned")
}

// A close on the poller (a task, as a port that dies there closes) does
// not wait for an accept4 in flight: the poller goes on, and the
// accept's end closes the fd. Only a caller's close waits. Under the
// portable backend the goroutine that waited for the listener's
// readiness does not hold the fd: the accept's end closes it there too.
func TestListenerCloseOnThePollerWaitsForNoAccept(t *testing.T) {
	held := holdAccept(t)
	defer held.let()
	pl, log, watch := watchedPool(t, Pollers(1))
	l, _, inFlight, waiting := heldListener(t, pl, log, watch, held)

	if err := pl.Submit(l, func() { pl.Close(l); log.Add("task returned") }); err != nil {
		t.Fatal(err)
	}
	log.Wait(t, "task returned") // the accept4 is held until then
	if err := <-waiting; err != ErrClosed {
		t.Fatalf("waiting Accept = %v, want ErrClosed", err)
	}
	held.let()
	if err := <-inFlight; err != ErrClosed {
		t.Fatalf("held Accept = %v, want ErrClosed", err)
	}
	log.Before(t, "task returned", "closing")
	log.Before(t, "closed", "held Accept returned")
}

// Close closes the fd before it returns, under both backends: though the
// portable backend has a goroutine waiting for the socket's readiness (a
// listener after a TryAccept that found none, a resumed connection with
// nothing to read), so that a Listen on the port of a listener just
// closed succeeds, as after gen_tcp:close in OTP 25.
func TestCloseClosesTheFdBeforeItReturns(t *testing.T) {
	for _, name := range backends {
		t.Run(name, func(t *testing.T) {
			pl, log, watch := watchedPool(t, Backend(name))
			addr := loopback4
			for i := range 50 {
				l, err := pl.Listen(addr, 16, nil)
				if err != nil {
					t.Fatalf("Listen on port %d right after Close (round %d) = %v", addr.Port, i, err)
				}
				if addr == loopback4 {
					pl.Control(l, func(fd int) error {
						sa, err := unix.Getsockname(fd)
						addr, _ = sa.(*unix.SockaddrInet4)
						return err
					})
				}
				if _, err := pl.TryAccept(l, newRecorder(), func() {}); err != unix.EAGAIN {
					t.Fatalf("TryAccept = %v, want EAGAIN", err)
				}
				pl.Close(l)
			}
			c, peer := pair(t, pl, newRecorder())
			defer peer.Close()
			pl.Control(c, func(fd int) error { watch(fd); return nil })
			pl.Resume(c)
			waitReadWaiter(t, pl, c)
			pl.Close(c)
			log.Add("Close returned")
			log.Before(t, "closed", "Close returned")
		})
	}
}

// waitReadWaiter waits until c's read has met EAGAIN: under the portable
// backend a goroutine then waits for its readiness, under poll the
// socket is in the poll set for POLLIN.
func waitReadWaiter(t *testing.T, pl *Pool, c Handle) {
	t.Helper()
	testkit.Until(t, "the read waiting for data", func() bool {
		s, err := pl.lock(c)
		if err != nil {
			t.Fatal(err)
		}
		defer s.mu.Unlock()
		if s.state&stPending != 0 {
			return false
		}
		if b, ok := s.p.sys.(*pollBackend); ok {
			return b.wants(s, unix.POLLIN)
		}
		return pl.backend == "epoll" || s.state&stRdWait != 0
	})
}
