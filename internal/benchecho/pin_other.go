//go:build !linux

package benchecho

// pin does nothing where threads cannot be pinned to a CPU as Linux's
// sched_setaffinity does: the benchmark runs unpinned.
func pin(int) {}
