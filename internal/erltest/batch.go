package erltest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
)

// Batch starts escript on script with args, then the path of a file that
// holds in (left out when in is nil), then the path of a file for the
// script's output, and returns at once: the oracle computes while the Go
// side does. wait waits for the script and returns its output's lines; it
// fails the test, with the script's output, if the script fails.
func Batch(t *testing.T, script string, args []string, in []byte) (wait func() []string) {
	t.Helper()
	escript := Escript(t)
	dir := t.TempDir()
	inPath, outPath := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	args = append([]string{script}, args...)
	if in != nil {
		if err := os.WriteFile(inPath, in, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, inPath)
	}
	cmd := exec.CommandContext(t.Context(), escript, append(args, outPath)...)
	stderr := &testkit.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		t.Helper()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s %v: %v\n%s", escript, args, err, stderr)
		}
		f, err := os.Open(outPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
}
