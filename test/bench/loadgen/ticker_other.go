//go:build !linux

package loadgen

import "time"

// ticker returns a function that waits for the next tick of period, and
// one that releases it: a time.Ticker, where there is no timerfd (see the
// Linux version).
func ticker(period time.Duration) (wait, done func()) {
	t := time.NewTicker(period)
	return func() { <-t.C }, t.Stop
}
