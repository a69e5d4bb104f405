package actor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/otpnet/otpnet/inet"
)

// Infinity, as a Receive timeout, waits for as long as it takes, as
// Erlang's `after infinity` does. Any negative timeout means the same. It
// is the same value as inet.Infinity (and socket.Infinity).
const Infinity = inet.Infinity

// The errors of Receive, the same values as inet's (and socket's), so that
// errors.Is(err, socket.ErrTimeout) reads alike after s.Recv and
// p.Receive.
var (
	// ErrTimeout is what Receive and ReceiveFrom return when the time ran
	// out with no matching message: Erlang's `after T -> timeout`.
	ErrTimeout = inet.ErrTimeout
	// ErrClosed is what Receive, ReceiveFrom and ReceiveContext return once
	// the Process is closed and no queued message matches.
	ErrClosed = inet.ErrClosed
)

var (
	errNilSystem = errors.New("actor: nil actor system")
	errNilPID    = errors.New("actor: nil PID")
	errNilFunc   = errors.New("actor: nil func")
	errNoName    = errors.New("actor: empty process name")
)

// maxIdleCap is the largest queue capacity a Process keeps once its queue
// drains: a burst may grow the queue, an idle Process should not hold it.
const maxIdleCap = 1024

// Process is a mailbox with a real protoactor PID, owned by a plain
// goroutine: the goroutine that would be an Erlang process. Whatever is sent
// to PID (RootContext.Send, Context.Send, Request, RequestFuture, a socket's
// delivery) is appended to the Process's queue, and the owner takes messages
// out with Receive, Erlang's selective `receive ... after`. There is no
// goroutine behind a Process: it is registered in the actor system's
// ProcessRegistry, as a protoactor Future is, and the owner's own goroutine
// does the receiving.
//
// The queue is unbounded: a sender never blocks and never waits for the
// owner. Messages from one sender are queued in the order it sent them.
//
// A Process honours protoactor's system messages as an actor does: Watch
// and Unwatch maintain its watchers, every watcher gets *actor.Terminated
// when it is closed, Stop (RootContext.Stop, a supervisor) closes it, and a
// *actor.Terminated for a PID that it watches arrives in its queue as a
// message, as Erlang's 'DOWN' does. So anything that links to an owner
// through Watch, a socket port among them, treats a Process and an actor
// alike. (RootContext.Poison has no meaning here: its *actor.PoisonPill
// arrives as an ordinary message, for the owner to act on or not.)
//
// Concurrency: all methods may be called from any goroutine. Receive,
// ReceiveFrom and ReceiveContext are meant for the one goroutine that owns
// the Process, as only an Erlang process reads its own mailbox; calls from
// several goroutines at once are safe but take turns: while one receives,
// the others wait for it to return, each within its own timeout (so with a
// timeout of 0 they return ErrTimeout at once). Match functions, here
// and in TakeMatching, run with the Process's lock held: they must be quick
// and must not call the Process's methods or send to its PID, or they
// deadlock.
type Process struct {
	system *actor.ActorSystem
	pid    *actor.PID

	wake     chan struct{} // 1-buffered: a sender or Close wakes the waiting receiver
	turnFree chan struct{} // 1-buffered: a receiver leaving wakes one waiting its turn
	timer    *time.Timer   // reused by receivers; only the turn holder touches it

	mu sync.Mutex
	// The queued messages are q[head:], oldest first, as they were sent
	// (envelopes included, so senders and headers survive a move). q[:head]
	// is consumed and nil.
	q    []any
	head int
	// scanned counts the queued messages that the waiting receiver has
	// already rejected: BEAM's save pointer. A receiver that wakes tests
	// only the messages after them.
	scanned int
	waiting bool // the receiver is, or is about to be, blocked on wake
	// receiving is the turn: set while a goroutine is in Receive, from its
	// first look to its last. turnWaiters count the goroutines waiting for
	// it, which only misuse leads to.
	receiving   bool
	turnWaiters int
	closed      bool
	watchers    map[pidKey]*actor.PID
	monitors    monitors // MonitorPID's and OnExit's, told by Close
}

