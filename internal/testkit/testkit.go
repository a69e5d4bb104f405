// Package testkit holds what the tests of several packages share: the
// bound on every wait, calls that should return promptly, waits on a
// channel or on a state, expectations on a process's mailbox, and plain
// TCP peers (a listener, a dialled or accepted net.Conn, an echo, a close
// seen from the peer). A bound is how long a test waits before it fails,
// never a synchronisation: tests wait on events, and assert their order.
//
// The kit imports only the standard library, so that every package's
// in-package tests may use it (the actor, driver and socket packages
// among them) without an import cycle. What needs a package's own types
// (a pair of otpnet sockets, a driver connection) is built on it in that
// package's helpers_test.go.
package testkit

import (
	"testing"
	"time"
)

// WaitBound bounds every wait of the tests.
const WaitBound = 10 * time.Second

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

// Recv returns the next value on ch, failing t if none comes within
// WaitBound; what names the value in the failure. A closed channel gives
// its zero value, as a receive does.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(WaitBound):
		t.Fatalf("no %s within %v", what, WaitBound)
		var zero T
		return zero
	}
}

// Until polls cond until it holds, failing t after WaitBound: a wait for
// a state nothing sends word of (a kernel queue, a port's or a pool's
// state). Where an event exists, wait on it instead.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Eventually(cond) {
		t.Fatalf("not %s within %v", what, WaitBound)
	}
}

// Eventually polls cond until it holds, for at most WaitBound, and reports
// whether it did: Until for a goroutine other than the test's, which
// reports a failure with t.Error.
func Eventually(cond func() bool) bool {
	deadline := time.Now().Add(WaitBound)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond) // the polling interval, not a synchronisation
	}
	return true
}

// Go runs f on a goroutine of its own; when the test ends, its cleanup
// waits for f to return, failing t if it has not within WaitBound. f
// reports failures with t.Error, never t.Fatal (it is not the test's
// goroutine).
func Go(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		case <-time.After(WaitBound):
			t.Errorf("%s did not return within %v", what, WaitBound)
		}
	})
}

// Must fails t if err is not nil.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
