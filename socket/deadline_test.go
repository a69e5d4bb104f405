package socket

import (
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
)

// holdTimer makes the next deadline timer fire at once but hold its
// callback until the test releases it: fired says it has fired (Stop
// reports false from then on), release lets the callback run, and ran
// says it has returned.
func holdTimer(t *testing.T) (fired, release, ran chan struct{}) {
	fired, release, ran = make(chan struct{}), make(chan struct{}), make(chan struct{})
	real := afterFunc
	afterFunc = func(_ time.Duration, f func()) *time.Timer {
		afterFunc = real
		return real(0, func() {
			close(fired)
			<-release
			f()
			close(ran)
		})
	}
	t.Cleanup(func() { afterFunc = real })
	return fired, release, ran
}

// A deadline's timer that has fired, but not yet closed the channel, when
// the deadline changes closes nothing after: when the Conn closes (stop),
// the channel closes once and for good, whatever is set then; a deadline
// set again in the future is not cut short.
func TestDeadlineChangeWhileFiring(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(d *deadline)
		passed bool
	}{
		{"stop", func(d *deadline) {
			d.stop()
			d.set(time.Unix(1, 0))
			d.set(time.Now().Add(time.Hour))
		}, true},
		{"set", func(d *deadline) { d.set(time.Now().Add(time.Hour)) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fired, release, ran := holdTimer(t)
			d := deadline{cancel: make(chan struct{})}
			d.set(time.Now().Add(time.Hour))
			testkit.Recv(t, fired, "the timer firing")
			tc.change(&d)
			close(release)
			testkit.Recv(t, ran, "the timer's callback")
			if got := passed(d.channel()); got != tc.passed {
				t.Fatalf("the channel is closed: %v, want %v", got, tc.passed)
			}
			d.stop()
		})
	}
}
