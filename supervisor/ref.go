package supervisor

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
)

// Ref is a handle to a running supervisor, OTP's sup_ref(). Its methods
// are the calls of OTP's supervisor module: each is a synchronous request
// to the supervisor's actor, which handles requests one at a time, between
// restarts, as OTP's supervisor handles calls. A call waits for as long as
// the supervisor takes (OTP calls supervisors with an infinite timeout)
// and fails with ErrNoProc if the supervisor stops first.
//
// Multiple goroutines may invoke methods on a Ref simultaneously. A child
// must not call its own supervisor's Ref from its start function, which
// runs inside the supervisor and would wait for itself.
type Ref struct {
	sys     *actor.ActorSystem
	pid     *actor.PID
	done    chan struct{}
	crashes crashes // shared with the supervisor's mailbox

	mu     sync.Mutex
	reason error
	once   sync.Once
}

// refs maps the running supervisors to their Refs, for Lookup.
var refs sync.Map // refKey -> *Ref

type refKey struct {
	sys *actor.ActorSystem
	id  string
}

// Lookup returns the Ref of the running supervisor at pid, such as a child
// supervisor found with WhichChildren, or an *Error with ErrNoProc if
// there is none.
func Lookup(system *actor.ActorSystem, pid *actor.PID) (*Ref, error) {
	if pid != nil {
		if v, ok := refs.Load(refKey{system, pid.Id}); ok && v.(*Ref).pid.Address == pid.Address {
			return v.(*Ref), nil
		}
	}
	return nil, &Error{Op: "lookup", ID: pidfmt.String(pid), Err: ErrNoProc}
}

// PID returns the supervisor's PID.
func (r *Ref) PID() *actor.PID { return r.pid }

// Done returns a channel that is closed once the supervisor has stopped:
// its children are gone and so is its actor.
func (r *Ref) Done() <-chan struct{} { return r.done }

