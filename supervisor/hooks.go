package supervisor

import (
	"iter"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Hooks extend a supervisor for a behaviour built on it, as package ranch
// builds a listener's connection supervisors on SimpleOneForOne
// supervisors of this package, where Ranch writes its ranch_conns_sup as a
// special process. OTP's supervisor has nothing of the kind.
//
// Receive and Erased run in the supervisor's actor, one at a time with its
// restarts, shutdowns and calls, so that what only they touch needs no
// lock; they must return promptly and must not call the supervisor's own
// Ref, which would wait for itself. Name is not run there: it is called
// for every report that names the supervisor, its own and those of the
// supervisors under it (their names begin with its), from their actors,
// so from any goroutine and at the same time: it must be safe for
// concurrent use.
type Hooks struct {
	// Receive gets each message sent to the supervisor with Ref.Send, with
	// the supervisor as in. Without it such messages are dropped, as are
	// those that come once the supervisor is stopping.
	Receive func(in Inside, msg any)
	// Erased is called when the record of a SimpleOneForOne child goes:
	// the child has ended and is not restarted, or it was terminated, or
	// it was restarted (its new PID gets a new record), or the supervisor
	// is stopping, when all its records go at once, before its children's
	// ends are seen. value is the record's value (Inside.SetValue), nil if
	// none was set. Other supervisors never call it.
	Erased func(pid *actor.PID, value any)
	// Name, if set, names the supervisor in its reports, and begins the
	// names of the supervisors it starts (NAME/ID). It may be called from
	// any goroutine, and its result may change: package ranch names a
	// listener's supervisor after the address it is bound to, which a
	// port 0 learns once it listens. Without it a supervisor is named
	// after its parent supervisor and its child ID, or by its PID at the
	// top (see Start).
	Name func() string
}

// StartWith is Start with hooks: a supervisor that also calls h.
func StartWith(parent actor.SpawnerContext, flags Flags, specs []ChildSpec, h Hooks) (*Ref, error) {
	return start(parent, flags, specs, hooks{Hooks: h, clock: time.Now})
}

// Inside is a running supervisor as its hooks, and the functions run by
// Ref.Do, see it: from its own actor. Its methods are the calls of a
// SimpleOneForOne supervisor made from there, which do not wait for the
// actor as Ref's do; they return the reason of a failure as it is, not
// wrapped in an *Error. An Inside is valid only during the hook or
// function it was given to.
type Inside struct {
	ctx actor.Context
	s   *sup
}

// StartChildArgs is Ref.StartChildArgs made from inside: it starts a child
// with args, and returns its PID, or nil if its start function returned
// Ignore.
func (in Inside) StartChildArgs(args ...any) (*actor.PID, error) {
	return in.s.startChildArgs(in.ctx, args)
}

// TerminateChildPID is Ref.TerminateChildPID made from inside: it
// terminates the child at pid by the spec's ShutdownPolicy, and returns
// when it is gone.
func (in Inside) TerminateChildPID(pid *actor.PID) error {
	return in.s.terminateChildPID(in.ctx, pid)
}

// Value returns the value of the record of the SimpleOneForOne child at
// pid, nil if it has none or pid is not a child.
func (in Inside) Value(pid *actor.PID) any {
	if dc := in.record(pid); dc != nil {
		return dc.value
	}
	return nil
}

// SetValue makes v the value of the record of the SimpleOneForOne child
// at pid, what the supervisor's hooks keep of it: Hooks.Erased gets it
// when the record goes. It reports false if pid is not a child.
func (in Inside) SetValue(pid *actor.PID, v any) bool {
	dc := in.record(pid)
	if dc == nil {
		return false
	}
	dc.value = v
	return true
}

// Children yields the PID and value of every record of a SimpleOneForOne
// supervisor, in no particular order (the PID is the old one while a
// restart waits for another try). Other supervisors yield nothing.
func (in Inside) Children() iter.Seq2[*actor.PID, any] {
	return func(yield func(*actor.PID, any) bool) {
		if in.s.dyn == nil {
			return
		}
		for _, dc := range in.s.dyn.children {
			if !yield(dc.pid, dc.value) {
				return
			}
		}
	}
}

// record returns the record of the SimpleOneForOne child at pid, or nil.
func (in Inside) record(pid *actor.PID) *dynChild {
	if in.s.dyn == nil || pid == nil {
		return nil
	}
	return in.s.dyn.children[pid.Id]
}

// Send sends msg to the supervisor, for its Hooks.Receive, and returns at
// once. If the supervisor has stopped, msg goes to protoactor's dead
// letters: give its type an IgnoreDeadLetterLogging method to keep it out
// of their log.
func (r *Ref) Send(msg any) { r.sys.Root.Send(r.pid, msg) }

// Do runs fn in the supervisor's actor, between its other work, and
// returns once it has run, as the supervisor calls do. It fails with
// ErrNoProc, without running fn, if the supervisor has stopped or is
// stopping.
func (r *Ref) Do(fn func(in Inside)) error {
	return r.call("do", "", func(ctx actor.Context, s *sup) error {
		fn(Inside{ctx: ctx, s: s})
		return nil
	})
}
