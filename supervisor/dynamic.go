package supervisor

import (
	"cmp"
	"slices"

	"github.com/asynkron/protoactor-go/actor"
)

// dynamic holds the children of a SimpleOneForOne supervisor: many
// instances of one spec, told apart by PID, OTP's dynamics.
type dynamic struct {
	spec     ChildSpec
	children map[string]*dynChild // by PID.Id; while restarting, the old one
	// StartChildArgs's, for a restart, by PID.Id as children; none for
	// Temporary children, as OTP: each connection of a listener is one.
	args map[string][]any
	seq  uint64
	// The children whose restart waits for another try: few and rare, so
	// kept here rather than as a flag in every record.
	restarting map[*dynChild]bool
	erased     func(pid *actor.PID, value any) // Hooks.Erased, if any
}

// dynChild is one child of a SimpleOneForOne supervisor. A supervisor
// keeps one per child for as long as the child runs: a listener's
// connection supervisor one per connection, so a field added here costs
// every idle connection its size.
type dynChild struct {
	pid   *actor.PID // its key in children: while restarting, its old one
	seq   uint64     // start order
	value any        // what the supervisor's hooks keep of the child (Inside.SetValue)
}

// live returns the child's PID, or nil while it is restarting.
func (d *dynamic) live(dc *dynChild) *actor.PID {
	if d.restarting[dc] {
		return nil
	}
	return dc.pid
}

// setRestarting marks dc as waiting for another try of its restart.
func (d *dynamic) setRestarting(dc *dynChild) {
	if d.restarting == nil {
		d.restarting = make(map[*dynChild]bool)
	}
	d.restarting[dc] = true
}

func newDynamic(spec ChildSpec) *dynamic {
	return &dynamic{spec: spec, children: make(map[string]*dynChild)}
}

// store adds a started child.
func (d *dynamic) store(pid *actor.PID, args []any) {
	d.seq++
	d.children[pid.Id] = &dynChild{pid: pid, seq: d.seq}
	if d.spec.Restart != Temporary && args != nil {
		if d.args == nil {
			d.args = make(map[string][]any)
		}
		d.args[pid.Id] = args
	}
}

// startArgs returns the arguments dc was started with.
func (d *dynamic) startArgs(dc *dynChild) []any { return d.args[dc.pid.Id] }

// erase forgets a child.
func (d *dynamic) erase(dc *dynChild) {
	delete(d.restarting, dc)
	delete(d.children, dc.pid.Id)
	delete(d.args, dc.pid.Id)
	if d.erased != nil {
		d.erased(dc.pid, dc.value)
	}
}

func (d *dynamic) which() []Child {
	list := make([]*dynChild, 0, len(d.children))
	for _, dc := range d.children {
		list = append(list, dc)
	}
	slices.SortFunc(list, func(a, b *dynChild) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Child, len(list))
	for i, dc := range list {
		out[i] = Child{PID: d.live(dc), Restarting: d.restarting[dc], Type: d.spec.Type}
	}
	return out
}

func (d *dynamic) count() Counts {
	n := Counts{Specs: 1, Active: len(d.children) - len(d.restarting)}
	if d.spec.Type == Supervisor {
		n.Supervisors = len(d.children)
	} else {
		n.Workers = len(d.children)
	}
	return n
}

// startChildArgs starts a child with extra arguments, OTP's start_child/2
// on a simple_one_for_one supervisor.
func (s *sup) startChildArgs(ctx actor.Context, args []any) (*actor.PID, error) {
	d := s.dyn
	if d == nil {
		return nil, &InvalidError{Field: "StartChildArgs", Value: args, Reason: "invalid_child_spec",
			Detail: "only a SimpleOneForOne supervisor starts children from extra arguments; use StartChild"}
	}
	if max := s.flags.MaxChildren; max > 0 && len(d.children) >= max {
		return nil, ErrMaxChildren
	}
	pid, err := s.startSpec(ctx, d.spec, args)
	if err != nil || pid == nil {
		return nil, err
	}
	d.store(pid, args)
	return pid, nil
}

// terminateChildPID terminates one child of a SimpleOneForOne supervisor.
func (s *sup) terminateChildPID(ctx actor.Context, pid *actor.PID) error {
	d := s.dyn
	if d == nil || pid == nil {
		return ErrNotFound // other supervisors know children by ID, as OTP's
	}
	dc := d.children[pid.Id]
	if dc == nil {
		if _, alive := ctx.ActorSystem().ProcessRegistry.Get(pid); alive {
			return ErrNotFound
		}
		return nil // OTP: a dead pid is as good as terminated
	}
	if !d.restarting[dc] {
		s.shutdown(ctx, d.spec.Shutdown, dc.pid)
	}
	d.erase(dc)
	return nil
}

// dynExited handles the end of a SimpleOneForOne child.
func (s *sup) dynExited(ctx actor.Context, pid *actor.PID, reason error) {
	d := s.dyn
	dc := d.children[pid.Id]
	if dc == nil || d.restarting[dc] {
		return
	}
	restart, report := fate(d.spec.Restart, reason)
	if report {
		s.report(ctx, "child_terminated", reason, "", pid)
	}
	if restart {
		s.dynRestart(ctx, dc)
		return
	}
	d.erase(dc)
	s.autoShutdown(ctx, d.spec.Significant, len(d.children) > 0)
}

// dynRestart restarts a SimpleOneForOne child with its arguments, OTP's
// restart(simple_one_for_one, ...). A failed start leaves it restarting,
// under its old PID, for another try.
func (s *sup) dynRestart(ctx actor.Context, dc *dynChild) {
	d := s.dyn
	if !s.addRestart() {
		s.report(ctx, "shutdown", errMaxIntensity, "", d.live(dc))
		d.erase(dc)
		s.exit(ctx, Shutdown)
		return
	}
	args := d.startArgs(dc)
	pid, err := s.startSpec(ctx, d.spec, args)
	if err != nil {
		d.setRestarting(dc)
		s.report(ctx, "start_error", err, "", nil)
		s.retry(ctx, &tryAgain{dc: dc})
		return
	}
	d.erase(dc)
	if pid != nil { // Ignore on restart: the child is gone
		d.store(pid, args)
	}
}

// dynTerminateAll terminates all children at once, under one timer, OTP's
// terminate_dynamic_children: their order is not defined.
func (s *sup) dynTerminateAll(ctx actor.Context) {
	d := s.dyn
	pids := make([]*actor.PID, 0, len(d.children))
	for _, dc := range d.children {
		if !d.restarting[dc] {
			pids = append(pids, dc.pid)
		}
	}
	s.shutdown(ctx, d.spec.Shutdown, pids...)
	// Their Terminated may come after the supervisor has stopped (no child
	// holds its parent's stop back: spawn.go), and a killed one's may
	// never come: their records go now, as they would then.
	if d.erased != nil {
		for _, dc := range d.children {
			d.erased(dc.pid, dc.value)
		}
	}
	clear(d.children)
	clear(d.restarting)
}
