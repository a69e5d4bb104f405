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
	"strings"
	"testing"
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
