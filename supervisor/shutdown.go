package supervisor

import (
	"log/slog"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
)

// A supervisor learns how its children end from two protoactor messages:
//
//   - a child that panics (or calls Exit) sends *actor.Failure to its
//     parent, with the panic value, and suspends its mailbox until the
//     parent decides; the supervisor records the reason and stops it;
//   - a child that stops, for whatever cause, sends *actor.Terminated to
//     its parent and watchers. Its exit reason is the recorded failure, or
//     Normal if there was none.
//
// While it shuts children down, the supervisor waits inside its Receive,
// where no message reaches it: it monitors them (actor.MonitorPID) for
// that time, and hears of their ends from their monitors instead.
//
// The failure must be recorded when it is posted, not when the supervisor
// gets to it: while the supervisor waits for a child to shut down it is
// inside its Receive, and its system messages wait. A child that crashes
// then has a suspended mailbox that will never reach the PoisonPill of a
// graceful shutdown, so the supervisor has to notice the failure at once
// and send Stop instead. crashes does that, fed by a mailbox that sees
// every system message posted to the supervisor.

// crashes records the failures of a supervisor's children, by PID.
// Children post them from their own goroutines; the supervisor reads them.
type crashes struct {
	mu      sync.Mutex
	reasons map[string]failure // by child PID.Id: its first failure
	waiting map[string]bool    // children whose crash the supervisor waits for
	notify  chan<- *actor.PID  // where those crashes are reported
}

// failure is a child's failure.
type failure struct {
	reason error
	// stuck says the child panicked while protoactor was stopping it, in
	// its Stopping handler (protoactor then reports the *actor.Stop it was
	// handling as the failed message). protoactor never finishes stopping
	// such an actor: it sends no Terminated, and ignores further Stops.
	stuck bool
}

// record stores why child f.Who failed and, if the supervisor is waiting
// for it, tells it.
func (c *crashes) record(f *actor.Failure) {
	if f.Who == nil {
		return
	}
	_, stuck := f.Message.(*actor.Stop)
	cr := failure{reason: reasonOf(f.Reason), stuck: stuck}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reasons == nil {
		c.reasons = make(map[string]failure)
	}
	if old, ok := c.reasons[f.Who.Id]; ok {
		cr.reason = old.reason // the first failure is the exit reason
	}
	c.reasons[f.Who.Id] = cr
	if c.waiting[f.Who.Id] {
		delete(c.waiting, f.Who.Id)
		c.notify <- f.Who // buffered for every waited-for child: never blocks
	}
}

// take removes and returns the exit reason recorded for pid, Normal if
// none was.
func (c *crashes) take(pid *actor.PID) (reason error, crashed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cr, crashed := c.reasons[pid.Id]
	if !crashed {
		return Normal, false
	}
	delete(c.reasons, pid.Id)
	return cr.reason, true
}

// get returns the crash recorded for pid, if any.
func (c *crashes) get(pid *actor.PID) (failure, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cr, ok := c.reasons[pid.Id]
	return cr, ok
}

// watch makes the crashes of pids arrive on the returned channel, those
// already recorded at once, until unwatch.
func (c *crashes) watch(pids []*actor.PID) <-chan *actor.PID {
	ch := make(chan *actor.PID, len(pids))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = make(map[string]bool, len(pids))
	c.notify = ch
	for _, p := range pids {
		if _, ok := c.reasons[p.Id]; ok {
			ch <- p
		} else {
			c.waiting[p.Id] = true
		}
	}
	return ch
}

// unwatch ends watch.
func (c *crashes) unwatch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting, c.notify = nil, nil
}

// mailbox returns the supervisor's mailbox: protoactor's unbounded one,
// which records children's failures as they are posted.
func (c *crashes) mailbox() actor.Mailbox {
	return &failureMailbox{Mailbox: actor.Unbounded()(), crashes: c}
}

// failureMailbox is a protoactor mailbox that records *actor.Failure
// messages before queueing them.
type failureMailbox struct {
	actor.Mailbox
	crashes *crashes
}

