package actor

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// WithOwnerMailbox gives an actor the mailbox that socket owners need: an
// unbounded queue (a port never blocks on its owner, and never drops) from
// which controlling_process can take one socket's queued messages, in
// order, to hand them to the socket's new owner. Spawn actors that own
// sockets with it:
//
//	props := actor.PropsFromProducer(newHandler, otpactor.WithOwnerMailbox())
//
// An actor with protoactor's default mailbox can own sockets too, but
// messages already in its queue when it gives a socket away stay there.
func WithOwnerMailbox() actor.PropsOption {
	return actor.WithMailbox(func() actor.Mailbox { return &ownerMailbox{} })
}

// TakeMatching removes from the queue of the process pid, a Process or an
// actor with WithOwnerMailbox, the messages for which match is true, and
// returns them in the order they were queued. It reports false when pid
// has no such queue here.
func TakeMatching(system *actor.ActorSystem, pid *actor.PID, match func(msg any) bool) ([]any, bool) {
	if p, ok := FindProcess(system, pid); ok {
		return p.TakeMatching(match), true
	}
	if m := findMailbox(system, pid); m != nil {
		return m.takeMatching(match), true
	}
	return nil, false
}

// Mailbox takes user messages for one actor: PostUserMessage queues msg
// as system.Root.Send(pid, msg) would.
type Mailbox interface{ PostUserMessage(msg any) }

// MailboxOf returns the Mailbox of pid. For an actor spawned with
// WithOwnerMailbox it is the actor's own queue, so that a sender of many
// messages (a socket port delivering packets) skips protoactor's PID
// lookup per message; what is posted there after the actor stopped is
// dropped, where Root.Send would make it a dead letter. For a Process it
// is the Process's queue. For any other pid it sends through system.Root.
func MailboxOf(system *actor.ActorSystem, pid *actor.PID) Mailbox {
	if m := findMailbox(system, pid); m != nil {
		return m
	}
	if p, ok := FindProcess(system, pid); ok {
		return (*processMailbox)(p)
	}
	return rootMailbox{system, pid}
}

// Monitor is told, by Down, that the actor of a mailbox it monitors has
// stopped, or that the Process has closed: once, from the goroutine that
// ran the actor's last system message or closed the Process, with no lock
// held.
type Monitor interface{ Down(mb Mailbox) }

// MonitorMailbox asks that mon be told when the actor of mb stops, or the
// Process of mb closes: the counterpart of erlang:monitor/2 that costs the
// actor no watcher entry and the monitor no process of its own. ok is
// false when mb cannot tell (it is neither an owner mailbox nor a
// Process's: watch the PID instead); alive is false when the actor has
// already stopped, and then Down is not called.
func MonitorMailbox(mb Mailbox, mon Monitor) (ok, alive bool) {
	switch m := mb.(type) {
	case *ownerMailbox:
		m.mu.Lock()
		defer m.mu.Unlock()
		// The check is under mu: an actor that stops after it runs
		// checkDown after the add, and tells mon.
		if m.down || !m.registered() {
			return true, false
		}
		m.monitors.add(mon)
		return true, true
	case *processMailbox:
		p := (*Process)(m)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed {
			return true, false
		}
		p.monitors.add(mon)
		return true, true
	}
	return false, false
}

// DemonitorMailbox takes back a MonitorMailbox of mon on mb. A Down already
// on its way may still come.
func DemonitorMailbox(mb Mailbox, mon Monitor) {
	switch m := mb.(type) {
	case *ownerMailbox:
		m.mu.Lock()
		defer m.mu.Unlock()
		m.monitors.remove(mon)
	case *processMailbox:
		p := (*Process)(m)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.monitors.remove(mon)
	}
}

// monitors are the monitors of a mailbox or a Process: none, one (kept
// inline: a socket's port is most owners' only monitor), or a *monitorSet.
// Guarded by its owner's lock.
type monitors struct{ m Monitor }

func (ms *monitors) add(mon Monitor) {
	switch cur := ms.m.(type) {
	case nil:
		ms.m = mon
	case *monitorSet:
		*cur = append(*cur, mon)
	default:
		ms.m = &monitorSet{cur, mon}
	}
}

func (ms *monitors) remove(mon Monitor) {
	switch cur := ms.m.(type) {
	case *monitorSet:
		if i := slices.Index(*cur, mon); i >= 0 {
			*cur = slices.Delete(*cur, i, i+1)
		}
	default:
		if cur == mon {
			ms.m = nil
		}
	}
}

// take returns the monitors, all as one, and forgets them; nil if none.
func (ms *monitors) take() Monitor {
	mon := ms.m
	ms.m = nil
	return mon
}

// monitorSet is the monitors of a mailbox that has more than one, in the
// order they came.
type monitorSet []Monitor

// Down tells each of the set.
func (set *monitorSet) Down(mb Mailbox) {
	for _, mon := range *set {
		mon.Down(mb)
	}
}

// checkDown tells the monitors if the actor has stopped: protoactor takes
// a stopped actor out of the registry in its last system message.
func (m *ownerMailbox) checkDown() {
	m.mu.Lock()
	if m.down || m.monitors.m == nil || m.registered() {
		m.mu.Unlock()
		return
	}
	m.down = true
	mon := m.monitors.take()
	m.mu.Unlock()
	mon.Down(m)
}

// registered reports whether the mailbox's actor is still in its system's
// registry: its own process, not one spawned since under the same name.
func (m *ownerMailbox) registered() bool {
	ctx, ok := m.invoker.(selfInfo)
	if !ok || ctx.Self() == nil {
		return true // not spawned yet
	}
	return findMailbox(ctx.ActorSystem(), ctx.Self()) == m
}

