package socket

import (
	"context"
	"errors"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// contextError is the reason of a call that its context ended: the
// call's Erlang reason, timeout (ErrTimeout, or the socket backend's
// *inet.SendTimeoutError), and the context's error.
type contextError struct {
	reason error
	ctx    error
}

// Error returns "timeout (context canceled)".
func (e *contextError) Error() string { return e.reason.Error() + " (" + e.ctx.Error() + ")" }

// Unwrap returns both the reason and the context's error, for errors.Is
// and errors.As.
func (e *contextError) Unwrap() []error { return []error{e.reason, e.ctx} }

// started returns the error of call op whose context is done already, or
// is nil (badarg), or nil to go on.
func started(ctx context.Context, op string) error {
	if ctx == nil {
		return &inet.Error{Op: op, Err: &whyError{ErrBadArg, "nil context"}}
	}
	if err := ctx.Err(); err != nil {
		return &inet.Error{Op: op, Err: &contextError{ErrTimeout, err}}
	}
	return nil
}

// ended is err, the error of a call made while ctx lasts, with the
// reason a stop by ctx left (errStopped, or the socket backend's
// *inet.SendTimeoutError) made its contextError.
func ended(ctx context.Context, err error) error {
	e, ok := err.(*inet.Error)
	if !ok || ctx.Err() == nil {
		return err
	}
	var rest *inet.SendTimeoutError
	switch {
	case e.Err == errStopped:
		e.Err = &contextError{ErrTimeout, ctx.Err()}
	case errors.As(e.Err, &rest):
		e.Err = &contextError{rest, ctx.Err()}
	}
	return err
}

// AcceptContext is Accept that waits until ctx is done, instead of for a
// timeout.
//
// The blocking calls take a timeout, as Erlang's do; each has a context
// form beside it, which waits until its context is done instead:
// AcceptContext, ConnectContext, RecvContext and SendContext. A context
// that ends ends the call as its timeout would, and leaves the socket as
// a timeout leaves it (nothing received is lost, what a send queued stays
// queued), so its reason is timeout: the error is an *inet.Error whose
// reason matches both ErrTimeout and the context's error, errors.Is(err,
// socket.ErrTimeout) and errors.Is(err, context.Canceled) (or
// context.DeadlineExceeded), and inet.Reason gives "timeout". A call that
// ends otherwise keeps its own reason (closed, econnrefused, ...), even if
// its context is done by then. A context done before the call starts
// fails it at once, as it does net's DialContext; a nil one is badarg.
func (l *Socket) AcceptContext(ctx context.Context, c Caller) (*Socket, error) {
	if err := started(ctx, "accept"); err != nil {
		return nil, err
	}
	s, err := l.accept(c, Infinity, ctx.Done())
	return s, ended(ctx, err)
}

// RecvContext is Recv that waits until ctx is done, instead of for a
// timeout: then it fails with timeout and ctx's error (see
// AcceptContext), and the bytes read meanwhile stay for the next Recv.
func (s *Socket) RecvContext(ctx context.Context, length int) ([]byte, error) {
	if err := started(ctx, "recv"); err != nil {
		return nil, err
	}
	res, err := s.recvPacket(nil, length, Infinity, ctx.Done())
	if err == nil && res.http != nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.data, ended(ctx, err)
}

// SendContext is Send that waits, when the socket is busy, as Send does
// (see Send), or until ctx is done: a ctx that ends fails it with timeout and
// ctx's error (see AcceptContext); the bytes queued stay queued, and the
// socket stays open, whatever SendTimeoutClose says (which is for
// SendTimeout). On the socket backend the reason is then the
// *inet.SendTimeoutError with the bytes not sent, and the context's
// error.
func (s *Socket) SendContext(ctx context.Context, data ...[]byte) error {
	if err := started(ctx, "send"); err != nil {
		return err
	}
	_, err := s.write(ctx.Done(), data)
	return ended(ctx, err)
}

// ConnectContext is Connect that waits until ctx is done, instead of for
// a timeout (ctx's deadline, if it has one, is the connect's): then it
// fails with timeout and ctx's error (see AcceptContext). ctx also calls
// off the look-up of a host name, but not a connect on an open
// descriptor (Fd), which ends by ctx's deadline at the latest.
func ConnectContext(ctx context.Context, c Caller, host string, port int, opts ...Option) (*Socket, error) {
	if err := started(ctx, "connect"); err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	s, err := connectUntil(ctx, c, host, port, deadline, opts)
	e, ok := err.(*inet.Error)
	if !ok {
		return s, err
	}
	switch {
	case ctx.Err() != nil && (e.Err == ErrClosed || e.Err == ErrTimeout || e.Err == inet.ErrNxdomain):
		e.Err = &contextError{ErrTimeout, ctx.Err()}
	case e.Err == ErrTimeout && !deadline.IsZero() && !time.Now().Before(deadline):
		// ctx's deadline, which its own timer has not yet told.
		e.Err = &contextError{ErrTimeout, context.DeadlineExceeded}
	}
	return s, err
}
