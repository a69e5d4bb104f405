package benchecho

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain serves testServers when this process is a benchmark's child.
func TestMain(m *testing.M) {
	Main(testServers)
	leaktest.Main(m)
}

// testServers has a server that accepts and closes: the tests here talk
// to the child's control protocol only.
var testServers = map[string]Server{"nop": func() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }, nil
}}

// gcChild runs the nop server in a child with the heap profile asked for
// in path, asks it for one GC, and returns its answer, its stderr and how
// it exited.
func gcChild(t *testing.T, path string) (answer, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"=nop", heapProfileEnv+"="+path)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, err := r.ReadString('\n'); !strings.HasPrefix(line, "listening on ") {
		in.Close()
		cmd.Wait()
		t.Fatalf("the child said %q (%v), then %s", line, err, errOut.String())
	}
	if _, err := io.WriteString(in, "gc\n"); err != nil {
		t.Fatal(err)
	}
	answer, _ = r.ReadString('\n')
	in.Close()
	io.Copy(io.Discard, r)
	err = cmd.Wait()
	return answer, errOut.String(), err
}

// The server writes its heap profile where it is asked to, after the GC,
// and answers the GC.
func TestHeapProfileWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap")
	answer, stderr, err := gcChild(t, path)
	if err != nil || !strings.HasPrefix(answer, "gc ") {
		t.Fatalf("the child answered %q and exited %v: %s", answer, err, stderr)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no heap profile at %s: %v", path, err)
	}
}

// A heap profile the server cannot create ends it with an error naming
// the variable, in place of an answer the parent would take for a
// measurement.
func TestHeapProfileError(t *testing.T) {
	answer, stderr, err := gcChild(t, filepath.Join(t.TempDir(), "missing", "heap"))
	var exit *exec.ExitError
	if answer != "" || !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr, heapProfileEnv) {
		t.Fatalf("the child answered %q, exited %v, said %q; want no answer, exit 1 and an error naming %s", answer, err, stderr, heapProfileEnv)
	}
}
