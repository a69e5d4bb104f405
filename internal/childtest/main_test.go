package childtest

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind: each
// runs a child process, with pipes of its own.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
