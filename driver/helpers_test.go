package driver

import (
	"bytes"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// recorder is a Handler that keeps what it is told. Tests wait on its
// channel rather than on time.
type recorder struct {
	mu      sync.Mutex
	data    bytes.Buffer
	eof     bool
	err     error
	flushes []int
	pause   bool // OnRead returns false: pause after each read
	reads   int
	changed chan struct{} // a token after every event
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) note() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) OnRead(b []byte) bool {
	r.mu.Lock()
	r.data.Write(b)
	r.reads++
	more := !r.pause
	r.mu.Unlock()
	r.note()
	return more
}

func (r *recorder) OnEOF() {
	r.mu.Lock()
	r.eof = true
	r.mu.Unlock()
	r.note()
}

func (r *recorder) OnError(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
	r.note()
}

func (r *recorder) OnFlush(q int) {
	r.mu.Lock()
	r.flushes = append(r.flushes, q)
	r.mu.Unlock()
	r.note()
}

// waitFor waits until cond, evaluated under r.mu, holds, or fails t after
// testkit.WaitBound: a bound on failure, not a synchronisation.
func (r *recorder) waitFor(t testing.TB, what string, cond func(*recorder) bool) {
	t.Helper()
	deadline := time.NewTimer(testkit.WaitBound)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("timed out waiting for %s (have %d bytes, eof %v, err %v)", what, r.data.Len(), r.eof, r.err)
		}
	}
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.data.Bytes()...)
}

// newPool starts a pool that t stops, with the backend OTPNET_DRIVER
// names, if any, as the default pool would: so that the whole suite runs
// under either backend.
func newPool(t testing.TB, opts ...Option) *Pool {
	t.Helper()
	if name := os.Getenv(DriverEnv); name != "" {
		opts = append([]Option{Backend(name)}, opts...)
	}
	pl, err := NewPool(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Stop() })
	return pl
}

var loopback4 = &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}

// listen opens a listener on 127.0.0.1 with a kernel-chosen port.
func listen(t testing.TB, pl *Pool) (Handle, *unix.SockaddrInet4) {
	t.Helper()
	l, err := pl.Listen(loopback4, 4096, reuseAddr)
	if err != nil {
		t.Fatal(err)
	}
	var addr *unix.SockaddrInet4
	if err := pl.Control(l, func(fd int) error {
		sa, err := unix.Getsockname(fd)
		addr, _ = sa.(*unix.SockaddrInet4)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return l, addr
}

func reuseAddr(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
}

// pair returns a connection of pl and the plain net.Conn at its other end.
func pair(t testing.TB, pl *Pool, h Handler) (Handle, net.Conn) {
	t.Helper()
	ln, port := testkit.Listen(t)
	c, err := pl.Dial(nil, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}, time.Now().Add(testkit.WaitBound), nil, h)
	if err != nil {
		t.Fatal(err)
	}
	return c, testkit.Accept(t, ln)
}

// pattern returns n bytes of a sequence that shows reordering and loss.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// dialing is how many Dials wait for their connection on pl.
func dialing(pl *Pool) int {
	n := 0
	pl.slots.each(func(_ uint32, s *slot) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.state&stOpen != 0 && s.kind == kindDialing && s.x != nil && len(s.x.list) > 0 {
			n++
		}
	})
	return n
}

// takeFd returns a dup of nc's fd, for Adopt, and closes nc.
func takeFd(t testing.TB, nc net.Conn) int {
	t.Helper()
	f, err := nc.(*net.TCPConn).File()
	nc.Close()
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	return fd
}
