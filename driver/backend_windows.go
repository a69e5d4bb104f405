package driver

import "errors"

// errNoWindowsBackend is why a pool does not start on Windows.
var errNoWindowsBackend = errors.New("driver: the portable backend does not run on Windows yet: it waits for a socket's readiness " +
	"in Go's netpoller, and Windows' (IOCP) tells completions, not readiness, of writes and accepts")

// newBackend fails: the package builds on Windows, so that programs that
// import it do, but its portable backend is Unix's (portable.go); a
// backend on Windows' completions is not written yet.
func newBackend(string, *poller) (backend, error) { return nil, errNoWindowsBackend }
