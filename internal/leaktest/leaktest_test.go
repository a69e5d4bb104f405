package leaktest

import (
	"os"
	"os/signal"
	"testing"
)

// TestSignalLoopNotALeak: the goroutine the first signal.Notify starts,
// and which lives on, is not taken for a leak; a goroutine that lives on
// is.
func TestSignalLoopNotALeak(t *testing.T) {
	before := Take()
	c := make(chan os.Signal, 1)
	signal.Notify(c, quietSignal)
	signal.Stop(c)
	if err := Settle(before); err != nil {
		t.Errorf("os/signal's loop taken for a leak: %v", err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { <-stop; close(done) }()
	if now := Take(); now.Goroutines != before.Goroutines+1 {
		t.Errorf("goroutines %d -> %d with one more running, want %d", before.Goroutines, now.Goroutines, before.Goroutines+1)
	}
	close(stop)
	<-done
}
