package ranch

import (
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet/proxyproto"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
)

// Connections, Ranch's ranch_conns_sup, in two parts.
//
// Ranch's connection supervisor is a special process that supervises the
// connection processes and counts them, and holds back the acceptor that
// reached max_connections by not answering it. Here each connection
// supervisor is an ordinary SimpleOneForOne supervisor of package
// supervisor (Temporary children, the listener's shutdown policy) with
// hooks (supervisor.Hooks), and the count lives in the listener's gate,
// which both the acceptors and the connection supervisors reach:
//
//   - an acceptor takes a slot from the gate before it accepts, and waits
//     in the gate's queue while none is free (the gate tells it when one
//     is: a message), so the clients it does not accept wait in the
//     kernel's backlog;
//   - the hand-off runs inside the connection supervisor (its Receive
//     hook), as Ranch's start_protocol does: it starts the handler, turns
//     the acceptor's slot into a counted connection and makes the handler
//     the socket's owner;
//   - what the listener knows of a connection (its start, whether it
//     counts, its peer if the Events want it) is a conn, the value of the
//     handler's record in its connection supervisor, the one record of it
//     there is: only that supervisor's actor touches it;
//   - the supervisor tells the gate when a handler's record goes (its
//     Erased hook: the handler ended, or the supervisor stops), and
//     RemoveConnection asks the supervisor, as Ranch's does, to take a
//     connection out of the count; either frees a slot, which goes to the
//     first acceptor in the queue: one freed slot wakes exactly one
//     acceptor.
//
// Unlike Ranch's, the limit is the listener's, shared by all its
// connection supervisors, and it is exact: a slot is taken before accept,
// so no acceptor accepts beyond it (Ranch counts after accept, and each
// acceptor may go one connection over).

// gate counts a listener's connections against max_connections and queues
// the acceptors that wait for a slot. Its methods may be called from any
// goroutine. What it knows of each connection is in the handler's record
// in its connection supervisor (a conn), which only that supervisor's
// actor touches.
type gate struct {
	mu       sync.Mutex
	max      int
	active   int           // connections counted against max
	reserved int           // slots taken by acceptors for the connection they accept next
	all      int           // handlers admitted and not yet ended
	sleepers []sleeper     // acceptors waiting for a slot, first come first served
	idle     chan struct{} // closed when all falls to 0; nil until asked for
	epoch    time.Time     // what conn.start counts from
	last     time.Duration // the latest conn.start
}

// conn is what a listener keeps of one of its connections: the value of
// the handler's record in its connection supervisor (supervisor.Inside's
// SetValue), which only that supervisor's actor touches.
type conn struct {
	// start is when the gate admitted it, since the gate's epoch, and its
	// place in the order of admissions: no two are equal.
	start   time.Duration
	counted bool // counted against max: not removed
	started bool // ConnectionStart was reported
}

// peerConn is a conn with its peer's address, its socket and its
// hand-off's time, made only when the listener's Events may want them
// (for ConnectionStop): a connection of a listener without hooks costs 16
// bytes here, not 64.
type peerConn struct {
	conn
	peer      netip.AddrPort
	sock      *socket.Socket
	handshake time.Duration
}

// newConn returns the record of h's connection, the value to keep, and
// the conn in it.
func newConn(peers bool, h *handoff) (any, *conn) {
	if peers {
		pc := &peerConn{peer: h.peer, sock: h.sock, handshake: time.Since(h.accepted)}
		return pc, &pc.conn
	}
	c := new(conn)
	return c, c
}

// connOf returns the conn in a record's value, and its peerConn if it is
// one; a nil conn if there is none (the handler was not admitted).
func connOf(v any) (*conn, *peerConn) {
	switch c := v.(type) {
	case *peerConn:
		return &c.conn, c
	case *conn:
		return c, nil
	}
	return nil, nil
}

func newGate(max int) *gate {
	return &gate{max: max, epoch: time.Now()}
}

