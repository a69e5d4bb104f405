// Package testkit holds what the tests of several packages share: the
// bound on every wait, and the helpers that run a call which should return
// promptly. A bound is how long a test waits before it fails, never a
// synchronisation: tests wait on events.
package testkit

import (
	"testing"
	"time"
)

// WaitBound bounds every wait of the tests.
const WaitBound = 5 * time.Second

// Bounded runs call, which should return promptly, in a goroutine of its
// own and returns its error; it fails t if call is still running after
// WaitBound.
func Bounded(t testing.TB, what string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	return Result(t, what, done)
}

// Result waits for the error of a call made in another goroutine, and
// fails t if none comes within WaitBound.
func Result(t testing.TB, what string, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(WaitBound):
		t.Fatalf("%s hangs", what)
		return nil
	}
}
