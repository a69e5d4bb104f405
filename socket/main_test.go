package socket

import (
	"fmt"
	"os"
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain serves the echo benchmark when this process is its child, and
// otherwise checks that the tests leave no fd, no goroutine and no
// packet's mapped buffer behind. The sockets' pool is started first: it
// lives as long as the process, as the BEAM's inet driver does.
func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	code := leaktest.Run(m, startDriver)
	dropMaps()
	if n := mappedBufs.Load(); code == 0 && n != 0 {
		fmt.Fprintf(os.Stderr, "leak after tests: %d packet buffers still mapped\n", n)
		code = 1
	}
	os.Exit(code)
}

func startDriver() error {
	_, err := defaultPool()
	return err
}
