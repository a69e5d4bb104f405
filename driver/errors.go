package driver

import "errors"

// Errors of the driver's own. The kernel's errors (ECONNRESET, EMFILE,
// ENOTCONN, ...) are returned as the syscall.Errno values they are, so that
// errors.Is and the socket layer's POSIX names work on them.
var (
	// ErrClosed is returned for a handle whose socket is closed, and by
	// every call once the pool is closed.
	ErrClosed = errors.New("closed")
	// ErrTimeout is returned when a deadline passes before a blocking call
	// (Accept, Dial, CloseDrain) could finish.
	ErrTimeout = errors.New("timeout")
)
