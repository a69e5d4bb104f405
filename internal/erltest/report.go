package erltest

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
)

// skipped counts the tests that Escript skipped in this test binary.
var skipped atomic.Int64

// Skipped returns how many tests Escript has skipped so far.
func Skipped() int { return int(skipped.Load()) }

// Report writes, if tests were skipped for want of escript, one line that
// says how many, naming the package:
//
//	github.com/otpnet/otpnet/socket: 12 tests skipped: escript not found (apt-get install -y erlang-base)
//
// code is the exit code of the tests' run (m.Run), and Report is called
// after it, with testing's flags parsed. The line must be seen in a plain
// `go test ./...`, which prints a passing package's output only with -v:
// the go command reads the test binary's stdout and stderr through a
// pipe, and shows them only for a failure, -v or -json, or when it runs
// the tests of the current directory (then stderr is the terminal). So
// the line goes to stderr in those cases, and otherwise to the terminal
// itself, /dev/tty, when there is one. A cached result prints nothing.
func Report(code int) {
	n := Skipped()
	if n == 0 {
		return
	}
	w, done := reportTo(code != 0 || testing.Verbose())
	defer done()
	io.WriteString(w, line(pkgPath(), n))
}

// line is Report's line, for n tests of pkg.
func line(pkg string, n int) string {
	tests := "tests"
	if n == 1 {
		tests = "test"
	}
	return fmt.Sprintf("%s: %d %s skipped: escript not found (apt-get install -y erlang-base)\n", pkg, n, tests)
}

// reportTo returns where Report writes, and what to call after: stderr
// if the go command shows it (shown) or it is a terminal, else the
// terminal if there is one, else stderr.
func reportTo(shown bool) (io.Writer, func()) {
	if shown || isTerminal(os.Stderr) {
		return os.Stderr, func() {}
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil { // no controlling terminal: CI, a pipe
		return os.Stderr, func() {}
	}
	return tty, func() { tty.Close() }
}

// pkgPath returns the import path of the package under test: the test
// binary's main package, less ".test".
func pkgPath() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	return strings.TrimSuffix(os.Args[0], ".test")
}
