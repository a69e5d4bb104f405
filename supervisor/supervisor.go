package supervisor

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
)

// Start starts a supervisor with the given flags and child specs, OTP's
// supervisor:start_link(Module, Args) with an init/1 that returns
// {ok, {Flags, Specs}}. The supervisor is an actor spawned from parent: from
// system.Root for a top-level supervisor, or from the context a StartFunc
// gets for a child supervisor (see SupervisorSpec), whose exits then reach
// its parent supervisor.
//
// Start returns once every child has been started, left to right. If a
// child fails to start, the supervisor stops those already started, right
// to left, stops itself, and Start returns a *StartError, which it does
// not log: the failure is the caller's to report (a parent supervisor
// reports it as its own child's start_error), so that it is told once.
// Bad flags or specs are reported as an *InvalidError before anything is
// spawned.
//
// A supervisor's reports (child_terminated, start_error, ...) name it:
// a supervisor started by a start function of a supervisor of this
// package is PARENT/ID, after its parent's name and its child ID; one at
// the top is named by its PID, or by Hooks.Name (StartWith).
func Start(parent actor.SpawnerContext, flags Flags, specs []ChildSpec) (*Ref, error) {
	return start(parent, flags, specs, hooks{clock: time.Now})
}

// hooks are a supervisor's Hooks, and what tests may swap in it.
type hooks struct {
	Hooks
	clock  func() time.Time // the restart intensity's clock
	exited func(*actor.PID) // if set, called once a child's end is handled
}

// start is Start with hooks.
func start(parent actor.SpawnerContext, flags Flags, specs []ChildSpec, h hooks) (*Ref, error) {
	if parent == nil {
		return nil, &InvalidError{Field: "parent", Reason: "badarg", Detail: "must be system.Root or an actor's context"}
	}
	f, err := flags.check()
	if err != nil {
		return nil, err
	}
	cs, err := checkSpecs(f, specs)
	if err != nil {
		return nil, err
	}
	sys := parent.ActorSystem()
	r := &Ref{sys: sys, done: make(chan struct{})}
	// A supervisor under a supervisor of ours exits by panicking, so that
	// its parent learns the reason from the Failure; under anything else
	// (system.Root, a plain actor) it records the reason and stops.
	ps, escalate := parent.Actor().(*sup)
	name := h.Name
	if name == nil && escalate && ps.starting != "" {
		// The parent is in the start function of child ps.starting.
		pself, id := parent.Self(), ps.starting
		name = func() string { return ps.label(pself) + "/" + id }
	}
	inited := make(chan error, 1)
	props := actor.PropsFromProducer(func() actor.Actor {
		return &sup{ref: r, flags: f, specs: cs, escalate: escalate, inited: inited, hooks: h, name: name}
	}, actor.WithMailbox(r.crashes.mailbox))
	pid, err := parent.SpawnNamed(props, "sup"+sys.ProcessRegistry.NextId())
	if err != nil {
		return nil, err
	}
	r.pid = pid
	select {
	case err = <-inited:
	case <-r.done:
		err = r.Err()
	}
	if err != nil {
		<-r.done
		return nil, err
	}
	key := refKey{sys, pid.Id}
	refs.Store(key, r)
	select {
	case <-r.done:
		refs.Delete(key)
	default:
	}
	return r, nil
}

// sup is the supervisor's actor. Its fields belong to its Receive; only
// ref's crash table is shared, with the children that post failures.
type sup struct {
	ref      *Ref
	flags    Flags       // checked, defaults applied
	specs    []ChildSpec // checked, defaults applied
	escalate bool        // the parent is a supervisor of ours
	inited   chan<- error
	hooks    hooks
	name     func() string // its name in reports; nil: its PID
	cctx     *childContext // its context as start functions get it
	starting string        // the ID of the child whose start function runs

	children []*child // in start order; not SimpleOneForOne
	dyn      *dynamic // SimpleOneForOne only
	restarts []time.Time
	exiting  bool // stopping: no more restarts or calls
}

// child is a static child, OTP's #child{}.
type child struct {
	spec       ChildSpec
	pid        *actor.PID // nil when not running (undefined)
	restarting bool       // restart failed, to be tried again ({restarting, _})
}

// tryAgain asks the supervisor to try again a restart that failed, OTP's
// try_again_restart: sent to itself, it lets calls in first.
type tryAgain struct {
	c  *child
	dc *dynChild
}

// IgnoreDeadLetterLogging keeps a retry that outlived its supervisor out
// of protoactor's dead-letter log.
func (*tryAgain) IgnoreDeadLetterLogging() {}

