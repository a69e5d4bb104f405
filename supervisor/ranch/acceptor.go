package ranch

import (
	"errors"
	"log/slog"
	"math/bits"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
	"golang.org/x/sys/unix"
)

// Acceptors, Ranch's ranch_acceptor and ranch_acceptors_sup.
//
// socket.Accept blocks its caller, and an actor that blocks in its
// Receive cannot be stopped (protoactor's Stop waits for Receive to
// return). So an acceptor is two things:
//
//   - an actor, the child that its supervisor starts, restarts and stops;
//   - an accept loop, a goroutine that the actor starts when it starts and
//     stops when it stops (it closes quit in its Stopping handler). The
//     loop accepts as a process of its own, an actor.Process, so that the
//     accepted socket has a live owner until the hand-off, whatever
//     happens to the actor.
//
// The loop takes a slot from the gate, accepts, and hands the socket off
// (conns.go); it backs off for acceptBackoff when accept fails, EMFILE and
// ENFILE included; and it ends when quit closes, or when the listening
// socket closes, which it reports to its actor, which then exits with
// that reason, as Ranch's exit(closed). Once quit is closed, the loop
// returns at its next step: at once from the gate's queue or a back-off,
// but from accept only when a connection comes (which it still hands off)
// or the listening socket closes, which no Go code can hasten without
// closing it for every acceptor. The listening socket closes when the
// acceptors' supervisor ends, so that Stop, Suspend and any restart of
// the acceptors' supervisor wait for every loop to return; a loop left
// behind by a lone acceptor's restart accepts at most one more connection.
//
// The listening socket is opened by the acceptors' supervisor's start
// function, owned by the listener's supervisor, and closed when the
// acceptors' supervisor stops, so that each start of the acceptors listens
// anew, as Ranch's ranch_acceptors_sup does; the acceptors restarted
// within one supervisor share its socket.

// acceptBackoff is how long an acceptor waits after accept fails.
const acceptBackoff = 100 * time.Millisecond

// acceptor is an acceptor's actor.
type acceptor struct {
	l    *Listener
	id   int
	ls   *socket.Socket
	quit chan struct{}
}

// acceptorDown tells an acceptor that its accept loop has ended by itself.
type acceptorDown struct{ reason error }

// IgnoreDeadLetterLogging keeps the report of a loop whose acceptor is gone
// out of protoactor's dead-letter log.
func (*acceptorDown) IgnoreDeadLetterLogging() {}

// Receive starts the accept loop, stops it, and exits when it ends.
func (a *acceptor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.quit = make(chan struct{})
		a.l.loops.add()
		go a.l.acceptLoop(a.id, a.ls, ctx.Self(), a.quit)
	case *acceptorDown:
		supervisor.Exit(m.reason)
	case *actor.Stopping:
		if a.quit != nil {
			close(a.quit)
			a.quit = nil
		}
	}
}

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
	ls, addr, err := l.listen(ctx) // an error is reported by the supervisor (start_error), or to Resume
	if err != nil {
		return nil, err
	}
	l.events.ListenerStart(ListenerEvent{Addr: addr})
	n := l.opts.NumAcceptors
	specs := make([]supervisor.ChildSpec, n)
	for i := range specs {
		id := i + 1
		props := actor.PropsFromProducer(func() actor.Actor { return &acceptor{l: l, id: id, ls: ls} })
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
		l.closeListener(ls, addr)
		return nil, err
	}
	l.acceptors.Store(r)
	// Fails only for a nil argument; with r gone already it runs at once.
	_, _ = otpactor.OnExit(ctx.ActorSystem(), r.PID(), func() { l.closeListener(ls, addr) })
	return r.PID(), nil
}

// ranchDefaults are ranch_tcp's defaults: the user's options come after
// them and win.
var ranchDefaults = []socket.Option{
	socket.Reuseaddr(true), socket.Backlog(1024), socket.Nodelay(true),
	socket.SendTimeout(30 * time.Second), socket.SendTimeoutClose(true),
}

// listen opens the listening socket, owned by c, on the listener's address:
// the port it got the first time, so that resuming or restarting keeps it.
func (l *Listener) listen(c socket.Caller) (*socket.Socket, netip.AddrPort, error) {
	opts := make([]socket.Option, 0, len(l.opts.SocketOptions)+7)
	opts = append(opts, ranchDefaults...)
	opts = append(opts, l.opts.SocketOptions...)
	l.mu.Lock()
	addr := l.addr
	l.mu.Unlock()
	if l.ip.IsValid() {
		opts = append(opts, socket.IP(l.ip))
	}
	// Passive until its handler owns it, as Ranch's handshake.
	opts = append(opts, socket.Active(socket.False))
	ls, err := socket.Listen(c, int(addr.Port()), opts...)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	bound, err := ls.Sockname()
	if err != nil {
		ls.Close()
		return nil, netip.AddrPort{}, err
	}
	l.mu.Lock()
	l.addr = bound
	l.ls = ls
	l.mu.Unlock()
	return ls, bound, nil
}

