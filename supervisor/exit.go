package supervisor

import (
	"errors"
	"fmt"
)

// atom is an Erlang atom used as an exit reason.
type atom string

// Error returns the atom's name.
func (a atom) Error() string { return string(a) }

// Exit reasons. A child's exit reason is how it ended, and decides
// whether a Transient child is restarted:
//
//   - a child that stops itself (ctx.Stop(ctx.Self()), or a PoisonPill)
//     exits with Normal;
//   - a child that calls Exit(reason) exits with that reason;
//   - a child that panics with any other value exits with a *PanicError.
//
// Normal, Shutdown and *ShutdownError are OTP's normal, shutdown and
// {shutdown, Term}: the reasons that are not abnormal.
var (
	// Normal is the reason of a child that stopped itself.
	Normal error = atom("normal")
	// Shutdown is the reason of an orderly shutdown. A supervisor that
	// exceeds its restart intensity, or shuts itself down because of
	// significant children, exits with it; Ref.Stop sets it too.
	Shutdown error = atom("shutdown")
)

// killed is the reason recorded for a child that did not stop within its
// shutdown timeout (OTP's killed).
var killed error = atom("killed")

// ShutdownError is OTP's {shutdown, Term}: an orderly shutdown with
// details. It is not abnormal, and errors.Is(err, Shutdown) reports true.
type ShutdownError struct {
	Term any
}

// Error returns "{shutdown,TERM}".
func (e *ShutdownError) Error() string { return fmt.Sprintf("{shutdown,%v}", e.Term) }

// Is reports whether target is Shutdown.
func (e *ShutdownError) Is(target error) bool { return target == Shutdown }

// PanicError is the exit reason of a child that panicked with Value
// (other than through Exit). It is always abnormal.
type PanicError struct {
	Value any
}

// Error returns "{panic,VALUE}".
func (e *PanicError) Error() string { return fmt.Sprintf("{panic,%v}", e.Value) }

// Unwrap returns Value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// exitSignal is the panic value of Exit.
type exitSignal struct{ reason error }

// Exit ends the calling child with reason, as erlang:exit(Reason) does: it
// unwinds the child's Receive by panicking with a value that the
// supervisor recognises, and never returns. A nil reason means Normal.
//
// Exit is how a child exits with a reason other than Normal: with
// Shutdown or a *ShutdownError a Transient child is not restarted, with
// any other error it is. Call it only from the Receive of an actor whose
// parent is a supervisor of this package; under another parent,
// protoactor's own supervision sees an ordinary panic.
func Exit(reason error) {
	if reason == nil {
		reason = Normal
	}
	panic(&exitSignal{reason: reason})
}

// ExitReason returns the exit reason that v, a value recovered from a
// child's panic, stands for, as its supervisor would see it: the reason
// given to Exit, or a *PanicError holding any other value. A behaviour
// that recovers the panics of its callbacks (package ranch's handlers)
// tells a crash from an Exit with it, and then exits with
// Exit(ExitReason(v)).
func ExitReason(v any) error { return reasonOf(v) }

// reasonOf turns the value a child panicked with into its exit reason.
func reasonOf(v any) error {
	if s, ok := v.(*exitSignal); ok {
		return s.reason
	}
	return &PanicError{Value: v}
}

// abnormal reports whether reason is abnormal, that is, not normal,
// shutdown or {shutdown, Term}: OTP's test for restarting a transient
// child.
func abnormal(reason error) bool {
	var p *PanicError
	if errors.As(reason, &p) {
		return true
	}
	return !errors.Is(reason, Normal) && !errors.Is(reason, Shutdown)
}
