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

// WriteError is what a Handler's OnError is given when writing queued
// bytes failed: the peer reset the connection, or writing was shut down
// (EPIPE). A failed read comes as the kernel's error itself, so that a
// consumer can tell them apart, as inet_drv tells a failed send from a
// failed receive. errors.Is and errors.As see through it to Err.
type WriteError struct {
	Err error // the kernel's error
}

func (e *WriteError) Error() string { return "write: " + e.Err.Error() }

// Unwrap returns the kernel's error.
func (e *WriteError) Unwrap() error { return e.Err }
