package framing

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind: the
// oracle tests run escript with pipes of their own.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
