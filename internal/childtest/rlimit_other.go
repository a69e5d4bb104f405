//go:build unix && !freebsd

package childtest

// rlim is n as the system's Rlimit holds it.
func rlim(n int) uint64 { return uint64(n) }
