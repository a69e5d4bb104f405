package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// TestMain checks that the tests leave no goroutine behind, as net's
// main_test.go does. protoactor starts goroutines of its own that end by
// themselves: a mailbox runs on a goroutine only while it has messages, a
// Future's timer only when it fires, and each actor system's dead-letter
// log throttle keeps one alive for DeadLetterThrottleInterval (1 s by
// default) after a dead letter. Supervisors cause dead letters: when one
// stops, protoactor sends Stop to every child it still lists, including
// those the supervisor has already shut down whose Terminated is still
// queued. So the count is compared once it has settled, within a bound: a
// goroutine still there after it is a leak.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := settled(before, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// settled waits until at most n goroutines run, or reports the others.
func settled(n int, bound time.Duration) error {
	deadline := time.Now().Add(bound)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			var b bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			return fmt.Errorf("leaked goroutines: %d, was %d before the tests\n%s", runtime.NumGoroutine(), n, b.String())
		}
		time.Sleep(10 * time.Millisecond) // polling the count, not synchronising a test
	}
	return nil
}
