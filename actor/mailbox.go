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
//	props := actor.PropsFromProducer(newHandler, actor.WithOwnerMailbox())
//
// It runs as protoactor's default mailbox does (actor.Unbounded): system
// messages first, suspension, the dispatcher's throughput, a panic
// escalated to the supervisor, a MessageBatch posted as each of its
// messages and then the batch itself, and the middlewares mw told at the
// same points (MailboxStarted, MessagePosted, MessageReceived,
// MailboxEmpty). Nil middlewares are ignored. Only with protoactor's
// default dispatcher it runs on otpnet's worker goroutines instead of a
// new goroutine per schedule.
//
// An actor with protoactor's default mailbox can own sockets too, but
// messages already in its queue when it gives a socket away stay there.
func WithOwnerMailbox(mw ...actor.MailboxMiddleware) actor.PropsOption {
	return actor.WithMailbox(ownerMailboxes(mw...))
}

// ownerMailboxes makes owner mailboxes with the middlewares mw.
func ownerMailboxes(mw ...actor.MailboxMiddleware) actor.MailboxProducer {
	mw = slices.DeleteFunc(slices.Clone(mw), func(m actor.MailboxMiddleware) bool { return m == nil })
	if len(mw) == 0 {
		return func() actor.Mailbox { return &ownerMailbox{} }
	}
	return func() actor.Mailbox {
		return &ownerMailbox{dispatcher: &hookedDispatcher{middlewares: mw}}
	}
}

// hookedDispatcher is the dispatcher of an owner mailbox that has
// middlewares: they ride with it, out of line, so that a mailbox without
// them stays as small as it was. The producer makes it; RegisterHandlers
// sets the dispatcher inside.
type hookedDispatcher struct {
	actor.Dispatcher
	middlewares []actor.MailboxMiddleware
}

// middlewares returns the mailbox's middlewares, nil if none.
func (m *ownerMailbox) middlewares() []actor.MailboxMiddleware {
	if h, ok := m.dispatcher.(*hookedDispatcher); ok {
		return h.middlewares
	}
	return nil
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

// monitor adds mon to the monitors, and reports false (adding nothing) if
// the actor is gone.
func (m *ownerMailbox) monitor(mon Monitor) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The check is under mu: an actor that stops after it runs checkDown
	// after the add, and tells mon.
	if m.is(mbDown) || !m.registered() {
		return false
	}
	m.monitors.add(mon)
	return true
}

// demonitor takes mon out of the monitors.
func (m *ownerMailbox) demonitor(mon Monitor) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.monitors.remove(mon)
}

// checkDown tells the monitors if the actor has stopped: protoactor takes
// a stopped actor out of the registry in its last system message. An
// indexed mailbox looks even with no monitor, to leave the index.
func (m *ownerMailbox) checkDown() {
	m.mu.Lock()
	if m.is(mbDown) || m.monitors.m == nil && !m.is(mbIndexed) || m.registered() {
		m.mu.Unlock()
		return
	}
	m.state.Or(mbDown)
	mon := m.monitors.take()
	m.mu.Unlock()
	ctx := m.invoker.(selfInfo) // registered is false only with one
	if m.is(mbIndexed) {
		m.unindex(ctx.ActorSystem(), ctx.Self())
	}
	tell(mon, ctx.Self())
}

