package childtest

import "testing"

// LimitFds skips the test: Windows has no open-files limit to lower
// (RLIMIT_NOFILE), so a test of running out of fds cannot run there.
func LimitFds(t testing.TB, _ int) {
	t.Helper()
	t.Skip("childtest: Windows has no open-files limit (RLIMIT_NOFILE) to lower")
}

// LimitFdsFree skips the test, as LimitFds does.
func LimitFdsFree(t testing.TB, _ int) {
	t.Helper()
	LimitFds(t, 0)
}
