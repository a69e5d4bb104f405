package driver

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain checks, as net/main_test.go does, that the tests leave no
// goroutine and no fd behind.
func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) != "" {
		os.Exit(benchServerMain())
	}
	warmUp()
	fds, gs := countFds(), runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := settle(fds, gs); err != nil {
			fmt.Fprintln(os.Stderr, "leak after tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// warmUp makes the Go runtime open the fds it keeps for good (its own
// netpoller's epoll and eventfd), so that they are not counted as leaks.
func warmUp() {
	countFds()
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
}

// checkLeaks makes t fail if, when it ends, the process has more fds or
// goroutines than when checkLeaks was called.
func checkLeaks(t testing.TB) {
	t.Helper()
	fds, gs := countFds(), runtime.NumGoroutine()
	t.Cleanup(func() {
		if err := settle(fds, gs); err != nil {
			t.Error(err)
		}
	})
}

// settle waits, at most five seconds, for the fd and goroutine counts to
// come back to fds and gs: goroutines that were told to stop take a moment
// to return. It reports what is still there.
func settle(fds, gs int) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		nf, ng := countFds(), runtime.NumGoroutine()
		if nf <= fds && ng <= gs {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("fds %d -> %d, goroutines %d -> %d\n%s", fds, nf, gs, ng, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func countFds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		panic(err)
	}
	return len(ents) - 1 // the directory's own fd
}
