package sock

import (
	"fmt"
	"os"
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind. The
// process-wide pool is started first: it lives as long as the process.
func TestMain(m *testing.M) {
	if _, err := driver.Default(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	leaktest.Main(m)
}
