//go:build unix

package sock

import (
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// processCPU returns the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru unix.Rusage
	testkit.Must(b, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
