// Package leaktest checks, as net/main_test.go does, that tests leave no
// fd and no goroutine behind: Main after a package's tests (from its
// TestMain), Check after one test. It is the one leak checker of otpnet's
// tests. The goroutine of os/signal, which the first signal.Notify starts
// for good (the fuzzing engine's does, in a -fuzz run), is not counted.
package leaktest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// Counts is how many fds the process has open and goroutines it runs.
type Counts struct{ Fds, Goroutines int }

// Take returns the counts now. The first call makes the Go runtime open
// the fds it keeps for good (its netpoller's epoll and eventfd), so that
// they are not taken for leaks.
func Take() Counts {
	warm()
	return Counts{fds(), runtime.NumGoroutine() - lifelongGoroutines()}
}

// lifelongGoroutines counts the goroutines that, once started, live as
// long as the process and are no test's: os/signal's loop.
func lifelongGoroutines() int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return bytes.Count(buf, []byte("\nos/signal.loop()"))
}

var warmed bool

func warm() {
	if warmed {
		return
	}
	warmed = true
	fds()
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
}

// Settle waits, at most testkit.WaitBound, for the counts to come back to
// before: goroutines that were told to stop take a moment to return. It
// reports what is still there, with every goroutine's stack.
func Settle(before Counts) error {
	deadline := time.Now().Add(testkit.WaitBound)
	for {
		now := Counts{fds(), runtime.NumGoroutine()}
		if now.Goroutines > before.Goroutines {
			now.Goroutines -= lifelongGoroutines()
		}
		if now.Fds <= before.Fds && now.Goroutines <= before.Goroutines {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("fds %d -> %d, goroutines %d -> %d\n%s",
				before.Fds, now.Fds, before.Goroutines, now.Goroutines, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Check makes t fail if, when it ends, the process has more fds or
// goroutines than when Check was called.
func Check(t testing.TB) {
	t.Helper()
	before := Take()
	t.Cleanup(func() {
		if err := Settle(before); err != nil {
			t.Error(err)
		}
	})
}

// Main runs the tests, then fails the run if they leaked, and exits with
// the run's code (see Run).
func Main(m *testing.M, lifelong ...func() error) {
	os.Exit(Run(m, lifelong...))
}

// Run runs the tests and returns the run's exit code, 1 if they leaked,
// after erltest.Report has said how many tests were skipped for want of
// Erlang, if any were. It
// first runs each of lifelong, which starts what lives as long as the
// process (the sockets' driver pool, as the BEAM's inet driver lives as
// long as the node), so that it is not taken for a leak; an error from
// one fails the run before any test. Call it from TestMain, after whatever
// else must come first, when TestMain has more to do after the tests;
// otherwise call Main.
func Run(m *testing.M, lifelong ...func() error) int {
	for _, start := range lifelong {
		if err := start(); err != nil {
			fmt.Fprintln(os.Stderr, "starting what lives as long as the tests:", err)
			return 1
		}
	}
	before := Take()
	code := m.Run()
	if code == 0 {
		if err := Settle(before); err != nil {
			fmt.Fprintln(os.Stderr, "leak after tests:", err)
			code = 1
		}
	}
	erltest.Report(code)
	return code
}