// Err returns nil while the supervisor runs and, once Done is closed, why
// it stopped: Shutdown after Stop, after its parent terminated it, after
// it exceeded its restart intensity or after an automatic shutdown.
func (r *Ref) Err() error {
	select {
	case <-r.done:
	default:
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

// Stop stops the supervisor, OTP's gen_server:stop/1 (or exit(Sup,
// shutdown) from its parent): it terminates its children right to left,
// each by its ShutdownPolicy (a SimpleOneForOne supervisor's all at once),
// stops, and Stop returns. Stopping a stopped supervisor fails with
// ErrNoProc.
func (r *Ref) Stop() error {
	select {
	case <-r.done:
		return &Error{Op: "stop", Err: ErrNoProc}
	default:
	}
	r.sys.Root.Stop(r.pid)
	<-r.done
	return nil
}

// StartChild adds a child spec to the supervisor and starts the child,
// OTP's start_child/2 with a child spec. The child goes last in the start
// order. It returns the child's PID, or nil if its start function
// returned Ignore (a Temporary spec is then dropped, any other kept).
// It fails with ErrAlreadyPresent or an *AlreadyStartedError if the ID is
// taken, with an *InvalidError for a bad spec, with the start function's
// error, and with ErrSimpleOneForOne on a SimpleOneForOne supervisor
// (use StartChildArgs).
func (r *Ref) StartChild(spec ChildSpec) (*actor.PID, error) {
	var pid *actor.PID
	err := r.call("start_child", spec.ID, func(ctx actor.Context, s *sup) (err error) {
		pid, err = s.startChild(ctx, spec)
		return err
	})
	return pid, err
}

// StartChildArgs starts a child of a SimpleOneForOne supervisor, OTP's
// start_child/2 with extra arguments: the spec's start function gets
// args, and gets them again on every restart. It returns the child's PID,
// or nil if the start function returned Ignore (nothing is kept then). It
// fails with ErrMaxChildren when Flags.MaxChildren children run, with the
// start function's error, and with an *InvalidError on other supervisors.
func (r *Ref) StartChildArgs(args ...any) (*actor.PID, error) {
	var pid *actor.PID
	err := r.call("start_child", "", func(ctx actor.Context, s *sup) (err error) {
		pid, err = s.startChildArgs(ctx, args)
		return err
	})
	return pid, err
}

// TerminateChild terminates the child with the given ID by its
// ShutdownPolicy, OTP's terminate_child/2. The spec is kept, so that
// RestartChild can start it again, unless the child is Temporary. An
// automatic shutdown is never triggered by this call. It fails with
// ErrNotFound, and with ErrSimpleOneForOne on a SimpleOneForOne supervisor
// (use TerminateChildPID).
func (r *Ref) TerminateChild(id string) error {
	return r.call("terminate_child", id, func(ctx actor.Context, s *sup) error {
		return s.terminateChild(ctx, id)
	})
}

// TerminateChildPID terminates the child of a SimpleOneForOne supervisor
// whose PID is pid, OTP's terminate_child/2 with a pid. A pid that is not
// a child fails with ErrNotFound if it is alive and succeeds if it is
// not, as in OTP. Other supervisors identify children by ID and answer
// ErrNotFound.
func (r *Ref) TerminateChildPID(pid *actor.PID) error {
	return r.call("terminate_child", pidfmt.String(pid), func(ctx actor.Context, s *sup) error {
		return s.terminateChildPID(ctx, pid)
	})
}

// RestartChild starts again the stopped child with the given ID, OTP's
// restart_child/2, and returns its PID (nil if its start function returned
// Ignore). It fails with ErrNotFound, ErrRunning, ErrRestarting, the start
// function's error, and ErrSimpleOneForOne on a SimpleOneForOne
// supervisor.
func (r *Ref) RestartChild(id string) (*actor.PID, error) {
	var pid *actor.PID
	err := r.call("restart_child", id, func(ctx actor.Context, s *sup) (err error) {
		pid, err = s.restartChild(ctx, id)
		return err
	})
	return pid, err
}

// DeleteChild removes the spec of the stopped child with the given ID,
// OTP's delete_child/2. It fails with ErrNotFound, ErrRunning,
// ErrRestarting, and ErrSimpleOneForOne on a SimpleOneForOne supervisor.
func (r *Ref) DeleteChild(id string) error {
	return r.call("delete_child", id, func(_ actor.Context, s *sup) error {
		return s.deleteChild(id)
	})
}

// Child describes one child, an element of OTP's which_children/1.
type Child struct {
	ID         string     // the spec's ID; empty (OTP's undefined) for SimpleOneForOne
	PID        *actor.PID // nil if the child is not running (OTP's undefined)
	Restarting bool       // its restart failed and will be tried again (OTP's restarting)
	Type       ChildType
}

// WhichChildren lists the children, OTP's which_children/1, in OTP's
// order: the last started first (the order in which they would be
// terminated). A SimpleOneForOne supervisor lists its children in start
// order, an order OTP leaves undefined.
func (r *Ref) WhichChildren() ([]Child, error) {
	var cs []Child
	err := r.call("which_children", "", func(_ actor.Context, s *sup) error {
		cs = s.whichChildren()
		return nil
	})
	return cs, err
}

// Counts are the counts of OTP's count_children/1.
type Counts struct {
	Specs       int // child specs, running or not (1 for SimpleOneForOne)
	Active      int // running children
	Supervisors int // children of type Supervisor, running or not
	Workers     int // children of type Worker, running or not
}

// CountChildren counts the children, OTP's count_children/1.
func (r *Ref) CountChildren() (Counts, error) {
	var n Counts
	err := r.call("count_children", "", func(ctx actor.Context, s *sup) error {
		n = s.countChildren(ctx)
		return nil
	})
	return n, err
}

// GetChildSpec returns the spec of the child with the given ID, with the
// defaults filled in, OTP's get_childspec/2. For a SimpleOneForOne
// supervisor, id names its one spec. It fails with ErrNotFound.
func (r *Ref) GetChildSpec(id string) (ChildSpec, error) {
	var spec ChildSpec
	err := r.call("get_childspec", id, func(_ actor.Context, s *sup) (err error) {
		spec, err = s.getChildSpec(id)
		return err
	})
	return spec, err
}

// request is a call to the supervisor: fn runs in its actor.
type request struct {
	fn   func(ctx actor.Context, s *sup) error
	err  error
	done chan struct{}
}

// IgnoreDeadLetterLogging keeps a call to a stopped supervisor out of
// protoactor's dead-letter log: the caller gets ErrNoProc.
func (*request) IgnoreDeadLetterLogging() {}

// call runs fn in the supervisor and returns its error as an *Error.
func (r *Ref) call(op, id string, fn func(ctx actor.Context, s *sup) error) error {
	noproc := &Error{Op: op, ID: id, Err: ErrNoProc}
	select {
	case <-r.done:
		return noproc
	default:
	}
	req := &request{fn: fn, done: make(chan struct{})}
	r.sys.Root.Send(r.pid, req)
	select {
	case <-req.done:
	case <-r.done:
		// The supervisor stopped; it may have answered just before.
		select {
		case <-req.done:
		default:
			return noproc
		}
	}
	if req.err != nil {
		return &Error{Op: op, ID: id, Err: req.err}
	}
	return nil
}

// setReason records why the supervisor stops, if nothing was recorded.
func (r *Ref) setReason(reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reason == nil {
		r.reason = reason
	}
}

// finish marks the supervisor at self stopped.
func (r *Ref) finish(self *actor.PID) {
	r.setReason(Shutdown)
	r.once.Do(func() { close(r.done) })
	refs.Delete(refKey{r.sys, self.Id})
}
