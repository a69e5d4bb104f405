package supervisor

import (
	"log/slog"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
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

// watcher is a goroutine-free protoactor process that watches one actor
// and reports its Terminated on a channel, so that the supervisor can wait
// for a child without going through its own mailbox.
type watcher struct {
	sys    *actor.ActorSystem
	self   *actor.PID
	target *actor.PID
	ended  chan<- *actor.PID
	once   sync.Once
}

// watch starts watching target; its end will be sent on ended, which must
// have room for it. If target is already gone, protoactor's dead letter
// process answers the Watch with a Terminated.
func watch(sys *actor.ActorSystem, target *actor.PID, ended chan<- *actor.PID) *watcher {
	w := &watcher{sys: sys, target: target, ended: ended}
	w.self, _ = sys.ProcessRegistry.Add(w, "supervisor-watch"+sys.ProcessRegistry.NextId())
	proc, _ := sys.ProcessRegistry.Get(target)
	proc.SendSystemMessage(target, &actor.Watch{Watcher: w.self})
	return w
}

// SendUserMessage ignores user messages: a watcher only waits.
func (w *watcher) SendUserMessage(*actor.PID, any) {}

// SendSystemMessage reports the target's Terminated.
func (w *watcher) SendSystemMessage(_ *actor.PID, msg any) {
	if _, ok := msg.(*actor.Terminated); ok {
		w.once.Do(func() { w.ended <- w.target })
	}
}

// Stop does nothing: a watcher ends with release.
func (w *watcher) Stop(*actor.PID) {}

// release unregisters the watcher; cancel says the target may still be
// alive and must forget it.
func (w *watcher) release(cancel bool) {
	if cancel {
		proc, _ := w.sys.ProcessRegistry.Get(w.target)
		proc.SendSystemMessage(w.target, &actor.Unwatch{Watcher: w.self})
	}
	w.sys.ProcessRegistry.Remove(w.self)
}

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
	pending := make(map[string]*watcher, len(pids))
	for _, p := range pids {
		pending[p.Id] = watch(sys, p, ended)
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
			if w, ok := pending[p.Id]; ok {
				w.release(false)
				delete(pending, p.Id)
				if reason, crashed := s.ref.crashes.take(p); crashed {
					s.report(ctx, "shutdown_error", reason, "", p)
				}
			}
		case p := <-crashed:
			w, ok := pending[p.Id]
			if !ok {
				break
			}
			if cr, _ := s.ref.crashes.get(p); cr.stuck {
				// It panicked in its Stopping handler: it will never end.
				w.release(false)
				delete(pending, p.Id)
				s.forget(ctx, p)
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
			for id, w := range pending {
				ctx.Stop(w.target)
				w.release(true)
				delete(pending, id)
				s.forget(ctx, w.target)
				s.report(ctx, "shutdown_error", killed, "", w.target)
			}
		}
	}
}

// forget makes protoactor forget a child that the supervisor considers
// gone but that has not terminated: killed after its shutdown timeout, or
// stuck after a panic in its Stopping handler. It takes the child out of
// the process registry, so that nothing reaches it any more, and posts
// its Terminated to the supervisor itself, so that protoactor drops it
// from the supervisor's children: an actor does not finish stopping while
// it has children, and a stuck child would otherwise hold the supervisor,
// and every Infinity parent above it, forever. The supervisor ignores
// that Terminated, and the real one if it ever comes.
func (s *sup) forget(ctx actor.Context, pid *actor.PID) {
	sys := ctx.ActorSystem()
	sys.ProcessRegistry.Remove(pid)
	self, _ := sys.ProcessRegistry.Get(ctx.Self())
	self.SendSystemMessage(ctx.Self(), &actor.Terminated{Who: pid})
}

// report logs an OTP supervisor report at error level: errorContext is
// OTP's (child_terminated, start_error, shutdown, shutdown_error).
func (s *sup) report(ctx actor.Context, errorContext string, reason error, id string, pid *actor.PID) {
	ctx.Logger().Error("supervisor report",
		slog.String("supervisor", pidString(ctx.Self())),
		slog.String("errorContext", errorContext),
		slog.Any("reason", reason),
		slog.String("id", id),
		slog.String("pid", pidString(pid)))
}