// registered reports whether the mailbox's actor is still in its system's
// registry: its own process, not one spawned since under the same name.
// It looks as findMailbox does, through protoactor's field or, for an
// indexed mailbox, the index.
func (m *ownerMailbox) registered() bool {
	ctx, ok := m.invoker.(selfInfo)
	if !ok || ctx.Self() == nil {
		return true // not spawned yet
	}
	if !m.is(mbIndexed) && !mailboxField.ok {
		return true // cannot tell; and nothing finds it to monitor it
	}
	return lookupMailbox(ctx.ActorSystem(), ctx.Self(), m.is(mbIndexed)) == m
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

// The bits of an owner mailbox's state.
const (
	mbRunning   uint32 = 1 << iota // a runner has the mailbox: posters only schedule it if not
	mbSuspended                    // set and cleared by the runner
	mbSysRun                       // set and cleared by the runner
	mbPooled                       // run on workers, not by the dispatcher (see workers): set before the first message
	mbDown                         // set under mu: the actor stopped and monitors were told
	mbIndexed                      // in the index (the fast path was off at RegisterHandlers): set before the first message
)

// ownerMailbox is protoactor's default mailbox, run the same way (system
// messages first, suspension, throughput, a panic escalated, batches and
// middlewares), with a user queue behind a mutex so that takeMatching can
// search it.
type ownerMailbox struct {
	mu     sync.Mutex
	user   []any // user[head:] are queued
	system any   // nil, the one system message queued, or a *sysQueue of more

	userCount atomic.Int32
	sysCount  atomic.Int32
	state     atomic.Uint32 // mb* bits: one word, or the mailbox would take 16 more bytes
	head      int32         // guarded by mu

	// The actor's stop is told to its monitors (Monitor), once it is
	// down. Stopping goes through system messages: mbSysRun says that
	// one ran since the last look at the registry.
	monitors monitors // guarded by mu

	invoker    actor.MessageInvoker
	dispatcher actor.Dispatcher // a *hookedDispatcher if there are middlewares
}

// PostUserMessage queues msg. A MessageBatch, raw or in a
// *actor.MessageEnvelope, is posted as protoactor's default mailbox posts
// it: each of its messages first, as if posted one by one, then the batch
// itself.
func (m *ownerMailbox) PostUserMessage(msg any) {
	switch b := msg.(type) {
	case actor.MessageBatch:
		m.postBatch(b)
	case *actor.MessageEnvelope:
		if b, ok := b.Message.(actor.MessageBatch); ok {
			m.postBatch(b)
		}
	}
	for _, mw := range m.middlewares() {
		mw.MessagePosted(msg)
	}
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

// postBatch posts each message of b.
func (m *ownerMailbox) postBatch(b actor.MessageBatch) {
	for _, msg := range b.GetMessages() {
		m.PostUserMessage(msg)
	}
}

func (m *ownerMailbox) PostSystemMessage(msg any) {
	for _, mw := range m.middlewares() {
		mw.MessagePosted(msg)
	}
	m.mu.Lock()
	switch q := m.system.(type) {
	case nil: // the usual case, Started or Stop: nothing to allocate
		m.system = msg
	case *sysQueue:
		*q = append(*q, msg)
	default:
		m.system = &sysQueue{q, msg}
	}
	m.mu.Unlock()
	m.sysCount.Add(1)
	m.schedule()
}

// RegisterHandlers is called once the actor has its PID (and its process
// is registered under it, where findMailbox finds the mailbox). With the
// fast path off, the mailbox indexes itself here.
func (m *ownerMailbox) RegisterHandlers(invoker actor.MessageInvoker, dispatcher actor.Dispatcher) {
	m.invoker = invoker
	if h, ok := m.dispatcher.(*hookedDispatcher); ok {
		h.Dispatcher = dispatcher
	} else {
		m.dispatcher = dispatcher
	}
	// protoactor's default dispatcher starts a goroutine per schedule;
	// workers do its job without. A dispatcher of the user's own is kept.
	if dispatcher == actor.NewDefaultDispatcher(dispatcher.Throughput()) {
		m.state.Or(mbPooled)
	}
	if !fastPath.Load() {
		if ctx, ok := invoker.(selfInfo); ok && ctx.Self() != nil && m.index(ctx.ActorSystem(), ctx.Self()) {
			m.state.Or(mbIndexed)
		}
	}
}

// Start tells the middlewares that the mailbox has started.
func (m *ownerMailbox) Start() {
	for _, mw := range m.middlewares() {
		mw.MailboxStarted()
	}
}

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

// is reports whether the state bit b is set.
func (m *ownerMailbox) is(b uint32) bool { return m.state.Load()&b != 0 }

// acquire makes the caller the mailbox's runner, if it has none.
func (m *ownerMailbox) acquire() bool {
	for {
		v := m.state.Load()
		if v&mbRunning != 0 {
			return false
		}
		if m.state.CompareAndSwap(v, v|mbRunning) {
			return true
		}
	}
}

func (m *ownerMailbox) schedule() {
	if m.acquire() {
		if m.is(mbPooled) {
			workers.run(m)
		} else {
			m.dispatcher.Schedule(m.process)
		}
	}
}

func (m *ownerMailbox) process() {
	for {
		m.run()
		if m.is(mbSysRun) {
			m.state.And(^mbSysRun)
			m.checkDown()
		}
		suspended := m.is(mbSuspended) // as this runner leaves it
		m.state.And(^mbRunning)
		// A message may have come after run found the queues empty.
		user := m.userCount.Load()
		if m.sysCount.Load() == 0 && (suspended || user == 0) || !m.acquire() {
			// As protoactor's default mailbox leaves.
			if mws := m.middlewares(); mws != nil && user == 0 && !m.is(mbSuspended) {
				for _, mw := range mws {
					mw.MailboxEmpty()
				}
			}
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
	mws := m.middlewares()
	throughput := m.dispatcher.Throughput()
	for i := 0; ; i++ {
		if i > throughput {
			i = 0
			runtime.Gosched()
		}
		if msg = m.popSystem(); msg != nil {
			switch msg.(type) {
			case *actor.SuspendMailbox:
				m.state.Or(mbSuspended)
			case *actor.ResumeMailbox:
				m.state.And(^mbSuspended)
			default:
				// It may have stopped the actor: process looks at once,
				// before the queue is drained (checkDown).
				m.state.Or(mbSysRun)
				m.invoker.InvokeSystemMessage(msg)
				received(mws, msg)
				return
			}
			received(mws, msg)
			continue
		}
		if m.is(mbSuspended) {
			return
		}
		if msg = m.popUser(); msg == nil {
			return
		}
		m.invoker.InvokeUserMessage(msg)
		received(mws, msg)
	}
}

// received tells the middlewares that msg was received.
func received(mws []actor.MailboxMiddleware, msg any) {
	for _, mw := range mws {
		mw.MessageReceived(msg)
	}
}

func (m *ownerMailbox) popSystem() any {
	if m.sysCount.Load() == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var msg any
	switch q := m.system.(type) {
	case nil:
		return nil
	case *sysQueue:
		msg = (*q)[0]
		(*q)[0] = nil
		if *q = (*q)[1:]; len(*q) == 0 {
			m.system = nil
		}
	default:
		msg, m.system = q, nil
	}
	m.sysCount.Add(-1)
	return msg
}

// sysQueue is an owner mailbox's system messages when more than one
// waits. A system message is never a *sysQueue: they are protoactor's.
type sysQueue []any

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