// selfInfo is what a mailbox's invoker, protoactor's actor context, tells
// of its actor.
type selfInfo interface {
	Self() *actor.PID
	ActorSystem() *actor.ActorSystem
}

// rootMailbox posts through the actor system's root context.
type rootMailbox struct {
	system *actor.ActorSystem
	pid    *actor.PID
}

func (r rootMailbox) PostUserMessage(msg any) { r.system.Root.Send(r.pid, msg) }

// processMailbox is a Process as a Mailbox.
type processMailbox Process

// PostUserMessage queues msg, or passes it to dead letters once the
// Process is closed, as a send to its PID does.
func (m *processMailbox) PostUserMessage(msg any) {
	(*registered)(m).SendUserMessage(m.pid, msg)
}

// ownerMailbox is protoactor's default mailbox, run the same way (system
// messages first, suspension, throughput, a panic escalated), with a user
// queue behind a mutex so that takeMatching can search it.
type ownerMailbox struct {
	mu     sync.Mutex
	user   []any  // user[head:] are queued
	system *[]any // nil when empty: an actor seldom has system messages

	userCount atomic.Int32
	sysCount  atomic.Int32
	running   atomic.Bool
	suspended atomic.Bool
	head      int32 // guarded by mu
	pooled    bool  // run on workers, not by the dispatcher (see workers)

	// The actor's stop is told to its monitors (Monitor). Stopping goes
	// through system messages: sysRun says that one ran since the last
	// look at the registry.
	down     bool     // guarded by mu: the actor stopped and monitors were told
	sysRun   bool     // touched by the mailbox's runner only
	monitors monitors // guarded by mu

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher
}

func (m *ownerMailbox) PostUserMessage(msg any) {
	m.mu.Lock()
	if head := int(m.head); head > 0 && len(m.user) == cap(m.user) && head >= len(m.user)/2 {
		n := copy(m.user, m.user[m.head:]) // reuse the consumed front
		clear(m.user[n:])
		m.user, m.head = m.user[:n], 0
	}
	m.user = append(m.user, msg)
	m.mu.Unlock()
	m.userCount.Add(1)
	m.schedule()
}

func (m *ownerMailbox) PostSystemMessage(msg any) {
	m.mu.Lock()
	if m.system == nil {
		m.system = new([]any)
	}
	*m.system = append(*m.system, msg)
	m.mu.Unlock()
	m.sysCount.Add(1)
	m.schedule()
}

// RegisterHandlers is called once the actor has its PID (and its process
// is registered under it, where findMailbox finds the mailbox).
func (m *ownerMailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker, m.dispatcher = invoker, dispatcher
	// protoactor's default dispatcher starts a goroutine per schedule;
	// workers do its job without. A dispatcher of the user's own is kept.
	m.pooled = dispatcher == actor.NewDefaultDispatcher(dispatcher.Throughput())
}

func (m *ownerMailbox) Start() {}

func (m *ownerMailbox) UserMessageCount() int { return int(m.userCount.Load()) }

// takeMatching removes the queued user messages for which match is true.
func (m *ownerMailbox) takeMatching(match func(any) bool) []any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var taken []any
	kept := m.user[:m.head]
	for _, msg := range m.user[m.head:] {
		if match(actor.UnwrapEnvelopeMessage(msg)) {
			taken = append(taken, msg)
		} else {
			kept = append(kept, msg)
		}
	}
	clear(m.user[len(kept):])
	m.user = kept
	m.userCount.Add(-int32(len(taken)))
	return taken
}

func (m *ownerMailbox) schedule() {
	if m.running.CompareAndSwap(false, true) {
		if m.pooled {
			workers.run(m)
		} else {
			m.dispatcher.Schedule(m.process)
		}
	}
}

func (m *ownerMailbox) process() {
	for {
		m.run()
		if m.sysRun {
			m.sysRun = false
			m.checkDown()
		}
		m.running.Store(false)
		// A message may have come after run found the queues empty.
		if m.sysCount.Load() == 0 && (m.suspended.Load() || m.userCount.Load() == 0) {
			return
		}
		if !m.running.CompareAndSwap(false, true) {
			return
		}
	}
}

func (m *ownerMailbox) run() {
	var msg any
	defer func() {
		if r := recover(); r != nil {
			m.invoker.EscalateFailure(r, msg)
		}
	}()
	throughput := m.dispatcher.Throughput()
	for i := 0; ; i++ {
		if i > throughput {
			i = 0
			runtime.Gosched()
		}
		if msg = m.popSystem(); msg != nil {
			switch msg.(type) {
			case *actor.SuspendMailbox:
				m.suspended.Store(true)
			case *actor.ResumeMailbox:
				m.suspended.Store(false)
			default:
				// It may have stopped the actor: process looks at once,
				// before the queue is drained (checkDown).
				m.sysRun = true
				m.invoker.InvokeSystemMessage(msg)
				return
			}
			continue
		}
		if m.suspended.Load() {
			return
		}
		if msg = m.popUser(); msg == nil {
			return
		}
		m.invoker.InvokeUserMessage(msg)
	}
}

func (m *ownerMailbox) popSystem() any {
	if m.sysCount.Load() == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.system == nil {
		return nil
	}
	q := *m.system
	msg := q[0]
	q[0] = nil
	*m.system = q[1:]
	if len(q) == 1 {
		m.system = nil
	}
	m.sysCount.Add(-1)
	return msg
}

func (m *ownerMailbox) popUser() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	if int(m.head) == len(m.user) {
		return nil
	}
	msg := m.user[m.head]
	m.user[m.head] = nil
	m.head++
	if int(m.head) == len(m.user) {
		m.user, m.head = m.user[:0], 0
	}
	m.userCount.Add(-1)
	return msg
}