// registered is the Process as the ProcessRegistry sees it: it implements
// actor.Process, whose Stop(pid) would read as "stop pid" on Process itself.
type registered Process

var _ actor.Process = (*registered)(nil)

// pidKey identifies a PID as a map key, as protoactor's PIDSet does.
type pidKey struct{ address, id string }

func keyOf(pid *actor.PID) pidKey { return pidKey{pid.Address, pid.Id} }

// NewProcess registers a new Process in system, under a fresh id prefixed
// "process", and returns it. It fails only if system is nil. Close it when
// its goroutine is done with it, or it stays registered for good.
func NewProcess(system *actor.ActorSystem) (*Process, error) {
	if system == nil {
		return nil, errNilSystem
	}
	for {
		// A user may have taken the id by name: the next one is free.
		if p, err := register(system, "process"+system.ProcessRegistry.NextId()); err == nil {
			return p, nil
		}
	}
}

// NewNamedProcess is NewProcess under a name of the caller's choice, as
// Erlang's register/2 names a process. It fails with actor.ErrNameExists if
// an actor or Process of that name is already registered.
func NewNamedProcess(system *actor.ActorSystem, name string) (*Process, error) {
	if system == nil {
		return nil, errNilSystem
	}
	if name == "" {
		return nil, errNoName
	}
	return register(system, name)
}

// Spawn runs fn in a new goroutine as a new Process, and returns the
// Process's PID: Erlang's spawn/1. The Process is closed when fn returns
// or panics, so that the sockets it owns close, as an Erlang process's
// ports do, and its monitors and watchers are told. A panic is not
// re-raised (it would end the program): it is logged, with its stack,
// through the actor system's logger at error level, as Erlang's crash
// report, before the Process closes. Spawn fails only for a nil system or
// fn.
func Spawn(system *actor.ActorSystem, fn func(p *Process)) (*actor.PID, error) {
	if fn == nil {
		return nil, errNilFunc
	}
	p, err := NewProcess(system)
	if err != nil {
		return nil, err
	}
	go p.run(fn)
	return p.pid, nil
}

// run is the goroutine of a spawned Process.
func (p *Process) run(fn func(p *Process)) {
	defer p.Close()
	defer func() {
		if r := recover(); r != nil {
			p.system.Logger().Error("crash report",
				slog.String("pid", p.pid.String()),
				slog.String("reason", fmt.Sprint(r)),
				slog.String("stack", string(debug.Stack())))
		}
	}()
	fn(p)
}

func register(system *actor.ActorSystem, id string) (*Process, error) {
	p := &Process{
		system:   system,
		pid:      system.NewLocalPID(id),
		wake:     make(chan struct{}, 1),
		turnFree: make(chan struct{}, 1),
	}
	if _, ok := system.ProcessRegistry.Add((*registered)(p), id); !ok {
		return nil, actor.ErrNameExists
	}
	return p, nil
}

// FindProcess returns the Process registered in system under pid, if pid
// names a live, local Process rather than an actor. A socket port moving its
// messages to a new owner uses it to reach the old owner's queue.
func FindProcess(system *actor.ActorSystem, pid *actor.PID) (*Process, bool) {
	if system == nil || pid == nil {
		return nil, false
	}
	ref, ok := system.ProcessRegistry.Get(pid)
	if !ok {
		return nil, false
	}
	r, ok := ref.(*registered)
	return (*Process)(r), ok
}

// PID returns the Process's PID: send to it, watch it, hand it to a socket
// as its owner.
func (p *Process) PID() *actor.PID { return p.pid }

// Self returns the Process's PID, as actor.Context's Self does: with
// ActorSystem it makes a Process the caller of a socket call, the self()
// that owns the socket it opens.
func (p *Process) Self() *actor.PID { return p.pid }

// ActorSystem returns the actor system the Process belongs to.
func (p *Process) ActorSystem() *actor.ActorSystem { return p.system }

