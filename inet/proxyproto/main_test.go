package proxyproto

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no goroutine behind.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
