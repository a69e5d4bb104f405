package testkit

import (
	"fmt"
	"testing"
	"time"
)

// A Mailbox is a process's queue of messages with selective receive, as
// an actor.Process has: Receive returns the first message that match
// accepts (nil accepts any), waiting up to timeout (0: not at all) for
// one to come, and an error if none does.
type Mailbox interface {
	Receive(match func(msg any) bool, timeout time.Duration) (any, error)
}

// Next returns the next message in p's mailbox, whatever it is, failing t
// if none comes within WaitBound.
func Next(t testing.TB, p Mailbox) any {
	t.Helper()
	return Expect(t, p, nil)
}

// Expect returns the first message in p's mailbox that match accepts (nil
// accepts any), leaving the others queued; it fails t if none comes
// within WaitBound.
func Expect(t testing.TB, p Mailbox, match func(any) bool) any {
	t.Helper()
	m, err := p.Receive(match, WaitBound)
	if err != nil {
		t.Fatalf("no message within %v (%v)", WaitBound, err)
	}
	return m
}

// ExpectOf returns the first message in p's mailbox that is a T and that
// match accepts (nil accepts every T), leaving the others queued; it fails
// t if none comes within WaitBound.
func ExpectOf[T any](t testing.TB, p Mailbox, match func(T) bool) T {
	t.Helper()
	m, err := p.Receive(OfType(match), WaitBound)
	if err != nil {
		var zero T
		t.Fatalf("no %T within %v (%v)", zero, WaitBound, err)
	}
	return m.(T)
}

// OfType returns a match for the messages that are a T and that match
// accepts (nil accepts every T).
func OfType[T any](match func(T) bool) func(any) bool {
	return func(m any) bool {
		v, ok := m.(T)
		return ok && (match == nil || match(v))
	}
}

// InOrder checks that the messages that matches accept come in the order
// of matches: it takes, for each match in turn, the first message that
// any of those left accepts, and fails t unless it is that match's. It
// returns the messages, one for each match; messages that none accepts
// stay queued.
func InOrder(t testing.TB, p Mailbox, matches ...func(any) bool) []any {
	t.Helper()
	got := make([]any, 0, len(matches))
	for i, want := range matches {
		rest := matches[i:]
		m, err := p.Receive(func(m any) bool {
			for _, match := range rest {
				if match(m) {
					return true
				}
			}
			return false
		}, WaitBound)
		if err != nil {
			t.Fatalf("after %s: no message %d of %d within %v (%v)", show(got), i+1, len(matches), WaitBound, err)
		}
		if !want(m) {
			t.Fatalf("after %s: got %#v, which comes later, as message %d of %d", show(got), m, i+1, len(matches))
		}
		got = append(got, m)
	}
	return got
}

// None fails t if a message that match accepts (nil accepts any) is in
// p's mailbox now. Call it once whatever could have sent one is known to
// have happened (a call has returned, a later message has come); to wait
// for that event in the same mailbox, use NoneBefore.
func None(t testing.TB, p Mailbox, match func(any) bool) {
	t.Helper()
	if m, err := p.Receive(match, 0); err == nil {
		t.Fatalf("unexpected message %#v", m)
	}
}

// NoneBefore waits for the first message that unwanted or event accepts,
// fails t unless event accepts it, and returns it: no unwanted message
// comes before the event. Messages that neither accepts stay queued.
func NoneBefore(t testing.TB, p Mailbox, unwanted, event func(any) bool) any {
	t.Helper()
	m, err := p.Receive(func(m any) bool { return event(m) || unwanted(m) }, WaitBound)
	if err != nil {
		t.Fatalf("no event within %v (%v)", WaitBound, err)
	}
	if !event(m) {
		t.Fatalf("unexpected message %#v before the event", m)
	}
	return m
}

// Flush takes every message now in p's mailbox, as OTP suites' flush()
// does, and returns them in order.
func Flush(p Mailbox) []any {
	var out []any
	for {
		m, err := p.Receive(nil, 0)
		if err != nil {
			return out
		}
		out = append(out, m)
	}
}

// show prints messages for a failure.
func show(ms []any) string {
	if len(ms) == 0 {
		return "no message"
	}
	return fmt.Sprintf("%#v", ms)
}
