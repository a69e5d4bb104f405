// Package childtest runs a test in a child process: the test binary run
// again with only that test, so that what the test does to its process (a
// lowered open-files limit, fds used up to the last) cannot starve the
// other tests of the package, which share the parent's limit.
//
// The test is the same function in both processes, split by Child:
//
//	func TestOutOfFds(t *testing.T) {
//		if !childtest.Child(t) {
//			childtest.Run(t) // the parent: run the child, report its failures
//			return
//		}
//		childtest.LimitFds(t, 256) // the child
//		...
//	}
//
// A test that talks to its child while it runs builds the command with
// Command and reads and writes its pipes itself.
package childtest

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// env names the test a child process runs.
const env = "OTPNET_CHILD_TEST"

// Child reports whether this process is the child that runs test t.
func Child(t testing.TB) bool { return os.Getenv(env) == t.Name() }

// Command returns the command that runs test t, and only t, in a child
// process: the test binary again, with Child true there. t must be a
// top-level test or a subtest; the child runs its parents only as far as
// they lead to it.
func Command(t testing.TB) *exec.Cmd {
	t.Helper()
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	args := []string{"-test.run=" + strings.Join(parts, "/"), "-test.count=1"}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env+"="+t.Name())
	return cmd
}

// Run runs test t in a child process to its end and fails t, with the
// child's output, if the child failed; otherwise it logs the output.
func Run(t testing.TB) {
	t.Helper()
	out, err := Command(t).CombinedOutput()
	if err != nil {
		t.Fatalf("%s in a child process: %v\n%s", t.Name(), err, out)
	}
	t.Logf("%s in a child process:\n%s", t.Name(), out)
}

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
