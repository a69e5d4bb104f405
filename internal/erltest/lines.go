package erltest

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// Lines runs escript on script with args and returns a reader of the
// script's output, a line a call without its newline; a failed read ends
// the test with the script's stderr. When the test ends, Lines waits for
// the script to exit, killing it first if the test failed, and fails the
// test if the script did.
func Lines(t *testing.T, script string, args ...string) func() string {
	t.Helper()
	cmd := exec.Command(Escript(t), append([]string{script}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			cmd.Process.Kill()
		}
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("%s %v: %v\n%s", script, args, err, stderr.Bytes())
		}
	})
	r := bufio.NewReader(out)
	return func() string {
		t.Helper()
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", script, args, err, stderr.Bytes())
		}
		return strings.TrimSuffix(line, "\n")
	}
}