// closeListener closes the listening socket, which ends the accept loops,
// and reports it.
func (l *Listener) closeListener(ls *socket.Socket, addr netip.AddrPort) {
	ls.Close()
	l.mu.Lock()
	if l.ls == ls {
		l.ls = nil
	}
	l.mu.Unlock()
	l.events.ListenerStop(ListenerEvent{Addr: addr})
}

// acceptLoop is acceptor id's loop: it accepts on ls until quit closes or
// ls closes. self is the acceptor's actor, told when the loop ends by
// itself.
func (l *Listener) acceptLoop(id int, ls *socket.Socket, self *actor.PID, quit <-chan struct{}) {
	defer l.loops.done()
	var reason error
	held := false // a slot is ours, not yet handed off
	defer func() {
		if v := recover(); v != nil {
			reason = &supervisor.PanicError{Value: v}
		}
		if held {
			l.gate.unreserve()
		}
		if reason != nil && !closed(quit) {
			l.sys.Root.Send(self, &acceptorDown{reason: reason})
		}
	}()
	p, err := otpactor.NewProcess(l.sys)
	if err != nil {
		reason = err
		return
	}
	defer p.Close() // and with it a socket accepted but not handed off

	// Each hand-off resets the timer for its handshake timeout, and the
	// connection supervisor tells on done when it has finished one; then
	// its message is free for the next.
	done := make(chan struct{}, 1)
	var h *handoff
	handshake := time.NewTimer(l.opts.HandshakeTimeout)
	handshake.Stop()
	for !closed(quit) {
		if !l.gate.reserve(quit) {
			return
		}
		held = true
		s, err := ls.Accept(p, socket.Infinity)
		if err != nil {
			held = false
			l.gate.unreserve()
			if errors.Is(err, socket.ErrClosed) {
				reason = err
				return
			}
			l.acceptFailed(id, err)
			if !sleep(quit, acceptBackoff) {
				return
			}
			continue
		}
		l.accepts.Add(1)
		var peer netip.AddrPort
		if l.events.peers() {
			peer, _ = s.Peername()
		}
		l.events.Accept(AcceptEvent{Acceptor: id, Peer: peer})
		held = false // the hand-off takes the slot
		if h == nil {
			h = new(handoff)
		}
		*h = handoff{l: l, sock: s, owner: p, peer: peer, acceptor: id, done: done}
		if !l.handOff(h, handshake, done) {
			h = nil
		}
	}
}

// acceptFailed logs and reports a failed accept. Out of file descriptors,
// Ranch's acceptor reduces its accept rate; so does this one after any
// error, so that a lasting one cannot make it spin.
func (l *Listener) acceptFailed(id int, err error) {
	l.acceptErrors.Add(1)
	msg := "acceptor reducing accept rate: accept failed"
	if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
		msg = "acceptor reducing accept rate: out of file descriptors"
	}
	l.log.Warn(msg,
		slog.String("listener", l.Addr().String()),
		slog.Int("acceptor", id),
		slog.String("reason", inet.Reason(err)),
		slog.Duration("backoff", acceptBackoff))
	l.events.AcceptError(AcceptErrorEvent{Acceptor: id, Err: err, Backoff: acceptBackoff})
}

// sleep waits d, and reports false if quit closes first.
func sleep(quit <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-quit:
		return false
	}
}

// closed reports whether c is closed.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// ceilLog2 is ⌈log₂ n⌉ for n ≥ 1: Ranch's acceptors (and connection
// supervisors) may restart 1 + ⌈log₂ n⌉ times in 5 seconds.
func ceilLog2(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// loopGroup counts running accept loops, so that Stop and Suspend can wait
// for them. Unlike a sync.WaitGroup, it may grow while someone waits.
type loopGroup struct {
	mu   sync.Mutex
	n    int
	zero chan struct{}
}

func (g *loopGroup) add() {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
}

func (g *loopGroup) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.zero != nil {
		close(g.zero)
		g.zero = nil
	}
}

// wait returns once no loop runs.
func (g *loopGroup) wait() {
	g.mu.Lock()
	if g.n == 0 {
		g.mu.Unlock()
		return
	}
	if g.zero == nil {
		g.zero = make(chan struct{})
	}
	z := g.zero
	g.mu.Unlock()
	<-z
}
