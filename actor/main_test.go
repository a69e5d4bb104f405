package actor_test

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain fails the run if the tests leave an fd or a goroutine behind. A
// Process has no goroutine of its own, so what could leak is a test's, or
// an actor's that a test failed to stop. protoactor's dead-letter throttle
// runs a goroutine of its own for a second after a logged dead letter, and
// its mailboxes' goroutines end just after an actor's last message: both
// are gone within leaktest's bound.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
