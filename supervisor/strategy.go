package supervisor

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// errMaxIntensity is the reason OTP reports when a supervisor gives up.
var errMaxIntensity error = atom("reached_max_restart_intensity")

// restart restarts c, which has exited, by the supervisor's strategy, OTP's
// restart/2. Every restart counts towards the restart intensity; one too
// many and the supervisor terminates everything and exits with Shutdown.
func (s *sup) restart(ctx actor.Context, c *child) {
	if !s.addRestart() {
		s.report(ctx, "shutdown", errMaxIntensity, c.spec.ID, c.pid)
		s.del(c)
		s.exit(ctx, Shutdown)
		return
	}
	switch s.flags.Strategy {
	case OneForOne:
		pid, err := s.startSpec(ctx, c.spec, nil)
		if err != nil {
			c.pid, c.restarting = nil, true
			s.report(ctx, "start_error", err, c.spec.ID, nil)
			s.retry(ctx, &tryAgain{c: c})
			return
		}
		c.pid, c.restarting = pid, false
	case RestForOne:
		c.pid = nil
		i := slices.Index(s.children, c)
		s.restartMultiple(ctx, s.children[i:])
	case OneForAll:
		c.pid = nil
		s.restartMultiple(ctx, s.children)
	}
}

// restartMultiple terminates the children of list right to left and
// starts them again left to right, OTP's restart_multiple_children. list
// is in start order and includes the child that exited, whose process is
// already gone. Temporary children are terminated and forgotten. If a
// start fails, that child waits for a new try and the ones after it stay
// stopped.
func (s *sup) restartMultiple(ctx actor.Context, list []*child) {
	list = slices.Clone(list)
	s.terminateChildren(ctx, list)
	list = slices.DeleteFunc(list, func(x *child) bool { return x.spec.Restart == Temporary })
	if failed, err := s.startChildren(ctx, list); err != nil {
		failed.pid, failed.restarting = nil, true
		s.report(ctx, "start_error", err, failed.spec.ID, nil)
		s.retry(ctx, &tryAgain{c: failed})
	}
}

// retry schedules another try of a failed restart. It goes through the
// mailbox, behind the calls already there, as OTP's try_again_restart.
func (s *sup) retry(ctx actor.Context, m *tryAgain) {
	ctx.Send(ctx.Self(), m)
}

// tryAgain tries again a restart that failed, if the child still waits
// for it (a call may have terminated or deleted it meanwhile).
func (s *sup) tryAgain(ctx actor.Context, m *tryAgain) {
	if m.dc != nil {
		if s.dyn != nil && s.dyn.children[m.dc.pid.Id] == m.dc && s.dyn.restarting[m.dc] {
			s.dynRestart(ctx, m.dc)
		}
		return
	}
	if slices.Contains(s.children, m.c) && m.c.restarting {
		s.restart(ctx, m.c)
	}
}

// addRestart records a restart now and reports whether the intensity
// still allows it, OTP's add_restart/1: restarts older than the period are
// forgotten, and at most Max may remain.
func (s *sup) addRestart() bool {
	now := s.hooks.clock()
	threshold := now.Add(-s.flags.Intensity.Period())
	s.restarts = slices.DeleteFunc(s.restarts, func(t time.Time) bool { return t.Before(threshold) })
	s.restarts = append(s.restarts, now)
	return len(s.restarts) <= s.flags.Intensity.Max()
}

// startChildren starts the children of list left to right, OTP's
// start_children/2. A child whose start function returns Ignore keeps no
// process; a Temporary one is forgotten. It stops at the first failure and
// returns that child and the error.
func (s *sup) startChildren(ctx actor.Context, list []*child) (failed *child, err error) {
	for _, c := range slices.Clone(list) {
		pid, err := s.startSpec(ctx, c.spec, nil)
		if err != nil {
			return c, err
		}
		if pid == nil && c.spec.Restart == Temporary {
			s.remove(c)
			continue
		}
		c.pid, c.restarting = pid, false
	}
	return nil, nil
}

// terminateChildren terminates the children of list right to left, each
// by its ShutdownPolicy and one at a time, OTP's terminate_children/2.
// Temporary children are forgotten, the others kept without a process.
func (s *sup) terminateChildren(ctx actor.Context, list []*child) {
	for _, c := range slices.Backward(slices.Clone(list)) {
		if c.pid != nil {
			s.shutdown(ctx, c.spec.Shutdown, c.pid)
		}
		if c.spec.Restart == Temporary {
			s.remove(c)
		} else {
			c.pid, c.restarting = nil, false
		}
	}
}

// terminateAll terminates every child, as the supervisor stops.
func (s *sup) terminateAll(ctx actor.Context) {
	if s.dyn != nil {
		s.dynTerminateAll(ctx)
		return
	}
	s.terminateChildren(ctx, s.children)
}

// autoShutdown stops the supervisor if a significant child's end calls
// for it, OTP's do_auto_shutdown/2. significant says the child that ended
// was significant, left that significant children remain.
func (s *sup) autoShutdown(ctx actor.Context, significant, left bool) {
	if !significant {
		return
	}
	switch s.flags.AutoShutdown {
	case AnySignificant:
		s.exit(ctx, Shutdown)
	case AllSignificant:
		if !left {
			s.exit(ctx, Shutdown)
		}
	}
}
