package socket

import "github.com/otpnet/otpnet/inet"

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
)

// Infinity is the same value as inet.Infinity: the timeout that never
// expires, Erlang's infinity.
const Infinity = inet.Infinity
