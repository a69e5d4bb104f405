package supervisor

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no goroutine (and no fd) behind, as
// net's main_test.go does. protoactor starts goroutines of its own that end
// by themselves: a mailbox runs on a goroutine only while it has messages,
// a Future's timer only when it fires, and each actor system's dead-letter
// log throttle keeps one alive for DeadLetterThrottleInterval (1 s by
// default) after a dead letter. Supervisors cause dead letters: a
// child's Terminated may reach its supervisor after the supervisor has
// stopped (it waits for its children's ends through monitors, not for
// their Terminated). So the counts are compared once they have settled,
// within leaktest's bound: a goroutine still there after it is a leak.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
