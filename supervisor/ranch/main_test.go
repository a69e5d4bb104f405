package ranch

import (
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests, together, leave no fd and no goroutine
// behind; each pool test checks its own as well (checkLeaks). The sockets'
// driver pool, which lives as long as the process, is started before
// (driverStarted).
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	leaktest.Main(m)
}
