package ranch

import (
	"errors"
	"math/bits"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// Acceptors, Ranch's ranch_acceptor and ranch_acceptors_sup.
//
// An acceptor is a plain actor that never blocks: it accepts with
// socket.AsyncAccept and gets each connection as a message, as Ranch's
// loop gets it from gen_tcp:accept. Its loop is its messages:
//
//	take a slot for the next connection (the gate), or wait to be granted one
//	AsyncAccept
//	*socket.AcceptResult: the connection, given to the acceptor's holder,
//	    goes to the connection supervisor (a *handoff), and the acceptor
//	    waits for it to come back: the supervisor has started the handler
//	    and given it the socket; then round again
//	    with a PROXY header to read or a TLS handshake to run: the
//	    connection goes to a pending handshake of its own (pending.go),
//	    with its slot, and the acceptor goes round again at once
//	    closed: the listening socket closed, exit(closed)
//	    emfile, enfile, or another error: log, back off 100 ms, round again
//
// The holder is an otpactor.Process of the acceptor's, made when it starts
// and closed when it stops, with no goroutine: it owns each accepted
// socket from the accept to the hand-off, and never reads its queue. A
// handler may set its socket's active mode as soon as it starts, before
// it owns the socket: the port's messages then wait in the holder's
// queue, and controlling_process moves them all to the handler. (The
// acceptor itself, an actor, would take them out of its mailbox and drop
// them, and controlling_process can move only what is still queued.) A
// hand-off that fails closes the socket and drops its messages from the
// holder, so nothing is left there.
//
// Ranch's acceptor counts the connection after accept, and its connection
// supervisor holds it back at max_connections; here the slot is taken
// before accept, so that no acceptor accepts beyond the limit and the
// clients it does not accept wait in the kernel's backlog.
//
// The listening socket is opened by the acceptors' supervisor's start
// function, owned by the listener's supervisor, and closed when the
// acceptors' supervisor stops, so that each start of the acceptors listens
// anew, as Ranch's ranch_acceptors_sup does; the acceptors restarted
// within one supervisor share its socket. An acceptor that stops takes its
// pending accept with it (the port monitors it), and a connection it
// accepted and had not handed off yet closes with it (with its holder).

// acceptBackoff is how long an acceptor waits after accept fails.
const acceptBackoff = 100 * time.Millisecond

// acceptor is an acceptor's actor.
type acceptor struct {
	l      *Listener
	id     int
	ls     *socket.Socket
	tls    *ssl.Socket // the listening TLS socket over ls, when the listener serves TLS
	sys    *actor.ActorSystem
	self   *actor.PID
	hold   *otpactor.Process // owns each accepted socket until its hand-off
	state  acceptorState
	ref    socket.AsyncRef // the pending accept
	h      *handoff        // the hand-off under way, or the last one finished, for the next
	cs     *actor.PID      // the connection supervisor it monitors
	timer  *time.Timer     // the handshake's timeout, and the back-off
	expiry time.Time       // when the timer is due: it may have fired for an earlier wait
	// pending are the handshakes under way of the connections it
	// accepted (PROXY header, TLS), each on a goroutine of its own.
	pending sync.WaitGroup
	stop    chan struct{} // closed when the acceptor stops: pending hand-offs give up
}

// acceptorState is where an acceptor is in its loop.
type acceptorState uint8

const (
	waitingSlot acceptorState = iota // the gate grants it a slot
	accepting                        // its AsyncAccept answers
	handingOff                       // the connection supervisor sends its hand-off back
	backingOff                       // its timer fires
)

// note is what an acceptor is told: its timer fired, or the gate granted
// it a slot. (A small integer as an interface allocates nothing.)
type note uint8

const (
	fired note = iota
	granted
)

// connsDown tells an acceptor that the connection supervisor it monitors
// is gone.
type connsDown struct{ pid *actor.PID }

// IgnoreDeadLetterLogging keeps what is sent to an acceptor that has
// stopped out of protoactor's dead-letter log.
func (note) IgnoreDeadLetterLogging()       {}
func (*connsDown) IgnoreDeadLetterLogging() {}

// Receive is the acceptor's loop.
func (a *acceptor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.sys, a.self = ctx.ActorSystem(), ctx.Self()
		a.hold, _ = otpactor.NewProcess(a.sys) // fails only for a nil system
		a.stop = make(chan struct{})
		a.timer = time.AfterFunc(time.Hour, a.fire)
		a.timer.Stop()
		a.next(ctx)
	case note:
		switch {
		case m == granted && a.state == waitingSlot:
			a.accept(ctx)
		case m != fired || time.Now().Before(a.expiry): // a late word of an earlier wait
		case a.state == backingOff:
			a.next(ctx)
		case a.state == handingOff:
			a.giveUp(ctx, ErrHandshakeTimeout)
		}
	case *socket.AcceptResult:
		switch {
		case a.state == accepting && m.Ref == a.ref:
			a.accepted(ctx, m)
		case m.Socket != nil: // not one it waits for: no hand-off for it
			m.Socket.Close()
		}
	case *handoff:
		if a.state == handingOff && m == a.h {
			a.timer.Stop()
			a.next(ctx)
		}
	case *connsDown:
		if a.cs != nil && m.pid.Equal(a.cs) {
			a.cs = nil
			if a.state == handingOff {
				a.giveUp(ctx, supervisor.ErrNoProc)
			}
		}
	case *actor.Stopping:
		a.stopping()
	}
}