// Receive is Erlang's selective receive with a timeout,
//
//	receive Pattern -> Msg after Timeout -> timeout end
//
// with match as Pattern: it returns the first queued message, in arrival
// order, for which match reports true, removes it from the queue and
// leaves every other message where it was. A nil match accepts any
// message. If no queued message matches, Receive waits up to timeout for
// one to arrive; a timeout of 0 only looks (`after 0`), and Infinity or
// any negative timeout waits with no limit.
//
// It returns ErrTimeout if the time ran out (or, with a timeout of 0,
// another goroutine was receiving), and ErrClosed if the Process is
// closed and no queued message matches: messages queued before Close stay
// receivable, and Close wakes a Receive that waits, at once. Both are the
// same values as socket.ErrTimeout and socket.ErrClosed.
//
// Messages sent in a MessageEnvelope are unwrapped: match sees, and Receive
// returns, the message inside. ReceiveFrom returns the sender too.
//
// While it waits, Receive tests each new arrival once, never again the
// messages it has already rejected, so a long queue of unmatched messages
// costs nothing per arrival.
func (p *Process) Receive(match func(msg any) bool, timeout time.Duration) (msg any, err error) {
	raw, err := p.receive(match, timeout, nil)
	if err != nil {
		return nil, err
	}
	return actor.UnwrapEnvelopeMessage(raw), nil
}

// ReceiveFrom is Receive that also returns the message's sender: the PID
// that Request, RequestFuture or RequestWithCustomSender named, to reply to;
// nil for a message sent with Send.
func (p *Process) ReceiveFrom(match func(msg any) bool, timeout time.Duration) (msg any, sender *actor.PID, err error) {
	raw, err := p.receive(match, timeout, nil)
	if err != nil {
		return nil, nil, err
	}
	_, msg, sender = actor.UnwrapEnvelope(raw)
	return msg, sender, nil
}

// ReceiveContext is ReceiveFrom that waits until ctx is done instead of for
// a timeout. It returns ctx.Err() if ctx ends first, and ErrClosed if the
// Process is closed and no queued message matches.
func (p *Process) ReceiveContext(ctx context.Context, match func(msg any) bool) (msg any, sender *actor.PID, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	raw, err := p.receive(match, Infinity, ctx.Done())
	switch {
	case err == ErrTimeout: // done fired
		return nil, nil, ctx.Err()
	case err != nil:
		return nil, nil, err
	}
	_, msg, sender = actor.UnwrapEnvelope(raw)
	return msg, sender, nil
}

// receive is the one receive loop: it returns the raw queued message, or
// ErrTimeout when timeout expired or done fired, or ErrClosed.
func (p *Process) receive(match func(any) bool, timeout time.Duration, done <-chan struct{}) (any, error) {
	msg, r := p.poll(match, true, timeout != 0)
	if r == busy {
		msg, r, timeout = p.takeTurn(match, timeout, done)
	}
	switch {
	case r == found:
		return msg, nil
	case r == closed:
		return nil, ErrClosed
	case r == busy || timeout == 0:
		return nil, ErrTimeout
	}
	// Nothing yet: this goroutine holds the turn and is armed to be woken.
	var expired <-chan time.Time
	if timeout > 0 {
		if p.timer == nil {
			p.timer = time.NewTimer(timeout)
		} else {
			p.timer.Reset(timeout)
		}
		defer p.timer.Stop()
		expired = p.timer.C
	}
	for {
		arm := true
		select {
		case <-p.wake:
		case <-expired:
			arm = false
		case <-done:
			arm = false
		}
		// One last look when the time is up: a message that came in as the
		// timer fired is still a message in time.
		msg, r := p.poll(match, false, arm)
		switch {
		case r == found:
			return msg, nil
		case r == closed:
			return nil, ErrClosed
		case !arm:
			return nil, ErrTimeout
		}
	}
}

// takeTurn waits, within timeout or until done, for the goroutine receiving
// ahead of this one to finish (a misuse, but a safe one), then takes its
// first look as receive does. It returns what poll returned, busy if the
// time ran out first, and the time left.
func (p *Process) takeTurn(match func(any) bool, timeout time.Duration, done <-chan struct{}) (any, pollResult, time.Duration) {
	if timeout == 0 {
		return nil, busy, 0
	}
	var expired <-chan time.Time
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	for {
		ok := true
		select {
		case <-p.turnFree:
		case <-expired:
			ok = false
		case <-done:
			ok = false
		}
		p.mu.Lock()
		p.turnWaiters--
		p.mu.Unlock()
		if !ok {
			return nil, busy, 0
		}
		if timeout > 0 {
			timeout = max(time.Until(deadline), 0)
		}
		// Another goroutine may have taken the turn first: then wait again.
		if msg, r := p.poll(match, true, timeout != 0); r != busy || timeout == 0 {
			return msg, r, timeout
		}
	}
}

