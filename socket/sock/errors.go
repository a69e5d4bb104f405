package sock

import (
	"fmt"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
)

// ArgError is an argument a call refuses: what OTP 25 returns as {error,
// {invalid, {What, Value}}} or raises as badarg. It comes wrapped in an
// *inet.Error naming the call; errors.Is(err, inet.ErrBadArg) reports
// true for it, and inet.Reason gives "badarg".
type ArgError struct {
	Arg   string // the argument, as OTP names it: "domain", "length", "timeout", "{socket,linger}", ...
	Value any    // the value refused
	Want  string // what the call takes instead
}

// Error returns "invalid ARG VALUE: want WANT".
func (e *ArgError) Error() string {
	return fmt.Sprintf("invalid %s %v: want %s", e.Arg, e.Value, e.Want)
}

// Is reports whether target is inet.ErrBadArg.
func (e *ArgError) Is(target error) bool { return target == inet.ErrBadArg }

// badArg returns the error of call op refusing value for arg.
func badArg(op, arg string, value any, want string) error {
	return &inet.Error{Op: op, Err: &ArgError{Arg: arg, Value: value, Want: want}}
}

// opErr returns err as the error of call op: the driver's closed and
// timeout become the socket package's, POSIX errors stay the
// syscall.Errno they are.
func opErr(op string, err error) error {
	switch err {
	case nil:
		return nil
	case driver.ErrClosed:
		err = inet.ErrClosed
	case driver.ErrTimeout:
		err = inet.ErrTimeout
	}
	return &inet.Error{Op: op, Err: err}
}

// deadline turns call op's timeout into the driver's deadline: Infinity is
// the zero time, which never passes.
func deadline(op string, timeout time.Duration) (time.Time, error) {
	switch {
	case timeout == Infinity:
		return time.Time{}, nil
	case timeout < 0:
		return time.Time{}, badArg(op, "timeout", timeout, "0 or more, or Infinity")
	}
	return time.Now().Add(timeout), nil
}

// turn serves one caller at a time, in the order they come, each with a
// deadline for its wait: OTP queues a socket's readers (and its writers)
// so, and a Recv of Length bytes must not share the stream with another.
type turn chan struct{}

func newTurn() turn { return make(turn, 1) }

// take waits for the turn until deadline (driver.ErrTimeout).
func (t turn) take(deadline time.Time) error {
	select {
	case t <- struct{}{}:
		return nil
	default:
	}
	var expired <-chan time.Time
	if !deadline.IsZero() {
		timer := time.NewTimer(time.Until(deadline))
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case t <- struct{}{}:
		return nil
	case <-expired:
		return driver.ErrTimeout
	}
}

// give ends the turn.
func (t turn) give() { <-t }