// next takes a slot for the next connection and accepts, or waits for
// the gate to grant one.
func (a *acceptor) next(ctx actor.Context) {
	a.state = waitingSlot
	if a.l.gate.reserve(a) {
		a.accept(ctx)
	}
}

// accept accepts, with the slot taken.
func (a *acceptor) accept(ctx actor.Context) {
	ref, err := a.ls.AsyncAccept(ctx, socket.Infinity)
	if err != nil {
		a.failed(err)
		return
	}
	a.state, a.ref = accepting, ref
}

// accepted hands the connection of r off, or backs off after an error.
func (a *acceptor) accepted(ctx actor.Context, r *socket.AcceptResult) {
	l := a.l
	if r.Err != nil {
		a.failed(r.Err)
		return
	}
	l.accepts.Add(1)
	var peer netip.AddrPort
	var at time.Time
	if l.events.peers() {
		peer, _ = r.Socket.Peername()
		at = time.Now()
	}
	l.events.Accept(AcceptEvent{Acceptor: a.id, Peer: peer})
	if a.h == nil {
		a.h = new(handoff)
	}
	h := a.h
	*h = handoff{l: l, sock: r.Socket, owner: a.hold, acceptor: a.self, peer: peer, accepted: at, id: a.id}
	// Passive until its handler sets an active mode: nothing is queued for
	// it at the acceptor, and from here on nothing is sent there.
	if err := r.Socket.ControllingProcess(ctx, a.hold.PID()); err != nil {
		a.drop(ctx, err) // closed under it: not seen
		return
	}
	if l.opts.ProxyHeader || a.tls != nil {
		a.h = nil // the pending handshake's, not to be reused
		a.handshake(h)
		a.next(ctx)
		return
	}
	a.handOff(ctx)
}

// handOff gives the connection accepted to its connection supervisor.
func (a *acceptor) handOff(ctx actor.Context) {
	l, h := a.l, a.h
	cs := l.connsSupOf(a.id)
	if cs == nil || !a.monitor(cs.PID()) {
		a.drop(ctx, supervisor.ErrNoProc)
		return
	}
	cs.Send(h)
	a.state = handingOff
	a.wait(l.opts.HandshakeTimeout)
}

// drop gives up the hand-off of the connection just accepted, for
// reason, and accepts again.
func (a *acceptor) drop(ctx actor.Context, reason error) {
	h := a.h
	a.h = nil
	a.l.dropHandoff(h, reason)
	a.next(ctx)
}

// wait sets the timer to fire in d.
func (a *acceptor) wait(d time.Duration) {
	a.expiry = time.Now().Add(d)
	a.timer.Reset(d)
}

// failed gives back the slot of an accept that failed: the acceptor exits
// if the listening socket has closed, as Ranch's exit(closed), and backs
// off otherwise.
func (a *acceptor) failed(err error) {
	a.l.gate.unreserve()
	a.state = backingOff // holding nothing
	if errors.Is(err, socket.ErrClosed) {
		supervisor.Exit(err)
	}
	a.l.acceptFailed(a.id, err)
	a.wait(acceptBackoff)
}

// giveUp stops waiting for the hand-off under way: one the connection
// supervisor has not taken is abandoned, and its socket closed; one it has
// taken it finishes without the acceptor, which goes on.
func (a *acceptor) giveUp(ctx actor.Context, reason error) {
	h := a.h
	switch {
	case h.abandon():
		a.l.dropHandoff(h, reason) // its message may still be in the supervisor's mailbox
	case !h.leave():
		return // finished as we gave up: its word is on its way
	}
	a.h = nil
	a.timer.Stop()
	a.next(ctx)
}

