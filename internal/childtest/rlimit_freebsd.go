package childtest

// rlim is n as FreeBSD's Rlimit holds it.
func rlim(n int) int64 { return int64(n) }
