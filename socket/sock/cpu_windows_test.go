package sock

import (
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/windows"
)

// processCPU returns the CPU time the process has used, user and system:
// GetProcessTimes' kernel and user times, in 100 ns units.
func processCPU(b *testing.B) time.Duration {
	var created, exited, kernel, user windows.Filetime
	testkit.Must(b, windows.GetProcessTimes(windows.CurrentProcess(), &created, &exited, &kernel, &user))
	ticks := func(t windows.Filetime) int64 { return int64(t.HighDateTime)<<32 | int64(t.LowDateTime) }
	return time.Duration(ticks(kernel)+ticks(user)) * 100
}
