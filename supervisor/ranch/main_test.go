package ranch

import (
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests, together, leave no fd and no goroutine
// behind; each pool test checks its own as well (startPool). The sockets'
// driver pool, which lives as long as the process (as the BEAM's inet
// driver does), is started first.
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	leaktest.Main(m, startDriver)
}

func startDriver() error {
	_, err := driver.Default()
	return err
}
