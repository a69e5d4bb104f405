package socket

import (
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain serves the echo benchmark when this process is its child, and
// otherwise checks that the tests leave no fd and no goroutine behind. The
// sockets' pool is started first: it lives as long as the process, as the
// BEAM's inet driver does.
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	leaktest.Main(m, startDriver)
}

func startDriver() error {
	_, err := defaultPool()
	return err
}