// stopping leaves the acceptor's loop where it is: a slot taken and not
// handed off goes back, a pending accept is cancelled, and a hand-off the
// connection supervisor has not taken is abandoned. The holder closes, and
// with it the sockets it still holds, which cuts the pending handshakes;
// it returns once their goroutines are gone (cutPending).
func (a *acceptor) stopping() {
	if a.timer == nil {
		if a.hold != nil {
			a.hold.Close()
		}
		return // stopped before it started
	}
	a.timer.Stop()
	l := a.l
	switch a.state {
	case waitingSlot:
		if !l.gate.leave(a) { // granted as it stopped
			l.gate.unreserve()
		}
	case accepting:
		// If the result is in the mailbox already, its connection closes
		// with the acceptor.
		a.ls.CancelAsync(a.ref)
		l.gate.unreserve()
	case handingOff:
		if a.h.abandon() {
			l.dropHandoff(a.h, supervisor.Shutdown)
		}
	}
	if a.cs != nil {
		otpactor.DemonitorPID(a.sys, a.cs, a)
	}
	a.cutPending()
}

// monitor makes the acceptor monitor cs, the connection supervisor it
// hands off to, if it does not already, and reports whether cs is alive.
func (a *acceptor) monitor(cs *actor.PID) bool {
	if cs.Equal(a.cs) {
		return true
	}
	if a.cs != nil {
		otpactor.DemonitorPID(a.sys, a.cs, a)
		a.cs = nil
	}
	alive, err := otpactor.MonitorPID(a.sys, cs, a)
	if err != nil || !alive {
		return false
	}
	a.cs = cs
	return true
}

// Down tells the acceptor that the connection supervisor it monitors is
// gone.
func (a *acceptor) Down(who *actor.PID) {
	a.sys.Root.Send(a.self, &connsDown{who})
}

// wake tells the acceptor that the gate has granted it a slot.
func (a *acceptor) wake() { a.sys.Root.Send(a.self, granted) }

// fire tells the acceptor that its timer has fired.
func (a *acceptor) fire() { a.sys.Root.Send(a.self, fired) }

// acceptorsSpec is the child spec of the acceptors' supervisor.
func (l *Listener) acceptorsSpec() supervisor.ChildSpec {
	return supervisor.ChildSpec{ID: "acceptors", Type: supervisor.Supervisor, Start: l.startAcceptors}
}

// startAcceptors opens the listening socket and starts the acceptors'
// supervisor, Ranch's ranch_acceptors_sup:init/1. While the listener is
// suspended it starts nothing (OTP's ignore): a restart by the listener's
// supervisor does not resume it.
func (l *Listener) startAcceptors(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
	if l.isSuspended() {
		return nil, supervisor.Ignore
	}
	// The acceptors' supervisor this start replaces is gone, but its
	// listening socket may not be closed yet: its monitors are told one
	// after the other, latest first, so the listener's supervisor, which
	// monitors it to terminate it, may restart it before its exit hook
	// (below) has closed the socket. Listening on the port before then
	// fails (eaddrinuse), and costs the listener a restart.
	l.waitListenerClosed()
	lss, tls, addr, closed, err := l.listenAll(ctx) // an error is reported by the supervisor (start_error), or to Resume
	if err != nil {
		return nil, err
	}
	l.events.ListenerStart(ListenerEvent{Addr: addr})
	n := l.opts.NumAcceptors
	specs := make([]supervisor.ChildSpec, n)
	for i := range specs {
		id := i + 1
		// Ranch's: acceptor id takes listening socket (id rem N) + 1.
		ls, tl := lss[id%len(lss)], tls[id%len(tls)]
		props := actor.PropsFromProducer(func() actor.Actor { return &acceptor{l: l, id: id, ls: ls, tls: tl} }, otpactor.WithOwnerMailbox())
		specs[i] = supervisor.ChildSpec{
			ID:       "acceptor-" + strconv.Itoa(id),
			Shutdown: supervisor.BrutalKill,
			Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
				return ctx.SpawnPrefix(props, "acceptor"), nil
			},
		}
	}
	r, err := supervisor.Start(ctx, supervisor.Flags{Intensity: supervisor.MaxRestarts(1+ceilLog2(n), 5*time.Second)}, specs)
	if err != nil {
		l.closeListener(lss, addr, closed)
		return nil, err
	}
	l.acceptors.Store(r)
	// Fails only for a nil argument; with r gone already it runs at once.
	_, _ = otpactor.OnExit(ctx.ActorSystem(), r.PID(), func() { l.closeListener(lss, addr, closed) })
	return r.PID(), nil
}

// ranchDefaults are ranch_tcp's defaults: the user's options come after
// them and win.
var ranchDefaults = []socket.Option{
	socket.Reuseaddr(true), socket.Backlog(1024), socket.Nodelay(true),
	socket.SendTimeout(30 * time.Second), socket.SendTimeoutClose(true),
}