// pollResult is what a look at the queue found.
type pollResult int

const (
	found  pollResult = iota // a match, taken out
	none                     // no match
	closed                   // no match, and the Process is closed
	busy                     // another goroutine holds the turn
)

// poll takes the first matching message: among all queued messages on
// receive's first look (which takes the turn, or finds it busy), else among
// those that arrived since the last look. If none matches and arm is set,
// the receiver keeps the turn and is marked as waiting, so that the next
// delivery wakes it; otherwise poll gives the turn back.
func (p *Process) poll(match func(any) bool, first, arm bool) (msg any, r pollResult) {
	p.mu.Lock()
	release := true // also if match panics: the next receiver must get a turn
	defer func() {
		if release {
			p.releaseTurn()
		}
		p.mu.Unlock()
	}()
	if first {
		if p.receiving {
			release = false
			if arm {
				p.turnWaiters++ // takeTurn will wait
			}
			return nil, busy
		}
		p.receiving = true
		p.scanned = 0
	}
	// A match is never among the scanned, so removeAt need not move scanned.
	p.waiting = false
	for i := p.head + p.scanned; i < len(p.q); i++ {
		if match == nil || match(actor.UnwrapEnvelopeMessage(p.q[i])) {
			return p.removeAt(i), found
		}
	}
	p.scanned = len(p.q) - p.head
	if p.closed {
		return nil, closed
	}
	if arm {
		release = false
		p.waiting = true
		// Forget a wake-up meant for an earlier wait, so as not to rescan
		// for nothing.
		select {
		case <-p.wake:
		default:
		}
	}
	return nil, none
}

// releaseTurn ends a receive, and hands the turn to a goroutine waiting for
// it, if any. p.mu is held.
func (p *Process) releaseTurn() {
	p.receiving = false
	p.waiting = false
	if p.turnWaiters > 0 {
		select {
		case p.turnFree <- struct{}{}:
		default: // one is on its way already
		}
	}
}

// removeAt removes and returns q[i], shifting whichever side of it is
// shorter: a selective receive mostly takes a message near the front.
func (p *Process) removeAt(i int) any {
	msg := p.q[i]
	if i-p.head < len(p.q)-1-i {
		copy(p.q[p.head+1:i+1], p.q[p.head:i])
		p.q[p.head] = nil
		p.head++
	} else {
		copy(p.q[i:], p.q[i+1:])
		p.q[len(p.q)-1] = nil
		p.q = p.q[:len(p.q)-1]
	}
	if p.head == len(p.q) {
		p.reset()
	}
	return msg
}

// reset empties the (already cleared) queue, keeping its storage unless a
// burst left it large.
func (p *Process) reset() {
	if cap(p.q) > maxIdleCap {
		p.q = nil
	} else {
		p.q = p.q[:0]
	}
	p.head, p.scanned = 0, 0
}

// push appends msg to the queue. When the storage is full and at least half
// of it is consumed, it slides the queue to the front instead of growing,
// so a steady stream allocates nothing.
func (p *Process) push(msg any) {
	if len(p.q) == cap(p.q) && p.head > 0 && p.head >= len(p.q)/2 {
		n := copy(p.q, p.q[p.head:])
		clear(p.q[n:])
		p.q = p.q[:n]
		p.head = 0
	}
	p.q = append(p.q, msg)
}

// signal wakes the receiver; a wake-up already pending will do.
func (p *Process) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// put appends msgs to the queue, with no other message between them, and
// wakes the receiver if it waits. Once p is closed it queues nothing and
// reports false.
func (p *Process) put(msgs ...any) bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	for _, m := range msgs {
		p.push(m)
	}
	wake := p.waiting
	p.waiting = false
	p.mu.Unlock()
	if wake {
		p.signal()
	}
	return true
}