// PostSystemMessage records a failure, then queues msg.
func (m *failureMailbox) PostSystemMessage(msg any) {
	if f, ok := msg.(*actor.Failure); ok {
		m.crashes.record(f)
	}
	m.Mailbox.PostSystemMessage(msg)
}

// endedMonitor is the monitor (actor.MonitorPID) of the children a
// shutdown waits for: it sends the PID of each that ends on its channel,
// which has room for one per child. One value serves every child.
type endedMonitor chan<- *actor.PID

// Down sends who, a child that has ended.
func (e endedMonitor) Down(who *actor.PID) { e <- who }

// shutdown terminates the given children, all with the same policy, and
// returns when they are gone, OTP's shutdown/1 (one child) and
// terminate_dynamic_children (many, stopped in parallel under one timer).
// It runs inside the supervisor's Receive, blocking it, as OTP's
// supervisor blocks in shutdown.
func (s *sup) shutdown(ctx actor.Context, how ShutdownPolicy, pids ...*actor.PID) {
	if len(pids) == 0 {
		return
	}
	sys := ctx.ActorSystem()
	ended := make(chan *actor.PID, len(pids))
	mon := endedMonitor(ended)
	pending := make(map[string]*actor.PID, len(pids))
	for _, p := range pids {
		pending[p.Id] = p
		if alive, _ := otpactor.MonitorPID(sys, p, mon); !alive {
			ended <- p
		}
	}
	crashed := s.ref.crashes.watch(pids)
	defer s.ref.crashes.unwatch()
	for _, p := range pids {
		if how.kind == shutdownBrutal {
			ctx.Stop(p)
		} else {
			ctx.Poison(p)
		}
	}
	var expired <-chan time.Time
	if how.kind == shutdownTimeout {
		t := time.NewTimer(how.timeout)
		defer t.Stop()
		expired = t.C
	}
	for len(pending) > 0 {
		select {
		case p := <-ended:
			if _, ok := pending[p.Id]; ok {
				delete(pending, p.Id)
				if reason, crashed := s.ref.crashes.take(p); crashed {
					s.report(ctx, "shutdown_error", reason, "", p)
				}
			}
		case p := <-crashed:
			if _, ok := pending[p.Id]; !ok {
				break
			}
			if cr, _ := s.ref.crashes.get(p); cr.stuck {
				// It panicked in its Stopping handler: it will never end.
				// Its reason stays recorded: HandleFailure takes it.
				otpactor.DemonitorPID(sys, p, mon)
				delete(pending, p.Id)
				s.report(ctx, "shutdown_error", cr.reason, "", p)
				break
			}
			// Its mailbox is suspended: only a system message reaches it.
			if how.kind != shutdownBrutal {
				ctx.Stop(p)
			}
		case <-expired:
			// Kill: Stop, then consider the child gone. A goroutine stuck
			// in user code cannot be ended from outside; see ShutdownPolicy.
			for id, p := range pending {
				ctx.Stop(p)
				otpactor.DemonitorPID(sys, p, mon)
				delete(pending, id)
				s.report(ctx, "shutdown_error", killed, "", p)
			}
		}
	}
}

// report logs an OTP supervisor report at error level: errorContext is
// OTP's (child_terminated, start_error, shutdown, shutdown_error). The
// supervisor is named by its name, with its PID, or by its PID.
func (s *sup) report(ctx actor.Context, errorContext string, reason error, id string, pid *actor.PID) {
	self := ctx.Self()
	attrs := make([]any, 0, 6)
	attrs = append(attrs, slog.String("supervisor", s.label(self)))
	if s.name != nil {
		attrs = append(attrs, slog.String("supervisor_pid", pidfmt.String(self)))
	}
	attrs = append(attrs,
		slog.String("errorContext", errorContext),
		slog.Any("reason", reason),
		slog.String("id", id),
		slog.String("pid", pidfmt.String(pid)))
	ctx.Logger().Error("supervisor report", attrs...)
}

// label is the supervisor's name in reports: its name, or its PID, self.
// Its name may be read from any goroutine: it is set before the
// supervisor is spawned.
func (s *sup) label(self *actor.PID) string {
	if s.name != nil {
		return s.name()
	}
	return pidfmt.String(self)
}
