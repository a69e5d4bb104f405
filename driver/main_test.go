package driver

import (
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain serves the echo benchmark or plays lateWriter when this process
// is their child, and otherwise checks that the tests leave no fd and no
// goroutine behind.
func TestMain(m *testing.M) {
	lateWriter()
	benchecho.Main(benchServers)
	leaktest.Main(m)
}