// Receive handles protoactor's lifecycle messages, children's
// terminations and calls.
func (s *sup) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.init(ctx)
	case *actor.Terminated:
		// A child has stopped: protoactor tells an actor's parent, set
		// when the childContext spawned it.
		s.exited(ctx, m.Who)
	case *request:
		if s.exiting {
			m.err = ErrNoProc
		} else {
			m.err = m.fn(ctx, s)
		}
		close(m.done)
	case *tryAgain:
		if !s.exiting {
			s.tryAgain(ctx, m)
		}
	case *actor.Stopping:
		// OTP's terminate/2: the children go before the supervisor does.
		s.exiting = true
		s.ref.setReason(Shutdown)
		s.terminateAll(ctx)
	case *actor.Restarting:
		// Only a parent that is not a supervisor of ours restarts us.
		s.terminateAll(ctx)
	case *actor.Stopped:
		s.ref.finish(ctx.Self())
	default: // sent with Ref.Send
		if s.hooks.Receive != nil && !s.exiting {
			s.hooks.Receive(Inside{ctx: ctx, s: s}, m)
		}
	}
}

// HandleFailure is called by protoactor when a child panics: the
// supervisor's protoactor SupervisorStrategy. It stops the child, whose
// mailbox protoactor has suspended; the reason was recorded when the
// failure was posted, and the decision waits for the child's Terminated.
// A child that panicked while stopping will send none: protoactor never
// finishes stopping it. The supervisor considers it gone now, with the
// panic as its exit reason, and leaves it where it is: it is not in
// protoactor's children of the supervisor (spawn.go), so it holds
// nothing up.
func (s *sup) HandleFailure(sys *actor.ActorSystem, supervisor actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, _, message any) {
	if _, alive := sys.ProcessRegistry.Get(child); !alive {
		return
	}
	if _, stuck := message.(*actor.Stop); stuck {
		if ctx, ok := supervisor.(actor.Context); ok {
			s.exited(ctx, child)
			return
		}
	}
	supervisor.StopChildren(child)
}

// init starts the children, OTP's init/1 and init_children.
func (s *sup) init(ctx actor.Context) {
	if s.flags.Strategy == SimpleOneForOne {
		s.dyn = newDynamic(s.specs[0])
		s.dyn.erased = s.hooks.Erased
		s.initDone(nil)
		return
	}
	s.children = make([]*child, 0, len(s.specs))
	for _, spec := range s.specs {
		s.children = append(s.children, &child{spec: spec})
	}
	if failed, err := s.startChildren(ctx, s.children); err != nil {
		// No report: Start returns the error, for its caller to report.
		s.terminateChildren(ctx, s.children)
		e := &StartError{ID: failed.spec.ID, Err: err}
		s.exiting = true
		s.ref.setReason(e)
		ctx.Stop(ctx.Self())
		s.initDone(e)
		return
	}
	s.initDone(nil)
}

// initDone tells Start how init went. After a protoactor restart (under a
// parent that is not ours) nobody waits any more.
func (s *sup) initDone(err error) {
	select {
	case s.inited <- err:
	default:
	}
}

// exited handles the end of a child, OTP's restart_child/3.
func (s *sup) exited(ctx actor.Context, pid *actor.PID) {
	if s.hooks.exited != nil {
		defer s.hooks.exited(pid)
	}
	reason, _ := s.ref.crashes.take(pid)
	if s.exiting {
		return
	}
	if s.dyn != nil {
		s.dynExited(ctx, pid, reason)
		return
	}
	c := s.byPID(pid)
	if c == nil {
		return // terminated by us, or not a child we know
	}
	restart, report := fate(c.spec.Restart, reason)
	if report {
		s.report(ctx, "child_terminated", reason, c.spec.ID, pid)
	}
	if restart {
		s.restart(ctx, c)
		return
	}
	s.del(c)
	s.autoShutdown(ctx, c.spec.Significant, s.significantLeft())
}

// fate is OTP's do_restart/3: whether a child of restart type r that
// exited with reason is restarted, and whether its end is reported.
func fate(r Restart, reason error) (restart, report bool) {
	switch {
	case r == Permanent:
		return true, true
	case !abnormal(reason):
		return false, false
	case r == Transient:
		return true, true
	}
	return false, true
}

// exit terminates the children and stops the supervisor with reason,
// OTP's {stop, Reason, State}. Under a supervisor of ours it panics with
// the reason, which protoactor delivers to the parent as a Failure.
func (s *sup) exit(ctx actor.Context, reason error) {
	s.terminateAll(ctx)
	s.exiting = true
	s.ref.setReason(reason)
	if s.escalate {
		panic(&exitSignal{reason: reason})
	}
	ctx.Stop(ctx.Self())
}

// startSpec calls spec's start function, OTP's do_start_child_i. It
// returns the child's PID, nil for Ignore, or why it failed.
func (s *sup) startSpec(ctx actor.Context, spec ChildSpec, args []any) (pid *actor.PID, err error) {
	defer func() {
		if v := recover(); v != nil {
			pid, err = nil, reasonOf(v)
		}
	}()
	if s.cctx == nil {
		s.cctx = &childContext{ctx}
	}
	s.starting = spec.ID
	defer func() { s.starting = "" }()
	pid, err = spec.Start(s.cctx, args...)
	switch {
	case errors.Is(err, Ignore):
		return nil, nil
	case err != nil:
		return nil, err
	case pid == nil:
		return nil, errNilPID
	case pid.Address != ctx.Self().Address || !strings.HasPrefix(pid.Id, ctx.Self().Id+"/"):
		return nil, fmt.Errorf("start function returned %s, which is not a child of supervisor %s: spawn the child from the context the start function gets", pidfmt.String(pid), pidfmt.String(ctx.Self()))
	}
	return pid, nil
}

