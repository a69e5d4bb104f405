package metrics

import (
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind. The
// sockets' driver pool, which lives as long as the process, is started
// first.
func TestMain(m *testing.M) {
	leaktest.Main(m, func() error {
		_, err := driver.Default()
		return err
	})
}
