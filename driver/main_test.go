package driver

import (
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/leaktest"
)

func TestMain(m *testing.M) {
	benchecho.Main(benchServers)
	leaktest.Main(m)
}

// checkLeaks makes t fail if it leaves an fd or a goroutine behind.
func checkLeaks(t testing.TB) { leaktest.Check(t) }

// countFds returns the number of open fds.
func countFds() int { return leaktest.Take().Fds }