// sleeper is an acceptor waiting for a slot: wake tells it that it has
// one. wake is called with the gate's lock held, and must not block.
type sleeper interface{ wake() }

// reserve takes a slot for s's next connection, and reports true; while
// all are taken it queues s, reports false, and wakes s when it grants s
// a slot.
func (g *gate) reserve(s sleeper) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active+g.reserved < g.max {
		g.reserved++
		return true
	}
	g.sleepers = append(g.sleepers, s)
	return false
}

// leave takes s out of the queue, and reports false if it is not there:
// it has been granted a slot, which it must give back (unreserve).
func (g *gate) leave(s sleeper) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := slices.Index(g.sleepers, s)
	if i < 0 {
		return false
	}
	g.sleepers = slices.Delete(g.sleepers, i, i+1)
	return true
}

// unreserve gives back a slot that no connection took.
func (g *gate) unreserve() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reserved--
	g.wakeLocked()
}

// wakeLocked gives the free slots to the first waiting acceptors, one slot
// each. The caller holds g.mu.
func (g *gate) wakeLocked() {
	for len(g.sleepers) > 0 && g.active+g.reserved < g.max {
		s := g.sleepers[0]
		g.sleepers[0] = nil
		g.sleepers = g.sleepers[1:]
		g.reserved++
		s.wake()
	}
	if len(g.sleepers) == 0 {
		g.sleepers = nil
	}
}

// admit turns the acceptor's slot into the counted connection c, whose
// handler has just started.
func (g *gate) admit(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reserved--
	g.active++
	g.all++
	g.last = max(time.Since(g.epoch), g.last+1)
	c.start = g.last
	c.counted = true
}

// since returns how long c has lived.
func (g *gate) since(c *conn) time.Duration { return time.Since(g.epoch) - c.start }

// exited counts out c, whose handler has ended, and frees its slot if it
// was counted.
func (g *gate) exited(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.all--
	if c.counted {
		c.counted = false
		g.active--
		g.wakeLocked()
	}
	if g.all == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// remove takes c out of the count, once, Ranch's remove_connection.
func (g *gate) remove(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.counted {
		c.counted = false
		g.active--
		g.wakeLocked()
	}
}

// setMax changes the limit; a higher one wakes as many waiting acceptors
// as it frees slots.
func (g *gate) setMax(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.max = n
	g.wakeLocked()
}

// whenIdle returns a channel that is closed once no handler is left.
func (g *gate) whenIdle() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.all == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	return g.idle
}

// counts returns the limit, the counted connections and all of them.
func (g *gate) counts() (max, active, all int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.max, g.active, g.all
}

// waiting returns how many acceptors wait for a slot.
func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sleepers)
}

// handoff is an accepted socket on its way to its handler, the message an
// acceptor sends its connection supervisor, Ranch's start_protocol. Either
// the supervisor takes it, and finishes the hand-off or cleans up, or the
// acceptor abandons it, and cleans up: whoever wins owns the socket and
// the acceptor's slot.
//
// A supervisor that finishes a hand-off sends it back to the acceptor,
// which then accepts again (and reuses it for its next connection):
// unless the acceptor stopped waiting first (late), so that no word of a
// hand-off reaches the acceptor while it waits on a later one.
type handoff struct {
	l        *Listener
	sock     *socket.Socket
	owner    *otpactor.Process // the acceptor's holder: the socket's owner until the hand-off
	acceptor *actor.PID        // told when the hand-off is done, or nil:
	done     chan struct{}     // closed when it is done, for a pending handshake (pending.go)
	peer     netip.AddrPort
	accepted time.Time // when, if the listener's Events may want it (for Handshake)
	id       int       // the acceptor's
	state    atomic.Int32
	// proxy is the connection's PROXY header, when the listener reads
	// one (ListenerOptions.ProxyHeader).
	proxy *proxyproto.Header
	// selfArming: the handler sets its socket's active mode itself once
	// told that it owns the socket (a HandlerProtocol's, see
	// startContext).
	selfArming bool
}