var errNilPID = errors.New("start function returned neither a PID nor an error (return supervisor.Ignore to start nothing)")

// The static calls. SimpleOneForOne's are in dynamic.go.

func (s *sup) startChild(ctx actor.Context, spec ChildSpec) (*actor.PID, error) {
	if s.dyn != nil {
		return nil, ErrSimpleOneForOne
	}
	spec, err := spec.check(s.flags.AutoShutdown, false)
	if err != nil {
		return nil, err
	}
	if c := s.byID(spec.ID); c != nil {
		if c.pid != nil {
			return nil, &AlreadyStartedError{PID: c.pid}
		}
		return nil, ErrAlreadyPresent
	}
	pid, err := s.startSpec(ctx, spec, nil)
	if err != nil {
		return nil, err
	}
	if pid == nil && spec.Restart == Temporary {
		return nil, nil
	}
	s.children = append(s.children, &child{spec: spec, pid: pid})
	return pid, nil
}

func (s *sup) terminateChild(ctx actor.Context, id string) error {
	if s.dyn != nil {
		return ErrSimpleOneForOne
	}
	c := s.byID(id)
	if c == nil {
		return ErrNotFound
	}
	if c.pid != nil {
		s.shutdown(ctx, c.spec.Shutdown, c.pid)
	}
	s.del(c)
	return nil
}

func (s *sup) restartChild(ctx actor.Context, id string) (*actor.PID, error) {
	if s.dyn != nil {
		return nil, ErrSimpleOneForOne
	}
	c := s.byID(id)
	switch {
	case c == nil:
		return nil, ErrNotFound
	case c.restarting:
		return nil, ErrRestarting
	case c.pid != nil:
		return nil, ErrRunning
	}
	pid, err := s.startSpec(ctx, c.spec, nil)
	if err != nil {
		return nil, err
	}
	c.pid = pid
	return pid, nil
}

func (s *sup) deleteChild(id string) error {
	if s.dyn != nil {
		return ErrSimpleOneForOne
	}
	c := s.byID(id)
	switch {
	case c == nil:
		return ErrNotFound
	case c.restarting:
		return ErrRestarting
	case c.pid != nil:
		return ErrRunning
	}
	s.remove(c)
	return nil
}

func (s *sup) whichChildren() []Child {
	if s.dyn != nil {
		return s.dyn.which()
	}
	out := make([]Child, 0, len(s.children))
	for _, c := range slices.Backward(s.children) {
		out = append(out, Child{ID: c.spec.ID, PID: c.pid, Restarting: c.restarting, Type: c.spec.Type})
	}
	return out
}

func (s *sup) countChildren(ctx actor.Context) Counts {
	if s.dyn != nil {
		return s.dyn.count()
	}
	var n Counts
	for _, c := range s.children {
		n.Specs++
		if c.spec.Type == Supervisor {
			n.Supervisors++
		} else {
			n.Workers++
		}
		if s.alive(ctx, c.pid) {
			n.Active++
		}
	}
	return n
}

func (s *sup) getChildSpec(id string) (ChildSpec, error) {
	if s.dyn != nil {
		if id == s.dyn.spec.ID {
			return s.dyn.spec, nil
		}
		return ChildSpec{}, ErrNotFound
	}
	if c := s.byID(id); c != nil {
		return c.spec, nil
	}
	return ChildSpec{}, ErrNotFound
}

// alive reports whether pid is a running child: registered, and not
// crashed (OTP's is_process_alive).
func (s *sup) alive(ctx actor.Context, pid *actor.PID) bool {
	if pid == nil {
		return false
	}
	if _, ok := ctx.ActorSystem().ProcessRegistry.Get(pid); !ok {
		return false
	}
	_, crashed := s.ref.crashes.get(pid)
	return !crashed
}

func (s *sup) byID(id string) *child {
	for _, c := range s.children {
		if c.spec.ID == id {
			return c
		}
	}
	return nil
}

func (s *sup) byPID(pid *actor.PID) *child {
	for _, c := range s.children {
		if c.pid != nil && c.pid.Id == pid.Id {
			return c
		}
	}
	return nil
}

// remove forgets c's spec.
func (s *sup) remove(c *child) {
	s.children = slices.DeleteFunc(s.children, func(x *child) bool { return x == c })
}

// del marks c as not running, forgetting it if it is Temporary, OTP's
// del_child.
func (s *sup) del(c *child) {
	if c.spec.Restart == Temporary {
		s.remove(c)
		return
	}
	c.pid, c.restarting = nil, false
}

// significantLeft reports whether a significant child still runs or
// waits for its restart.
func (s *sup) significantLeft() bool {
	for _, c := range s.children {
		if c.spec.Significant && (c.pid != nil || c.restarting) {
			return true
		}
	}
	return false
}
