package erltest

import (
	"os/exec"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
)

// Lines runs escript on script with args and returns a reader of the
// script's output, a line a call without its newline; a line that does
// not come within testkit.WaitBound, or the output's end, ends the test
// with the script's stderr. When the test ends, Lines waits for the
// script to exit, killing it first if the test failed, and fails the
// test if the script did.
func Lines(t *testing.T, script string, args ...string) func() string {
	t.Helper()
	cmd := exec.Command(Escript(t), append([]string{script}, args...)...)
	lines, stderr := testkit.Start(t, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			cmd.Process.Kill()
		}
		<-lines.Done()
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("%s %v: %v\n%s", script, args, err, stderr)
		}
	})
	return func() string {
		t.Helper()
		return lines.Next(t)
	}
}