// startContext is the context a Protocol's Start gets: the connection
// supervisor's, with the hand-off under way, so that a HandlerProtocol's
// Start, called by the listener or by a Protocol of the user's that wraps
// it, marks the hand-off as one whose handler is told when it owns its
// socket (and sets its active mode then).
type startContext struct {
	actor.SpawnerContext
	h *handoff
}

const (
	handoffPending   int32 = iota
	handoffTaken           // by the supervisor, which is starting its handler
	handoffAbandoned       // by the acceptor, before the supervisor took it
	handoffFinished        // by the supervisor: the acceptor is told on done
	handoffLate            // the acceptor stopped waiting for the supervisor
)

func (h *handoff) take() bool    { return h.state.CompareAndSwap(handoffPending, handoffTaken) }
func (h *handoff) abandon() bool { return h.state.CompareAndSwap(handoffPending, handoffAbandoned) }

// finish ends a hand-off the supervisor took, and sends it back to the
// acceptor (or tells its pending handshake) if it still waits.
func (h *handoff) finish() {
	if h.state.CompareAndSwap(handoffTaken, handoffFinished) {
		if h.done != nil {
			close(h.done)
			return
		}
		h.l.sys.Root.Send(h.acceptor, h)
	}
}

// leave stops the acceptor's wait for a hand-off the supervisor took. It
// reports false if the supervisor has finished it: then the hand-off is on
// its way back, and the acceptor waits for it.
func (h *handoff) leave() bool { return h.state.CompareAndSwap(handoffTaken, handoffLate) }

// IgnoreDeadLetterLogging keeps a hand-off to a stopped supervisor (the
// acceptor abandons it), or back to a stopped acceptor, out of
// protoactor's dead-letter log.
func (*handoff) IgnoreDeadLetterLogging() {}

// connsSupSpec is the child spec of the i-th connection supervisor.
func (l *Listener) connsSupSpec(i int) supervisor.ChildSpec {
	handler := supervisor.ChildSpec{
		Restart:  supervisor.Temporary,
		Shutdown: l.opts.Shutdown,
		Start: func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
			h := args[0].(*handoff)
			return l.proto.Start(&startContext{ctx, h}, l, h.sock)
		},
	}
	return supervisor.ChildSpec{
		ID:   "conns-" + strconv.Itoa(i+1),
		Type: supervisor.Supervisor,
		Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
			r, err := supervisor.StartWith(ctx, supervisor.Flags{Strategy: supervisor.SimpleOneForOne},
				[]supervisor.ChildSpec{handler}, supervisor.Hooks{Receive: l.connsReceive, Erased: l.connErased})
			if err != nil {
				return nil, err
			}
			l.connsSups[i].Store(r)
			return r.PID(), nil
		},
	}
}

// connsSupOf returns the current connection supervisor of acceptor id,
// Ranch's ranch_server:get_connections_sup(Ref, AcceptorId).
func (l *Listener) connsSupOf(id int) *supervisor.Ref {
	return l.connsSups[(id-1)%len(l.connsSups)].Load()
}

// connsReceive is the connection supervisors' Receive hook: it serves a
// hand-off, and RemoveConnection.
func (l *Listener) connsReceive(in supervisor.Inside, msg any) {
	switch m := msg.(type) {
	case *handoff:
		l.startProtocol(in, m)
	case *removeConn:
		l.removeConnection(in, m.pid)
	}
}

