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

// A deadline's timer that has fired but not yet closed the channel when
// the Conn closes (stop) closes nothing after: a deadline set then in the
// past closes the channel once, and one set in the future is not cut
// short.
func TestDeadlineStopWhileFiring(t *testing.T) {
	for _, tc := range []struct {
		name   string
		then   time.Time
		passed bool
	}{
		{"past", time.Unix(1, 0), true},
		{"future", time.Now().Add(time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fired, release, ran := holdTimer(t)
			d := deadline{cancel: make(chan struct{})}
			d.set(time.Now().Add(time.Hour))
			testkit.Recv(t, fired, "the timer firing")
			d.stop()
			d.set(tc.then)
			close(release)
			testkit.Recv(t, ran, "the timer's callback")
			if got := passed(d.channel()); got != tc.passed {
				t.Fatalf("the deadline has passed: %v, want %v", got, tc.passed)
			}
			d.stop()
		})
	}
}
