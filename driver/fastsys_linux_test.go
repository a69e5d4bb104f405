package driver

import (
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// spinHandler's OnRead starts a goroutine and spins until it has run:
// with one P, only a preemption of the poller lets it run. It notes the
// guard's armings so far as it starts.
type spinHandler struct {
	armings       *atomic.Int32
	armingsAtRead int32
	event         string // the first event: "read", "eof" or the error
	ran, starved  atomic.Bool
	once          sync.Once
	done          chan struct{}
}

func (h *spinHandler) end(event string) {
	h.once.Do(func() {
		h.event = event
		close(h.done)
	})
}

func (h *spinHandler) OnRead([]byte) bool {
	h.armingsAtRead = h.armings.Load()
	go h.ran.Store(true)
	start := time.Now()
	for !h.ran.Load() {
		if time.Since(start) > 20*time.Second {
			h.starved.Store(true)
			break
		}
	}
	h.end("read")
	return false
}
func (h *spinHandler) OnEOF()          { h.end("eof") }
func (h *spinHandler) OnError(e error) { h.end(e.Error()) }
func (h *spinHandler) OnFlush(int)     {}

// TestRawCallsLeaveSysmonAwake: the driver's raw system calls do not
// wake sysmon (fastsys_linux.go), which preempts long-running
// goroutines. With one P, a process idle long enough for sysmon to sleep,
// and data that comes from another process (so that nothing but the
// poller's calls runs before the handler), a handler that spins until a
// goroutine it started has run must be preempted: the guard's ordinary
// call woke sysmon. Without it the handler spins until sysmon's next
// timer-bounded wake-up, up to a minute, and gives up after 20 s.
//
// The parent waits until the guard's timer has disarmed it, then tells
// the child to write its byte after an idle period (see lateWriter), and
// checks that the poller armed the guard again, once, before the
// handler ran: the byte was read on the arming path. The poll and
// portable backends make no raw call and never arm the guard; the
// handler must be preempted there too.
func TestRawCallsLeaveSysmonAwake(t *testing.T) {
	leaktest.Check(t)
	epoll := os.Getenv(DriverEnv) == "" || os.Getenv(DriverEnv) == "epoll"
	var armings atomic.Int32
	offs := make(chan struct{}, 1)
	trace := func(armed bool) {
		if armed {
			armings.Add(1)
			return
		}
		select {
		case offs <- struct{}{}:
		default:
		}
	}
	guard.trace.Store(&trace)
	defer guard.trace.Store(nil)
	pl := newPool(t, Pollers(1))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), writerEnv+"="+ln.Addr().String())
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			child.Process.Kill()
			child.Wait()
		}
	}()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(testkit.WaitBound))
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	// The deadline's timer would bound sysmon's sleep as the guard's does.
	ln.(*net.TCPListener).SetDeadline(time.Time{})
	fd := takeFd(t, nc)
	h := &spinHandler{armings: &armings, done: make(chan struct{})}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	c, err := pl.Adopt(fd, h)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer pl.Close(c)
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	if epoll {
		for guard.state.Load() != guardOff {
			<-offs
		}
	}
	before := armings.Load()
	if _, err := pl.Write(c, []byte{'g'}); err != nil {
		t.Fatal(err)
	}
	<-h.done
	if h.event != "read" {
		t.Fatalf("the handler got %s, not the child's byte", h.event)
	}
	if h.starved.Load() {
		t.Fatal("the goroutine the handler started never ran while it spun: nothing preempted it")
	}
	if epoll && h.armingsAtRead != before+1 {
		t.Fatalf("the guard was armed %d times between the go-ahead and the read, want once: the byte was not read on the arming path", h.armingsAtRead-before)
	}
	pl.Close(c)
	waited = true
	if err := child.Wait(); err != nil {
		t.Fatalf("the child: %v", err)
	}
}
