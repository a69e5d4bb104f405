package supervisor

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/pidfmt"
)

// The reasons of OTP's {error, Reason} replies, for errors.Is. Errors from
// a Ref's methods are *Error values that wrap one of these (or the error a
// start function returned) and print it as Erlang prints the atom.
var (
	// ErrAlreadyPresent means StartChild found a stopped child with the
	// same ID.
	ErrAlreadyPresent = errors.New("already_present")
	// ErrAlreadyStarted means StartChild found a running child with the
	// same ID; the error is an *AlreadyStartedError that holds its PID.
	ErrAlreadyStarted = errors.New("already_started")
	// ErrNotFound means no child has that ID or PID.
	ErrNotFound = errors.New("not_found")
	// ErrRunning means RestartChild or DeleteChild found the child running.
	ErrRunning = errors.New("running")
	// ErrRestarting means RestartChild or DeleteChild found the child
	// waiting for its restart to be tried again.
	ErrRestarting = errors.New("restarting")
	// ErrSimpleOneForOne means the call is not valid for a SimpleOneForOne
	// supervisor (RestartChild, DeleteChild, TerminateChild by ID,
	// StartChild with a spec).
	ErrSimpleOneForOne = errors.New("simple_one_for_one")
	// ErrMaxChildren means a SimpleOneForOne supervisor already has
	// Flags.MaxChildren children (Elixir's DynamicSupervisor reason).
	ErrMaxChildren = errors.New("max_children")
	// ErrNoProc means the supervisor is not running, as a gen_server:call
	// to a dead process exits with noproc. It is the same value as
	// inet.ErrNoProc (and socket.ErrNoProc), so that errors.Is matches
	// noproc whichever package said it.
	ErrNoProc = inet.ErrNoProc
)

// Ignore is what a StartFunc returns, with a nil PID, to start nothing,
// as OTP's start functions return ignore. The supervisor keeps the child
// spec with no process (a Temporary spec is dropped), and the call that
// started it reports a nil PID and no error. Like io.EOF, it is a signal,
// not a failure.
//
//lint:ignore ST1012 the name is OTP's ignore, and like io.EOF it is a signal, not an error.
var Ignore = errors.New("ignore")

// Error is the error of a supervisor call: which call, for which child,
// and why. Err is one of the sentinel errors of this package, an
// *AlreadyStartedError, an *InvalidError, or the error a start function
// returned; errors.Is and errors.As see through Error to it. Package
// ranch's listeners, which are supervision trees, report the errors of
// their calls with it too (Op "start_listener", ...).
type Error struct {
	Op  string // the OTP function: "start_child", "terminate_child", ...
	ID  string // the child's ID, or its PID for simple_one_for_one calls, if any
	Err error
}

// Error returns "supervisor: OP ID: REASON".
func (e *Error) Error() string {
	if e.ID == "" {
		return "supervisor: " + e.Op + ": " + e.Err.Error()
	}
	return "supervisor: " + e.Op + " " + strconv.Quote(e.ID) + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// AlreadyStartedError is OTP's {already_started, Pid}: StartChild found a
// running child with the spec's ID. errors.Is(err, ErrAlreadyStarted)
// reports true.
type AlreadyStartedError struct {
	PID *actor.PID // the running child
}

// Error returns "{already_started,<ADDRESS/ID>}".
func (e *AlreadyStartedError) Error() string {
	return "{already_started," + pidfmt.String(e.PID) + "}"
}

// Is reports whether target is ErrAlreadyStarted.
func (e *AlreadyStartedError) Is(target error) bool { return target == ErrAlreadyStarted }

// StartError is why Start failed when a child failed to start, OTP's
// {shutdown, {failed_to_start_child, Id, Reason}}: the supervisor stopped
// the children it had started, right to left, and then itself.
// errors.Is(err, Shutdown) reports true, and Unwrap returns the start
// function's error.
type StartError struct {
	ID  string // the child that failed to start
	Err error  // what its start function returned
}

// Error returns "{shutdown,{failed_to_start_child,ID,REASON}}".
func (e *StartError) Error() string {
	return "{shutdown,{failed_to_start_child," + strconv.Quote(e.ID) + "," + e.Err.Error() + "}}"
}

// Unwrap returns the start function's error.
func (e *StartError) Unwrap() error { return e.Err }

// Is reports whether target is Shutdown, the atom at the head of OTP's
// reason.
func (e *StartError) Is(target error) bool { return target == Shutdown }

// InvalidError reports bad flags or a bad child spec, found before
// anything is started. Field names the offending field, Reason is the
// term OTP would have returned.
type InvalidError struct {
	Field  string // such as "Flags.Intensity" or "ChildSpec.Start"
	ID     string // the child spec's ID, for child spec fields
	Value  any    // the offending value
	Reason string // OTP's reason: invalid_intensity, duplicate_child_name, ...
	Detail string // what a valid value looks like
}

// Error returns "supervisor: invalid FIELD of child ID: DETAIL (REASON)".
func (e *InvalidError) Error() string {
	where := e.Field
	if e.ID != "" {
		where += " of child " + strconv.Quote(e.ID)
	}
	return fmt.Sprintf("supervisor: invalid %s: %s (%s, got %v)", where, e.Detail, e.Reason, e.Value)
}
