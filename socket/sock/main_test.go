package sock

import (
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind. The
// process-wide pool is started first: it lives as long as the process.
func TestMain(m *testing.M) {
	leaktest.Main(m, startDriver)
}

func startDriver() error {
	_, err := driver.Default()
	return err
}
