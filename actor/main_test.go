package actor_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run if goroutines outlive the tests. A Process has no
// goroutine of its own, so what could leak is a test's, or an actor's that a
// test failed to stop.
func TestMain(m *testing.M) {
	base := len(goroutines())
	code := m.Run()
	if code == 0 {
		if leaked := settle(base, 5*time.Second); leaked != nil {
			fmt.Fprintf(os.Stderr, "leaked goroutines (%d, started with %d):\n\n%s\n",
				len(leaked), base, strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// settle waits up to limit for the goroutine count to come back to base,
// and returns the goroutines in excess if it does not. The wait is for
// protoactor's mailbox goroutines, which exit just after an actor's last
// message (its Terminated to watchers) is sent, so a little after the test
// that stopped it has seen that message.
func settle(base int, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for {
		gs := goroutines()
		if len(gs) <= base {
			return nil
		}
		if time.Now().After(deadline) {
			return gs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goroutines returns the stacks of all goroutines but this one and those
// that protoactor starts on its own and that end on their own: its dead
// letter throttle runs one for DeadLetterThrottleInterval (1s by default)
// after the first logged dead letter of a period, whatever the test does.
func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var gs []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 || strings.Contains(g, "protoactor-go/actor.") && strings.Contains(g, "NewThrottle") {
			continue // i == 0 is the calling goroutine
		}
		gs = append(gs, g)
	}
	return gs
}
