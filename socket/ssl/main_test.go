package ssl

import (
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain serves the benchmarks' servers when this process is their
// child, and otherwise checks that the tests leave no fd and no goroutine behind: a
// TLS connection, a failed handshake above all, keeps none. The driver's
// pool is started first: it lives as long as the process.
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	leaktest.Main(m, func() error {
		_, err := driver.Default()
		return err
	})
}
