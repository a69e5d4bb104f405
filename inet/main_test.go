package inet

import (
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd (the look-ups' and
// getifaddrs's netlink sockets) and no goroutine behind.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}
