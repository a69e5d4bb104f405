package driver

import (
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	xunix "golang.org/x/sys/unix"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// spinHandler's OnRead starts a goroutine and spins until it has run:
// with one P, only a preemption of the poller lets it run. It pauses
// after each read; events reports each: "read", "starved" (the goroutine
// never ran), "eof" or the error.
type spinHandler struct {
	events chan string
}

func (h *spinHandler) OnRead([]byte) bool {
	var ran atomic.Bool
	go ran.Store(true)
	start := time.Now()
	for !ran.Load() {
		if time.Since(start) > 20*time.Second {
			h.events <- "starved"
			return false
		}
	}
	h.events <- "read"
	return false
}
func (h *spinHandler) OnEOF()          { h.events <- "eof" }
func (h *spinHandler) OnError(e error) { h.events <- e.Error() }
func (h *spinHandler) OnFlush(int)     {}

// sysmonRounds is how many bytes TestRawCallsLeaveSysmonAwake has its
// child write: one must be read on the guard's arming path.
const sysmonRounds = 5

// TestRawCallsLeaveSysmonAwake: the driver's raw system calls do not
// wake sysmon (fastsys_linux.go), which preempts long-running
// goroutines. With one P, a process idle long enough for sysmon to sleep,
// and data that comes from another process (so that nothing but the
// poller's calls runs before the handler), a handler that spins until a
// goroutine it started has run must be preempted: the guard's ordinary
// call woke sysmon. Without it the handler spins until sysmon's next
// timer-bounded wake-up, up to a minute, and gives up after 20 s.
//
// Each round, the parent waits until the guard's timer has disarmed it,
// then tells the child to write a byte after an idle period (see
// lateWriter). A trace of the guard's arming looks (MSG_PEEK) whether the
// byte is there as the guard is armed: then it was read on the arming
// path, the path under test. A poller's wake that finds nothing (Go's
// netpoller may wake it so) can arm the guard before the byte comes, so
// the test takes several rounds and needs one on the arming path; the
// handler must be preempted in all. The poll and portable backends make
// no raw call and never arm the guard; the handler must be preempted
// there too.
func TestRawCallsLeaveSysmonAwake(t *testing.T) {
	leaktest.Check(t)
	epoll := os.Getenv(DriverEnv) == "" || os.Getenv(DriverEnv) == "epoll"
	var connFd atomic.Int64
	connFd.Store(-1)
	var onArmingPath atomic.Bool
	offs := make(chan struct{}, 1)
	trace := func(armed bool) {
		if !armed {
			select {
			case offs <- struct{}{}:
			default:
			}
			return
		}
		// Raw: an ordinary call would wake sysmon itself, in the guard's
		// stead.
		if fd := connFd.Load(); fd >= 0 {
			var b [1]byte
			n, _, e := xunix.RawSyscall6(xunix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 1, xunix.MSG_PEEK|xunix.MSG_DONTWAIT, 0, 0)
			if e == 0 && n == 1 {
				onArmingPath.Store(true)
			}
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
	h := &spinHandler{events: make(chan string, 1)}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	c, err := pl.Adopt(fd, h)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer pl.Close(c)
	var fdOk bool
	pl.Control(c, func(cfd int) error { fdOk = cfd == fd; return nil })
	if fdOk {
		connFd.Store(int64(fd))
	}
	arming := 0
	for range sysmonRounds {
		if err := pl.Resume(c); err != nil {
			t.Fatal(err)
		}
		if epoll {
			for guard.state.Load() != guardOff {
				<-offs
			}
		}
		onArmingPath.Store(false)
		if _, err := pl.Write(c, []byte{'g'}); err != nil {
			t.Fatal(err)
		}
		switch ev := <-h.events; ev {
		case "read":
		case "starved":
			t.Fatal("the goroutine the handler started never ran while it spun: nothing preempted it")
		default:
			t.Fatalf("the handler got %s, not the child's byte", ev)
		}
		if onArmingPath.Load() {
			arming++
		}
	}
	if epoll && arming == 0 {
		t.Fatalf("none of %d bytes was read on the guard's arming path", sysmonRounds)
	}
	t.Logf("%d of %d bytes read on the guard's arming path", arming, sysmonRounds)
	pl.Close(c)
	waited = true
	if err := child.Wait(); err != nil {
		t.Fatalf("the child: %v", err)
	}
}