// Len returns the number of queued messages, as Erlang's
// process_info(Pid, message_queue_len) does.
func (p *Process) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.q) - p.head
}

// TakeMatching removes from the queue, in one step, every message for
// which match reports true, and returns them in arrival order; the others
// keep their order. A nil match takes everything. The messages are returned
// as they were sent: one sent in a MessageEnvelope comes back in it (match
// sees the message inside), so its sender moves with it.
//
// TakeMatching and Enqueue are what gen_tcp:controlling_process needs when
// a Process is the old or the new owner of a socket. The port must make
// each of its deliveries, and the change of owner, under one lock of its
// own; then, for a move from old to new:
//
//	port.mu.Lock()             // no delivery for this socket now
//	moved := old.TakeMatching(port.isMine)
//	new.Enqueue(moved...)      // or Send each, in order, to an actor
//	port.owner = new.PID()
//	port.mu.Unlock()           // later deliveries go to new, after moved
//
// Nothing for the socket can reach new before the moved messages, because
// nothing for it is delivered at all until the owner changes, and every
// delivery the port made to old is already in old's queue (a send to a
// Process or to a protoactor mailbox queues before it returns). Enqueue
// appends at the back of new's queue, which is enough: Erlang orders
// messages per sender, and the port is the only sender of its messages.
func (p *Process) TakeMatching(match func(msg any) bool) []any {
	p.mu.Lock()
	defer p.mu.Unlock()
	var taken []any
	n, scanned := p.head, 0
	for i := p.head; i < len(p.q); i++ {
		msg := p.q[i]
		if match == nil || match(actor.UnwrapEnvelopeMessage(msg)) {
			taken = append(taken, msg)
			continue
		}
		if i-p.head < p.scanned {
			scanned++ // still rejected by the waiting receiver
		}
		p.q[n] = msg
		n++
	}
	clear(p.q[n:])
	p.q = p.q[:n]
	p.scanned = scanned
	if p.head == len(p.q) {
		p.reset()
	}
	return taken
}

// Enqueue appends msgs to the queue, in order and with no other message
// between them, as if each had been sent to PID. Once the Process is closed
// they go to dead letters, as sends do. See TakeMatching for its use.
func (p *Process) Enqueue(msgs ...any) {
	if len(msgs) == 0 || p.put(msgs...) {
		return
	}
	for _, m := range msgs {
		p.system.DeadLetter.SendUserMessage(p.pid, m)
	}
}

// Request sends msg to pid with the Process as its sender, so that an actor
// can answer with ctx.Respond and the answer lands in the Process's queue:
// Erlang's `Pid ! {self(), Msg}`. A nil pid is a no-op.
func (p *Process) Request(pid *actor.PID, msg any) {
	if pid == nil {
		return
	}
	p.system.Root.RequestWithCustomSender(pid, msg, p.pid)
}

// Watch asks the actor or Process at pid to send the Process an
// *actor.Terminated when it stops, as Erlang's monitor(process, Pid) asks
// for a 'DOWN' message; the Terminated arrives in the queue like any
// message, to Receive. If pid is already gone, it arrives at once, with
// Why actor.TerminatedReason_NotFound. Watch is a no-op for a nil pid or
// a closed Process.
//
// Watch is the message form of monitor/2, as an actor's ctx.Watch is;
// MonitorPID is its callback form, which queues nothing and calls a
// Monitor's Down instead.
func (p *Process) Watch(pid *actor.PID) {
	if pid == nil || p.Closed() {
		return
	}
	sendSystem(p.system, pid, &actor.Watch{Watcher: p.pid})
}

// Unwatch undoes Watch, as demonitor/1 does. A Terminated already queued
// stays queued. Unwatch is a no-op for a nil pid or a closed Process.
func (p *Process) Unwatch(pid *actor.PID) {
	if pid == nil || p.Closed() {
		return
	}
	sendSystem(p.system, pid, &actor.Unwatch{Watcher: p.pid})
}

