package driver

import (
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/unix"
)

// spinHandler's OnRead starts a goroutine and spins until it has run:
// with one P, only a preemption of the poller lets it run.
type spinHandler struct {
	ran, starved atomic.Bool
	done         chan struct{}
}

func (h *spinHandler) OnRead([]byte) bool {
	go h.ran.Store(true)
	start := time.Now()
	for !h.ran.Load() {
		if time.Since(start) > 20*time.Second {
			h.starved.Store(true)
			break
		}
	}
	close(h.done)
	return false
}
func (h *spinHandler) OnEOF()        {}
func (h *spinHandler) OnError(error) {}
func (h *spinHandler) OnFlush(int)   {}

// TestRawCallsLeaveSysmonAwake: the driver's raw system calls do not
// wake sysmon (fastsys_linux.go), which preempts long-running
// goroutines. With one P, a process idle long enough for sysmon to sleep,
// and data that comes from another process (so that nothing but the
// poller's calls runs before the handler), a handler that spins until a
// goroutine it started has run must be preempted: the guard's ordinary
// call woke sysmon. Without it the handler spins until sysmon's next
// timer-bounded wake-up, up to a minute, and gives up after 20 s.
func TestRawCallsLeaveSysmonAwake(t *testing.T) {
	if os.Getenv(DriverEnv) != "" && os.Getenv(DriverEnv) != "epoll" {
		t.Skip("the guard is the epoll backend's")
	}
	leaktest.Check(t)
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
	defer child.Wait()
	nc, err := ln.Accept()
	if err != nil {
		child.Process.Kill()
		t.Fatal(err)
	}
	fd := takeFd(t, nc)
	h := &spinHandler{done: make(chan struct{})}
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
	<-h.done
	if h.starved.Load() {
		t.Fatal("the goroutine the handler started never ran while it spun: nothing preempted it")
	}
}