// startProtocol runs in a connection supervisor: it starts the handler,
// counts it, and makes it the socket's owner, Ranch's start_protocol and
// handshake.
func (l *Listener) startProtocol(in supervisor.Inside, h *handoff) {
	if !h.take() {
		return // the acceptor gave up on it
	}
	defer h.finish()
	pid, err := in.StartChildArgs(h) // a Temporary child's arguments are not kept
	if err == nil && pid == nil {
		err = supervisor.Ignore
	}
	if err != nil {
		l.dropHandoff(h, err)
		return
	}
	rec, c := newConn(l.events.peers(), h)
	l.gate.admit(c)
	l.alarms.admitted(l, h.id)
	in.SetValue(pid, rec)
	if err := h.sock.ControllingProcess(h.owner, pid); err != nil {
		// The handler is gone already, or the socket closed (as when the
		// acceptor stopped after giving up on a late hand-off): as Ranch,
		// close the socket and kill the handler, which frees the slot;
		// and report it as the other start failures.
		l.closeSocket(h)
		_ = in.TerminateChildPID(pid)
		l.startFailed(h, err)
		return
	}
	switch {
	case h.selfArming:
		l.sys.Root.Send(pid, handedOver{})
	case l.active != nil:
		_ = h.sock.SetOpts(socket.Active(*l.active)) // fails only if the socket has closed meanwhile
	}
	c.started = true
	ev := ConnectionEvent{PID: pid, Peer: h.peer}
	if _, pc := connOf(rec); pc != nil {
		ev.Handshake = pc.handshake
	}
	l.events.ConnectionStart(ev)
}

// connErased is the connection supervisors' Erased hook: the handler at
// pid has ended, or is considered gone, and v is its record's value.
func (l *Listener) connErased(pid *actor.PID, v any) {
	c, pc := connOf(v)
	if c == nil {
		return
	}
	l.gate.exited(c)
	if c.started {
		ev := ConnectionEvent{PID: pid, Duration: l.gate.since(c)}
		if pc != nil {
			ev.Peer, ev.Handshake, ev.Stats = pc.peer, pc.handshake, pc.sock.Counters()
		}
		l.events.ConnectionStop(ev)
	}
}

// removeConn asks a connection supervisor to take the connection of the
// handler at pid out of the count (RemoveConnection).
type removeConn struct{ pid *actor.PID }

// IgnoreDeadLetterLogging keeps a request to a stopped supervisor out of
// protoactor's dead-letter log: its connections are gone, and counted out.
func (*removeConn) IgnoreDeadLetterLogging() {}

// removeConnection is RemoveConnection in the connection supervisor of
// pid's handler.
func (l *Listener) removeConnection(in supervisor.Inside, pid *actor.PID) {
	if c, _ := connOf(in.Value(pid)); c != nil {
		l.gate.remove(c)
	}
}

// admission is a handler and when the gate admitted it.
type admission struct {
	pid   *actor.PID
	start time.Duration
}

// connections returns the handlers in a connection supervisor and when
// they were admitted.
func (l *Listener) connections(in supervisor.Inside) []admission {
	var out []admission
	for pid, v := range in.Children() {
		if c, _ := connOf(v); c != nil {
			out = append(out, admission{pid: pid, start: c.start})
		}
	}
	return out
}

// dropHandoff closes a socket that no handler took, gives back its slot,
// and logs and reports why.
func (l *Listener) dropHandoff(h *handoff, reason error) {
	l.closeSocket(h)
	l.gate.unreserve()
	l.startFailed(h, reason)
}

// startFailed counts, logs and reports a hand-off that failed for reason.
func (l *Listener) startFailed(h *handoff, reason error) {
	l.startErrors.Add(1)
	l.acceptError(AcceptErrorEvent{Acceptor: h.id, Err: &supervisor.Error{Op: "start_protocol", Err: reason}})
}

// dropHandshake gives up a connection whose PROXY header (op
// "proxy_header") or TLS handshake ("handshake") failed: its socket is
// closed, its slot freed, and an AcceptErrorEvent says why.
func (l *Listener) dropHandshake(h *handoff, op string, reason error) {
	l.closeSocket(h)
	l.gate.unreserve()
	l.acceptError(AcceptErrorEvent{Acceptor: h.id, Err: &supervisor.Error{Op: op, Err: reason}})
}

// closeSocket closes h's socket and drops what it sent the acceptor's
// holder.
func (l *Listener) closeSocket(h *handoff) {
	_ = h.sock.Close()
	h.owner.TakeMatching(h.sock.Match)
}