// Closed reports whether the Process is closed. A Process never reopens.
// (Receive's ErrClosed already says so; Closed is for a goroutine that
// does not receive.)
func (p *Process) Closed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// OnExit registers f to run once when the Process is closed, before its
// watchers are told, on the goroutine that closes it; cancel unregisters f
// if it has not run yet. f is one of the Process's monitors (MonitorPID),
// and they are told in reverse order of registration, as deferred calls
// run. If the Process is already closed, f runs before OnExit returns, so
// the caller must not hold a lock that f takes. A nil f is a no-op.
//
// OnExit is the direct form of the package function OnExit, which does the
// same for any PID, actor or Process.
func (p *Process) OnExit(f func()) (cancel func()) {
	if f == nil {
		return func() {}
	}
	e := &exitFunc{f}
	if !p.monitor(e) {
		f()
		return func() {}
	}
	return func() { p.demonitor(e) }
}

// monitor adds mon to the monitors, and reports false (adding nothing) if
// the Process is closed.
func (p *Process) monitor(mon Monitor) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.monitors.add(mon)
	return true
}

// demonitor takes mon out of the monitors.
func (p *Process) demonitor(mon Monitor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.monitors.remove(mon)
}

// Close closes the Process, as an Erlang process exits: it leaves the
// ProcessRegistry, tells its monitors (MonitorPID, OnExit hooks), latest
// first, then sends
// *actor.Terminated{Who: PID(), Why: actor.TerminatedReason_Stopped} to
// every watcher. A goroutine blocked in Receive returns at once, and
// Closed reports true from then on. Messages already
// queued stay receivable; messages sent later go to the actor system's dead
// letters, which log them no more than protoactor's throttle allows (and
// never messages implementing actor.IgnoreDeadLetterLogging). Close is
// idempotent: a later or concurrent call returns at once, perhaps before the
// first has finished telling the monitors.
func (p *Process) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	watchers := p.watchers
	p.watchers = nil
	mon := p.monitors.take()
	p.waiting = false
	p.mu.Unlock()

	p.system.ProcessRegistry.Remove(p.pid)
	p.signal() // whether or not a receiver waits: a spare wake-up is harmless
	tell(mon, p.pid)
	if len(watchers) > 0 {
		t := &actor.Terminated{Who: p.pid, Why: actor.TerminatedReason_Stopped}
		for _, w := range watchers {
			sendSystem(p.system, w, t)
		}
	}
}

// SendUserMessage queues message, or passes it to dead letters once the
// Process is closed.
func (r *registered) SendUserMessage(pid *actor.PID, message any) {
	if !(*Process)(r).put(message) {
		r.system.DeadLetter.SendUserMessage(pid, message)
	}
}

// SendSystemMessage handles what protoactor sends a process: watches,
// Terminated from what it watches, and Stop.
func (r *registered) SendSystemMessage(_ *actor.PID, message any) {
	p := (*Process)(r)
	switch m := message.(type) {
	case *actor.Watch:
		p.addWatcher(m.Watcher)
	case *actor.Unwatch:
		if m.Watcher == nil {
			return
		}
		p.mu.Lock()
		delete(p.watchers, keyOf(m.Watcher))
		p.mu.Unlock()
	case *actor.Terminated:
		// An actor gets Terminated as a message; so does a Process. Once
		// closed, nobody will read it: drop it quietly.
		p.put(m)
	case *actor.Stop:
		p.Close()
	}
	// Started, Restart, Failure and the mailbox messages concern actors.
}

// Stop closes the Process: RootContext.Stop(p.PID()) ends up here.
func (r *registered) Stop(*actor.PID) { (*Process)(r).Close() }

func (p *Process) addWatcher(w *actor.PID) {
	if w == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		// As an actor answers a Watch once it is stopping.
		sendSystem(p.system, w, &actor.Terminated{Who: p.pid, Why: actor.TerminatedReason_Stopped})
		return
	}
	if p.watchers == nil {
		p.watchers = make(map[pidKey]*actor.PID)
	}
	p.watchers[keyOf(w)] = w
	p.mu.Unlock()
}

// sendSystem sends a system message to pid, which protoactor offers only
// unexported: through the registry, or dead letters if pid is gone (which
// answer a Watch with Terminated).
func sendSystem(system *actor.ActorSystem, pid *actor.PID, msg any) {
	ref, _ := system.ProcessRegistry.Get(pid)
	ref.SendSystemMessage(pid, msg)
}