// listenAll opens the listener's NumListenSockets listening sockets,
// Ranch's start_listen_sockets: the first on the listener's address, the
// others on the port it got (port 0 picks one for all). closeListener
// closes closed when it closes them.
func (l *Listener) listenAll(c socket.Caller) (lss []*socket.Socket, tls []*ssl.Socket, bound netip.AddrPort, closed chan struct{}, err error) {
	n := l.opts.NumListenSockets
	lss, tls = make([]*socket.Socket, 0, n), make([]*ssl.Socket, 0, n)
	for range n {
		ls, tl, addr, err := l.listen(c)
		if err != nil {
			for _, ls := range lss {
				ls.Close()
			}
			return nil, nil, netip.AddrPort{}, nil, err
		}
		lss, tls, bound = append(lss, ls), append(tls, tl), addr
	}
	closed = make(chan struct{})
	l.mu.Lock()
	l.ls, l.lsClosed = lss, closed
	l.mu.Unlock()
	return lss, tls, bound, closed, nil
}

// listen opens a listening socket, owned by c, on the listener's address:
// the port it got the first time, so that resuming or restarting keeps it.
func (l *Listener) listen(c socket.Caller) (ls *socket.Socket, tl *ssl.Socket, bound netip.AddrPort, err error) {
	opts := make([]socket.Option, 0, len(l.opts.SocketOptions)+8)
	opts = append(opts, ranchDefaults...)
	if l.opts.NumListenSockets > 1 {
		opts = append(opts, socket.Reuseport(true))
	}
	opts = append(opts, l.opts.SocketOptions...)
	l.mu.Lock()
	addr := l.addr
	l.mu.Unlock()
	if l.ip.IsValid() {
		opts = append(opts, socket.IP(l.ip))
	}
	// Passive until its handler owns it, as Ranch's handshake.
	opts = append(opts, socket.Active(socket.False))
	if l.opts.TLS != nil {
		// Its connections take the packet options once their handshake
		// is done, passive still.
		tl, err = ssl.Listen(c, int(addr.Port()), append(l.opts.TLS[:len(l.opts.TLS):len(l.opts.TLS)], ssl.SocketOptions(opts...))...)
		if err == nil {
			ls = tl.Socket()
		}
	} else {
		ls, err = socket.Listen(c, int(addr.Port()), opts...)
	}
	if err != nil {
		return nil, nil, netip.AddrPort{}, err
	}
	bound, err = ls.Sockname()
	if err != nil {
		ls.Close()
		return nil, nil, netip.AddrPort{}, err
	}
	l.mu.Lock()
	l.addr = bound
	l.mu.Unlock()
	return ls, tl, bound, nil
}

// closeListener closes the listening sockets, which answers the
// acceptors' pending accepts closed, reports it, and closes closed.
func (l *Listener) closeListener(lss []*socket.Socket, addr netip.AddrPort, closed chan struct{}) {
	for _, ls := range lss {
		ls.Close()
	}
	l.mu.Lock()
	if len(l.ls) > 0 && l.ls[0] == lss[0] {
		l.ls = nil
	}
	l.mu.Unlock()
	l.events.ListenerStop(ListenerEvent{Addr: addr})
	close(closed)
}

// waitListenerClosed returns once the latest listening socket is closed:
// once the acceptors' supervisor is gone, its exit hook closes it.
func (l *Listener) waitListenerClosed() {
	l.mu.Lock()
	closed := l.lsClosed
	l.mu.Unlock()
	if closed == nil {
		return
	}
	select {
	case <-closed:
		return
	default:
	}
	if testHookListenerWait != nil {
		testHookListenerWait()
	}
	<-closed
}

// testHookListenerWait, when a test sets it, is called by
// waitListenerClosed when it is about to wait.
var testHookListenerWait func()

// acceptFailed logs and reports a failed accept. Out of file descriptors,
// Ranch's acceptor reduces its accept rate; so does this one after any
// error, so that a lasting one cannot make it spin.
func (l *Listener) acceptFailed(id int, err error) {
	l.acceptErrors.Add(1)
	l.acceptError(AcceptErrorEvent{Acceptor: id, Err: err, Backoff: acceptBackoff})
}

// acceptError logs an accept error, unless the Events do (SlogEvents),
// and reports it.
func (l *Listener) acceptError(e AcceptErrorEvent) {
	if !l.quiet {
		l.logs.AcceptError(e)
	}
	l.events.AcceptError(e)
}

// ceilLog2 is ⌈log₂ n⌉ for n ≥ 1: Ranch's acceptors (and connection
// supervisors) may restart 1 + ⌈log₂ n⌉ times in 5 seconds.
func ceilLog2(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}
