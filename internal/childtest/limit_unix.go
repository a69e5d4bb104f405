//go:build unix

package childtest

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// LimitFds lowers this process's open-files limit (the soft
// RLIMIT_NOFILE) to n: the kernel then refuses fd n and above, with
// EMFILE. Call it only in a child.
func LimitFds(t testing.TB, n int) {
	t.Helper()
	if !Child(t) {
		t.Fatal("childtest: LimitFds outside a child process")
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = rlim(n)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}

// LimitFdsFree lowers the open-files limit so that exactly free fd numbers
// are left below it: the kernel gives the lowest free fd, and fds open
// above the limit stay open, so a process that opens free more fds, and no
// others meanwhile, is out of them. Call it only in a child.
func LimitFdsFree(t testing.TB, free int) {
	t.Helper()
	dir, err := os.Open("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	self := int(dir.Fd()) // listed, but free again once dir is closed
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		t.Fatal(err)
	}
	open := make(map[int]bool, len(names))
	for _, name := range names {
		if fd, err := strconv.Atoi(name); err == nil && fd != self {
			open[fd] = true
		}
	}
	limit := 0
	for left := free; left > 0; limit++ {
		if !open[limit] {
			left--
		}
	}
	LimitFds(t, limit)
}
