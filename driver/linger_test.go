package driver

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// logRun runs f on a goroutine of its own and logs what once f has
// returned; the channel gives f's result.
func logRun(l *testkit.Log, what string, f func() error) <-chan error {
	c := make(chan error, 1)
	go func() {
		err := f()
		l.Add(what)
		c <- err
	}()
	return c
}

// watchedPool returns a pool whose close of one fd, the one given to
// watch, logs "closing" as it starts and "closed" once close(2) has
// returned, and makes t check for leaks. The close hook is swapped before
// the pool starts and back after it stops: hooks change only while no
// pool runs.
func watchedPool(t *testing.T, opts ...Option) (pl *Pool, log *testkit.Log, watch func(fd int)) {
	leaktest.Check(t)
	log = &testkit.Log{}
	var watched atomic.Int64
	watched.Store(-1)
	closing := func(fd int, close func() error) error {
		if !watched.CompareAndSwap(int64(fd), -1) {
			return close()
		}
		log.Add("closing")
		err := close()
		log.Add("closed")
		return err
	}
	real, realFile := hooks.close, hooks.closeFile
	hooks.close = func(fd int) error { return closing(fd, func() error { return real(fd) }) }
	hooks.closeFile = func(fd int, f *os.File) error {
		return closing(fd, func() error { return realFile(fd, f) })
	}
	t.Cleanup(func() { hooks.close, hooks.closeFile = real, realFile })
	return newPool(t, opts...), log, func(fd int) { watched.Store(int64(fd)) }
}

// lingeringPair connects a socket of pl, watched, with SO_LINGER {on, 60}
// and bytes in its kernel that the peer has not taken: its close(2) lasts
// until the peer reads them (or a minute passes). Its write queue is
// empty: the driver holds nothing that a close would drop.
func lingeringPair(t *testing.T, pl *Pool, h Handler, watch func(int)) (Handle, net.Conn) {
	t.Helper()
	c, peer := pair(t, pl, h)
	peer.(*net.TCPConn).SetReadBuffer(4096)
	err := pl.Control(c, func(fd int) error {
		watch(fd)
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096); err != nil {
			return err
		}
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, SOLinger, &unix.Linger{Onoff: 1, Linger: 60})
	})
	if err != nil {
		t.Fatal(err)
	}
	if q, err := pl.Write(c, pattern(1<<20)); err != nil || q == 0 {
		t.Fatalf("Write = %d, %v; want something queued", q, err)
	}
	if _, err := pl.Unqueue(c); err != nil {
		t.Fatal(err)
	}
	var unacked int
	pl.Control(c, func(fd int) (err error) {
		unacked, err = sendUnacked(fd)
		return err
	})
	if unacked == 0 {
		t.Fatal("the kernel holds no unacknowledged bytes: the close would not linger")
	}
	return c, peer
}

// endLinger lets the close of a lingeringPair's socket end: its peer reads
// everything, up to the FIN, and so acknowledges it.
func endLinger(t *testing.T, peer net.Conn) {
	t.Helper()
	if _, err := io.ReadAll(peer); err != nil {
		t.Fatal(err)
	}
}

// readLog is a Handler that logs what each OnRead.
type readLog struct {
	log  *testkit.Log
	what string
}

func (r readLog) OnRead([]byte) bool { r.log.Add(r.what); return true }
func (readLog) OnEOF()               {}
func (readLog) OnError(error)        {}
func (readLog) OnFlush(int)          {}

// closeOnEOF is a Handler that closes its socket when the peer shuts down
// writing, as a port with exit_on_close does.
type closeOnEOF struct {
	pl *Pool
	h  atomic.Uint64
}

func (c *closeOnEOF) OnRead([]byte) bool { return true }
func (c *closeOnEOF) OnEOF()             { c.pl.Close(Handle(c.h.Load())) }
func (c *closeOnEOF) OnError(error)      {}
func (c *closeOnEOF) OnFlush(int)        {}

