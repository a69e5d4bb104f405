package socket

import (
	"fmt"
	"os"
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind. The
// sockets' pool is started first: it lives as long as the process, as the
// BEAM's inet driver does.
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	if _, err := defaultPool(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	leaktest.Main(m)
}
