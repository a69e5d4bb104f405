package testkit

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// Log keeps events in the order they happen, from any goroutine, for a
// test to wait on and to check the order of. The zero Log is empty and
// ready to use.
type Log struct {
	mu      sync.Mutex
	events  []string
	changed chan struct{} // a token after every event
}

// Add logs e.
func (l *Log) Add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	ch := l.changedLocked()
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (l *Log) changedLocked() chan struct{} {
	if l.changed == nil {
		l.changed = make(chan struct{}, 1)
	}
	return l.changed
}

// Take returns the events logged so far, in order, and empties the log.
func (l *Log) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.events
	l.events = nil
	return e
}

// Events returns the events logged so far, in order.
func (l *Log) Events() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// First waits until one of events is logged and returns the one logged
// first; it fails t if none is within WaitBound.
func (l *Log) First(t testing.TB, events ...string) string {
	t.Helper()
	deadline := time.NewTimer(WaitBound)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		i := slices.IndexFunc(l.events, func(e string) bool { return slices.Contains(events, e) })
		var e string
		if i >= 0 {
			e = l.events[i]
		}
		log := slices.Clone(l.events)
		ch := l.changedLocked()
		l.mu.Unlock()
		if i >= 0 {
			return e
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("none of %q within %v (events: %q)", events, WaitBound, log)
		}
	}
}

// Wait waits until e is logged, failing t if it is not within WaitBound.
func (l *Log) Wait(t testing.TB, e string) {
	t.Helper()
	l.First(t, e)
}

// Before fails t unless a was logged before b; both must be logged.
func (l *Log) Before(t testing.TB, a, b string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	i, j := slices.Index(l.events, a), slices.Index(l.events, b)
	if i < 0 || j < 0 || i > j {
		t.Fatalf("want %q before %q, got %q", a, b, l.events)
	}
}
