package socket

import (
	"syscall"

	"github.com/otpnet/otpnet/inet"
)

// The names a first program needs, so that one import suffices: each is
// the same value as inet's, as net's ErrClosed is internal/poll's, so
// errors.Is(err, socket.ErrClosed) and errors.Is(err, inet.ErrClosed)
// match the same errors. The other reasons, the *inet.Error every call
// returns, inet.Reason and inet.FormatError are in package inet.
var (
	// ErrClosed is the same value as inet.ErrClosed: closed.
	ErrClosed = inet.ErrClosed
	// ErrTimeout is the same value as inet.ErrTimeout: timeout.
	ErrTimeout = inet.ErrTimeout
	// ErrNotOwner is the same value as inet.ErrNotOwner: not_owner.
	ErrNotOwner = inet.ErrNotOwner
	// ErrBadArg is the same value as inet.ErrBadArg: badarg.
	ErrBadArg = inet.ErrBadArg
	// ErrNoProc is the same value as inet.ErrNoProc (and
	// supervisor.ErrNoProc): noproc. It is what the calls made for a
	// process (Accept, AcceptContext, AsyncAccept, RecvAs, AsyncRecv,
	// Connect, ConnectContext) return when that process has already
	// stopped when the call starts (one that stops while the call waits
	// wakes it with ErrClosed), and the Reason of the Down that Monitor
	// sends at once when the port has already exited.
	ErrNoProc = inet.ErrNoProc
)

// Infinity is the same value as inet.Infinity: the timeout that never
// expires, Erlang's infinity.
const Infinity = inet.Infinity

// whyError is a reason with its why: the argument, option or socket a
// call refuses, named. errors.Is matches the reason (einval, badarg),
// inet.Reason names it, and it prints "REASON: WHY".
type whyError struct {
	reason error // a syscall.Errno, or one of inet's sentinels
	why    string
}

func (e *whyError) Error() string { return inet.Reason(e.reason) + ": " + e.why }

// Is reports whether target is the reason.
func (e *whyError) Is(target error) bool { return target == e.reason }

// As gives an errno reason to errors.As, so that inet.Reason and
// inet.Error's text see it.
func (e *whyError) As(target any) bool { return asErrno(e.reason, target) }

// asErrno is the As of an error whose reason is reason: it sets target,
// a *syscall.Errno, to reason if reason is one.
func asErrno(reason error, target any) bool {
	p, ok := target.(*syscall.Errno)
	errno, isErrno := reason.(syscall.Errno)
	if ok && isErrno {
		*p = errno
	}
	return ok && isErrno
}