// A close that lingers never holds up the poller: the other sockets on
// it are served while the kernel waits for the peer, whether the close
// came from a task on the poller or from a handler (a port that exits
// when its peer closes). The lingering socket's handle misses at once,
// and its slot can serve a new socket while the old fd is still closing.
func TestLingeringCloseOnThePollerStallsNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(t *testing.T, pl *Pool, peer net.Conn, h Handle)
	}{
		{"task", func(t *testing.T, pl *Pool, _ net.Conn, h Handle) {
			if err := pl.Submit(h, func() { pl.Close(h) }); err != nil {
				t.Fatal(err)
			}
		}},
		{"handler", func(t *testing.T, pl *Pool, peer net.Conn, h Handle) {
			if err := peer.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if err := pl.Resume(h); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl, log, watch := watchedPool(t, Pollers(1)) // one poller serves A and B
			h := &closeOnEOF{pl: pl}
			a, peerA := lingeringPair(t, pl, h, watch)
			h.h.Store(uint64(a))
			b, peerB := pair(t, pl, readLog{log, "B read"})
			if err := pl.Resume(b); err != nil {
				t.Fatal(err)
			}

			tc.close(t, pl, peerA, a)
			log.Wait(t, "closing")
			if _, err := peerB.Write([]byte("b")); err != nil {
				t.Fatal(err)
			}
			if e := log.First(t, "B read", "closed"); e != "B read" {
				t.Fatalf("B's data came after A's lingering close returned: the poller waited in it")
			}

			if _, err := pl.Write(a, []byte("x")); err != ErrClosed {
				t.Fatalf("Write on the closing handle = %v, want ErrClosed", err)
			}
			r := newRecorder()
			c, peerC := pair(t, pl, r)
			if c.index() != a.index() || c == a {
				t.Fatalf("new socket %v, want A's slot (%v) in a new generation", c, a)
			}
			pl.Resume(c)
			peerC.Write([]byte("c"))
			r.waitFor(t, "C's data", func(r *recorder) bool { return r.data.String() == "c" })

			endLinger(t, peerA)
			log.Wait(t, "closed")
		})
	}
}

// A caller's lingering close holds no lock that the poller waits on: a
// read of the closing socket, queued on the poller before the close,
// finds the socket closed at once, and the poller goes on serving the
// others. The caller returns only once close(2) has: gen_tcp:close and
// socket:close with {linger, {true, T}} wait for the kernel too.
func TestCallersLingeringCloseLocksOutNoPoller(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(pl *Pool, h Handle) error
	}{
		{"CloseDrain", func(pl *Pool, h Handle) error { return pl.CloseDrain(h, time.Hour, 0) }},
		{"CloseLinger", (*Pool).CloseLinger},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl, log, watch := watchedPool(t, Pollers(1))
			a, peerA := lingeringPair(t, pl, newRecorder(), watch)
			b, peerB := pair(t, pl, readLog{log, "B read"})
			pl.Resume(b)

			// Hold the poller in a task, with a read of A queued behind it.
			gate := make(chan struct{})
			pl.Submit(b, func() { <-gate })
			pl.Resume(a)
			closed := logRun(log, "returned", func() error { return tc.close(pl, a) })
			log.Wait(t, "closing")
			close(gate)
			peerB.Write([]byte("b"))
			if e := log.First(t, "B read", "closed"); e != "B read" {
				t.Fatalf("B's data came after A's lingering close returned: the poller waited for A's lock")
			}

			endLinger(t, peerA)
			if err := <-closed; err != nil {
				t.Fatalf("%s = %v", tc.name, err)
			}
			log.Before(t, "closed", "returned")
		})
	}
}

// Stop waits for the lingering closes under way: it owns the goroutines
// that make them.
func TestStopWaitsForLingeringCloses(t *testing.T) {
	pl, log, watch := watchedPool(t)
	a, peerA := lingeringPair(t, pl, newRecorder(), watch)
	pl.Close(a)
	log.Wait(t, "closing")
	stopped := logRun(log, "stopped", pl.Stop)
	endLinger(t, peerA)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	log.Before(t, "closed", "stopped")
}

// CloseDrain returns once the socket's fd is closed, also when the poller
// closes it, having sent the last of the queue.
func TestCloseDrainReturnsOnceClosed(t *testing.T) {
	pl, log, watch := watchedPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Control(c, func(fd int) error {
		watch(fd)
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	})
	want := pattern(1 << 20)
	if q, err := pl.Write(c, want); err != nil || q == 0 {
		t.Fatalf("Write = %d, %v; want something queued", q, err)
	}
	got := make(chan int, 1)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- len(b)
	}()
	if err := pl.CloseDrain(c, 10*time.Second, 0); err != nil {
		t.Fatal(err)
	}
	log.Add("CloseDrain returned")
	log.Before(t, "closed", "CloseDrain returned")
	if n := <-got; n != len(want) {
		t.Fatalf("peer got %d bytes, want %d", n, len(want))
	}
}
