package driver

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/unix"
)

// eachBackend runs f as a subtest under each backend this system has,
// with a pool of that backend and t's leak check: no goroutine, the
// portable backend's waiters among them, and no fd outlives the pool.
func eachBackend(t *testing.T, f func(t *testing.T, pl *Pool)) {
	for _, name := range backends {
		t.Run(name, func(t *testing.T) {
			leaktest.Check(t)
			f(t, newPool(t, Backend(name), ReadBuffer(4096)))
		})
	}
}

// Pause and resume: a handler that pauses after each read gets one read
// per Resume, in order, and nothing while paused, though data waits.
func TestBackendsPauseResume(t *testing.T) { eachBackend(t, testPauseResume) }

func testPauseResume(t *testing.T, pl *Pool) {
	r := newRecorder()
	r.pause = true
	c, peer := pair(t, pl, r)
	pl.Resume(c)
	if _, err := peer.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the first read", func(r *recorder) bool { return r.reads == 1 })
	if _, err := peer.Write([]byte("second")); err != nil {
		t.Fatal(err)
	}
	waitRecvQueue(t, pl, c, len("second"))
	if got := string(r.bytes()); got != "first" {
		t.Fatalf("read %q while paused, want only %q", got, "first")
	}
	pl.Resume(c)
	r.waitFor(t, "the second read", func(r *recorder) bool { return r.reads == 2 })
	if got := string(r.bytes()); got != "firstsecond" {
		t.Fatalf("read %q, want %q", got, "firstsecond")
	}
	pl.Close(c)
}

// closer is a Handler that closes its socket from OnRead, once it has
// seen n bytes, and counts what comes after.
type closer struct {
	pl   *Pool
	h    Handle
	n    int
	mu   sync.Mutex
	seen int
	late int // calls after the close
	done chan struct{}
}

func (c *closer) OnRead(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen >= c.n {
		c.late++
		return true
	}
	c.seen += len(b)
	if c.seen >= c.n {
		c.pl.Close(c.h)
		close(c.done)
	}
	return true
}

func (c *closer) OnEOF()         { c.mu.Lock(); c.late++; c.mu.Unlock() }
func (c *closer) OnError(error)  { c.mu.Lock(); c.late++; c.mu.Unlock() }
func (c *closer) OnFlush(q int)  {}
func (c *closer) lateCalls() int { c.mu.Lock(); defer c.mu.Unlock(); return c.late }

// Close while reading: a handler closes its socket in OnRead while the
// peer floods it. The close stands: no callback follows, later calls
// answer ErrClosed, the peer's writes fail, and nothing is left running
// (the leak check).
func TestBackendsCloseWhileReading(t *testing.T) {
	eachBackend(t, func(t *testing.T, pl *Pool) {
		h := &closer{pl: pl, n: 64 << 10, done: make(chan struct{})}
		c, peer := pair(t, pl, h)
		h.h = c // before Resume: no OnRead until then
		pl.Resume(c)
		flood := make(chan error, 1)
		go func() {
			chunk := pattern(16 << 10)
			for {
				if _, err := peer.Write(chunk); err != nil {
					flood <- err
					return
				}
			}
		}()
		<-h.done
		if err := <-flood; err == nil {
			t.Fatal("the peer's writes went on after the close")
		}
		if _, err := pl.Write(c, []byte("x")); err != ErrClosed {
			t.Fatalf("Write after the close = %v, want ErrClosed", err)
		}
		if err := pl.Resume(c); err != ErrClosed {
			t.Fatalf("Resume after the close = %v, want ErrClosed", err)
		}
		pl.Stop() // the last callbacks, if any, have run
		if n := h.lateCalls(); n != 0 {
			t.Fatalf("%d callbacks after the close", n)
		}
	})
}

// The write queue: behind a tiny send buffer a large write is mostly
// queued; OnFlush reports the queue shrinking to zero, the bytes arrive
// whole and in order, and Queued, what socket's watermarks read, follows.
func TestBackendsWriteQueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, pl *Pool) {
		r := newRecorder()
		c, peer := pair(t, pl, r)
		pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
		want := pattern(1 << 20)
		q, err := pl.Write(c, want)
		if err != nil || q == 0 {
			t.Fatalf("Write = %d, %v; want bytes queued", q, err)
		}
		// The poller flushes meanwhile, as far as the peer's receive
		// buffer takes: the queue only shrinks, and 1 MiB does not fit.
		if got, _ := pl.Queued(c); got > q || got == 0 {
			t.Fatalf("Queued = %d, Write said %d", got, q)
		}
		more := []byte("tail")
		if q2, err := pl.Write(c, more); err != nil || q2 > q+len(more) || q2 <= len(more) {
			t.Fatalf("Write behind the queue = %d, %v; want at most %d and more than the tail: queued, not written", q2, err, q+len(more))
		}
		// From here on nothing is written: each flush leaves less.
		r.mu.Lock()
		settled := len(r.flushes)
		r.mu.Unlock()
		got := make([]byte, len(want)+len(more))
		if _, err := io.ReadFull(peer, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append(want, more...)) {
			t.Fatal("bytes differ")
		}
		r.waitFor(t, "a flush to zero", func(r *recorder) bool {
			return len(r.flushes) > 0 && r.flushes[len(r.flushes)-1] == 0
		})
		r.mu.Lock()
		flushes := append([]int(nil), r.flushes[settled:]...)
		r.mu.Unlock()
		for i := 1; i < len(flushes); i++ {
			if flushes[i] >= flushes[i-1] {
				t.Fatalf("the queue did not shrink from flush to flush: %v", flushes)
			}
		}
		if q, _ := pl.Queued(c); q != 0 {
			t.Fatalf("Queued = %d after the peer read everything", q)
		}
		pl.Close(c)
	})
}

// A backend's name is checked: a bad one, given to Backend or in
// OTPNET_DRIVER, is an error that names it and where it came from.
func TestBackendNames(t *testing.T) {
	for _, name := range backends {
		if opts, err := envOptions(name); err != nil || len(opts) != 1 {
			t.Errorf("%s=%s: %v, %v", DriverEnv, name, opts, err)
		}
	}
	if opts, err := envOptions(""); err != nil || opts != nil {
		t.Errorf("%s unset: %v, %v; want the defaults", DriverEnv, opts, err)
	}
	_, err := envOptions("kqueue")
	if err == nil || !strings.Contains(err.Error(), `OTPNET_DRIVER="kqueue"`) {
		t.Errorf("OTPNET_DRIVER=kqueue: %v; want an error naming it", err)
	}
	_, err = NewPool(Backend("kqueue"))
	if err == nil || !strings.Contains(err.Error(), `Backend("kqueue")`) {
		t.Errorf(`NewPool(Backend("kqueue")): %v; want an error naming it`, err)
	}
}
