package ranch

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// HandlerProtocol returns the Protocol that serves each connection with
// the Handler newHandler makes for it, Thousand Island's handler_module:
// an actor (with otpnet's owner mailbox) that owns the connection's
// socket and calls the Handler, so that a server is its callbacks, with
// {active, once} re-armed for it. It returns nil if newHandler is nil,
// which StartListener refuses; a nil Handler refuses the connection
// (AcceptError, and the listener's log).
//
// The handler's first mode is the Active of the listener's SocketOptions,
// or {active, once} if they name none; the listener leaves the socket
// passive at the hand-off, and HandleConnection's Continue sets it (see
// Handler).
//
// A callback that panics is a crash: the behaviour logs it, at error
// level through the listener's logger (the actor system's, unless
// ListenerOptions.Logger), with the panic's value and stack, the
// callback, the handler's PID, the peer's and the local address and the
// listener's (its bound address); then calls HandleError with a
// *supervisor.PanicError, closes the socket and exits with that reason,
// so that its connection supervisor reports it too, as OTP's supervisors
// report a crashed child. A panic in HandleClose, HandleError or
// HandleShutdown is logged the same way. A callback may end the handler
// with supervisor.Exit(reason): HandleClose follows for Normal, Shutdown
// and *supervisor.ShutdownError, HandleError otherwise, and it exits with
// reason.
func HandlerProtocol(newHandler func() Handler) Protocol {
	if newHandler == nil {
		return nil
	}
	return newHandlerProtocol(newHandler)
}

// newHandlerProtocol is HandlerProtocol's Protocol, its actors spawned
// with opts after the owner mailbox.
func newHandlerProtocol(newHandler func() Handler, opts ...actor.PropsOption) *handlerProtocol {
	p := newActorProtocol(func(l *Listener, s *socket.Socket) actor.Actor {
		h := newHandler()
		if h == nil {
			return nil
		}
		return &connActor{s: s, l: l, h: h, mode: modeOf(l.handlerMode)}
	}, opts...)
	p.noActor = errNoHandler
	return &handlerProtocol{p}
}

// Start starts a Conn, and marks the hand-off as one whose handler is
// told when it owns its socket.
func (p *handlerProtocol) Start(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
	pid, err := p.actorProtocol.Start(ctx, l, s)
	if sc, ok := ctx.(*startContext); ok && err == nil {
		sc.h.selfArming = true
	}
	return pid, err
}

// handlerProtocol is HandlerProtocol's Protocol: an ActorProtocol whose
// handlers are told when they own their socket (handedOver), and set its
// active mode themselves.
type handlerProtocol struct{ *actorProtocol }

// handedOver tells a Conn that it owns its socket: the connection
// supervisor sends it once controlling_process is done, as Ranch's
// handshake message.
type handedOver struct{}

// IgnoreDeadLetterLogging keeps the word to a handler that has already
// stopped out of protoactor's dead-letter log.
func (handedOver) IgnoreDeadLetterLogging() {}

// Conn is a connection served by a Handler, Thousand Island's
// ThousandIsland.Socket: its socket, its listener, and the actor that
// owns the socket and calls the handler. The handler's callbacks get it;
// its methods are for them, and must be called from them only: they run
// one at a time, in the connection's actor.
//
// A Conn is not a net.Conn nor an io.Reader: its data comes to
// HandleData. For a net.Conn over a socket, to give to what takes one, see
// socket.NewConn (and socket.NewListener for a listener).
type Conn struct {
	s    *socket.Socket
	l    *Listener
	h    Handler
	ctx  actor.Context
	idle *idleTimer // nil until an Action sets a timeout
	mode mode       // the active mode the behaviour keeps
	cb   callback   // the callback running, for a crash report
	st   connState
}

// connState is where a Conn is in its life.
type connState uint8

const (
	connNew   connState = iota // HandleConnection has not run
	connOpen                   // serving
	connEnded                  // the last callback has run, or is running
)

// Socket returns the connection's socket, for its options (GetOpts,
// SetOpts but for active: see Action.Active), Recv on a passive socket,
// Peername, Sockname, GetStat, Shutdown... The behaviour closes it when
// the connection ends: end a connection with Close or Fail, not with the
// socket's Close, which the behaviour would not see in an active mode
// that is not re-armed.
func (c *Conn) Socket() *socket.Socket { return c.s }

// Listener returns the listener that accepted the connection, for
// RemoveConnection(c.Context().Self()), Info, ...
func (c *Conn) Listener() *Listener { return c.l }

// Context returns the context of the connection's actor: Self for the
// PID that others send to (their messages come to HandleInfo), Spawn,
// Watch, Send, Logger...
func (c *Conn) Context() actor.Context { return c.ctx }

// Send sends data on the socket, gen_tcp:send: s.Send(data...).
func (c *Conn) Send(data ...[]byte) error { return c.s.Send(data...) }

// ReleaseData hands the data HandleData is handling back to the socket,
// to hold a later packet (socket.TCP.Release, ssl.SSL.Release): it is
// the handler's
// promise that neither data nor any slice of it is used after the call,
// for example once Send has returned, which has written the bytes or
// copied what it queued. Releasing is optional: HandleData's data is the
// handler's to keep unless it releases it. ReleaseData does nothing and
// returns nil outside HandleData (in HandleClose or HandleError too,
// after a HandleData that returned Close), and for data that is neither
// a *socket.TCP's nor an *ssl.SSL's (a *socket.RecvResult's); it answers
// socket.ErrReleased when called twice for one packet.
func (c *Conn) ReleaseData() error {
	if c.ctx == nil || c.cb != cbData {
		return nil
	}
	// HandleData of a *socket.TCP or an *ssl.SSL of c's socket is the
	// only callback that runs with one as the actor's message: others go
	// to HandleInfo.
	switch m := c.ctx.Message().(type) {
	case *socket.TCP:
		if m.Socket == c.s {
			return m.Release()
		}
	case *ssl.SSL:
		if m.From() == c.s {
			return m.Release()
		}
	}
	return nil
}

// Mode returns the socket's active mode as the behaviour keeps it: the
// listener's, then as Actions switched it (Action.Active).
func (c *Conn) Mode() socket.Mode { return c.mode.socket() }

// connActor is a Conn as the connection's actor: the same value, whose
// Receive, protoactor's plumbing, does not show on Conn.
type connActor Conn

// Receive calls the handler, until its last callback has run.
func (a *connActor) Receive(ctx actor.Context) { (*Conn)(a).receive(ctx) }

// receive is the connection's actor's Receive.
func (c *Conn) receive(ctx actor.Context) {
	defer c.recoverCallback()
	switch ctx.Message().(type) {
	case *actor.Started:
		c.ctx = ctx
		return
	case *actor.Stopping:
		c.stopping()
		return
	case *actor.Stopped, *actor.Restarting:
		return
	}
	if c.st == connEnded {
		// The last callback has run: what still comes (while protoactor
		// waits for the actor's children to stop) reaches no callback.
		return
	}
	switch m := ctx.Message().(type) {
	case *socket.TCP:
		if m.Socket == c.s {
			c.cb = cbData
			c.proceed(c.h.HandleData(c, m.Data), afterPacket)
			return
		}
	case *socket.TCPPassive:
		if m.Socket == c.s {
			c.passive()
			return
		}
	case *socket.TCPClosed:
		if m.Socket == c.s {
			c.end(nil)
			return
		}
	case *socket.TCPError:
		if m.Socket == c.s {
			c.end(m.Reason)
			return
		}
	case *socket.HTTP:
		if m.Socket == c.s {
			c.cb = cbInfo
			c.proceed(c.h.HandleInfo(c, m), afterPacket)
			return
		}
	case *ssl.SSL:
		if m.From() == c.s {
			if m.Packet != nil {
				c.cb = cbInfo
				c.proceed(c.h.HandleInfo(c, m), afterPacket)
				return
			}
			c.cb = cbData
			c.proceed(c.h.HandleData(c, m.Data), afterPacket)
			return
		}
	case *ssl.Passive:
		if m.From() == c.s {
			c.passive()
			return
		}
	case *ssl.Closed:
		if m.From() == c.s {
			c.end(nil)
			return
		}
	case *ssl.Error:
		if m.From() == c.s {
			c.end(m.Reason)
			return
		}
	case *socket.RecvResult:
		if m.Socket == c.s {
			c.received(m)
			return
		}
	case idleFired:
		c.idleFired()
		return
	case handedOver:
		if c.st == connNew {
			c.st = connOpen
			c.cb = cbConnection
			c.proceed(c.h.HandleConnection(c), afterConnection)
		}
		return
	}
	c.cb = cbInfo
	c.proceed(c.h.HandleInfo(c, ctx.Message()), afterOther)
}

// passive re-arms {active, N} at its tcp_passive (ssl_passive).
func (c *Conn) passive() {
	if c.mode.kind == modeN && c.st == connOpen {
		c.arm()
	}
	c.activity(Continue)
}

// received handles the result of the handler's AsyncRecv: a packet, as
// data; a timeout, as what it is (HandleInfo), not as the idle timeout;
// or why there is none.
func (c *Conn) received(r *socket.RecvResult) {
	switch {
	case r.Err == nil && r.Packet != nil:
		c.cb = cbInfo
		c.proceed(c.h.HandleInfo(c, &socket.HTTP{Socket: c.s, Packet: r.Packet}), afterOther)
	case r.Err == nil:
		c.cb = cbData
		c.proceed(c.h.HandleData(c, r.Data), afterOther)
	case errors.Is(r.Err, socket.ErrTimeout):
		c.cb = cbInfo
		c.proceed(c.h.HandleInfo(c, r), afterOther)
	case errors.Is(r.Err, socket.ErrClosed):
		c.end(nil)
	default:
		c.end(r.Err)
	}
}

// proceed does what a callback's Action says, after the event it was
// called for: go on, switching the active mode, arming it after
// HandleConnection and re-arming {active, once} after a packet; or end.
func (c *Conn) proceed(a Action, after event) {
	if c.st == connEnded { // the callback ended it (supervisor.Exit is a panic)
		return
	}
	switch a.op {
	case opClose:
		c.end(nil)
		return
	case opFail:
		c.end(a.err)
		return
	}
	arm := after == afterPacket && c.mode.kind == modeOnce
	if a.set&setMode != 0 {
		if m := modeOf(a.mode); m != c.mode {
			c.mode, arm = m, true
		}
	}
	if after == afterConnection {
		arm = c.mode.kind != modeFalse // passive since the listener accepted it
	}
	if arm && !c.arm() {
		return
	}
	c.activity(a)
}

// event is what a callback was called for, as proceed sees it.
type event uint8

const (
	afterOther      event = iota
	afterConnection       // HandleConnection: the socket is passive
	afterPacket           // a packet the socket's active mode delivered
)

// arm sets the socket's active mode, and reports whether it could: a
// socket that has closed ends the connection (HandleClose), a mode it
// refuses fails it (HandleError), and so does an {active, N} whose N is
// not 1 or more (the listener's, for a HandlerProtocol that another
// Protocol wraps: StartListener refuses it otherwise), which would
// re-arm for ever.
func (c *Conn) arm() bool {
	if c.mode.kind == modeN && c.mode.n < 1 {
		c.end(fmt.Errorf("ranch: the listener's {active, %d}: a handler's N must be from 1 to 32767: %w", c.mode.n, errBadAction))
		return false
	}
	err := c.s.SetOpts(socket.Active(c.mode.socket()))
	if err == nil {
		return true
	}
	var oe *socket.OptionError
	if errors.As(err, &oe) {
		c.end(err)
	} else {
		c.end(nil) // closed: setopts answers einval
	}
	return false
}

// end ends the connection with its last callback, HandleClose if err is
// nil and HandleError otherwise, closes the socket and stops the actor.
func (c *Conn) end(err error) {
	if c.st == connEnded {
		return
	}
	if c.st == connOpen {
		c.st = connEnded
		if err == nil {
			c.cb = cbClose
			c.h.HandleClose(c)
		} else {
			c.cb = cbError
			c.h.HandleError(c, err)
		}
	}
	c.st = connEnded
	c.finish()
	c.ctx.Stop(c.ctx.Self())
}

// finish closes the socket and stops the idle timer.
func (c *Conn) finish() {
	_ = c.s.Close() // closed already if the peer closed it
	if c.idle != nil {
		c.idle.timer.Stop()
	}
}

// stopping is the handler's Stopping: a connection that has not ended is
// being shut down by its connection supervisor (HandleShutdown). Nothing
// may panic here: protoactor would never finish stopping the actor.
func (c *Conn) stopping() {
	if c.st == connOpen {
		c.st = connEnded
		c.guarded(cbShutdown, func() { c.h.HandleShutdown(c) })
	}
	c.st = connEnded
	c.finish()
}

// recoverCallback is Receive's deferred call: a callback that panicked
// has crashed the connection.
func (c *Conn) recoverCallback() {
	if v := recover(); v != nil {
		c.crashed(v, debug.Stack())
	}
}

// crashed ends a connection whose callback panicked with v: it logs the
// crash (not an Exit), calls the last callback, closes the socket and
// exits with the panic's reason.
func (c *Conn) crashed(v any, stack []byte) {
	reason := supervisor.ExitReason(v)
	if _, crash := reason.(*supervisor.PanicError); crash {
		c.report(c.cb, v, stack)
	}
	if c.st == connOpen {
		c.st = connEnded
		// A panic is a crash even if its value wraps Normal or Shutdown
		// (a *PanicError unwraps to it), as its supervisor sees it.
		var pe *supervisor.PanicError
		if !errors.As(reason, &pe) && (errors.Is(reason, supervisor.Normal) || errors.Is(reason, supervisor.Shutdown)) {
			c.guarded(cbClose, func() { c.h.HandleClose(c) })
		} else {
			c.guarded(cbError, func() { c.h.HandleError(c, reason) })
		}
	}
	c.st = connEnded
	c.finish()
	supervisor.Exit(reason)
}

// guarded runs a last callback: a panic there is logged, and goes no
// further.
func (c *Conn) guarded(cb callback, f func()) {
	defer func() {
		if v := recover(); v != nil {
			c.report(cb, v, debug.Stack())
		}
	}()
	c.cb = cb
	f()
}

// report logs the crash of callback cb with v: what an operator needs to
// find the connection and the bug. The addresses come from the socket: a
// socket the peer has closed has none left, and the report says why.
func (c *Conn) report(cb callback, v any, stack []byte) {
	attrs := []any{
		slog.String("listener", c.l.name()),
		slog.String("callback", cb.String()),
		slog.Any("reason", v),
	}
	if c.ctx != nil {
		attrs = append(attrs, slog.String("pid", pidfmt.String(c.ctx.Self())))
	}
	if peer, err := c.s.Peername(); err == nil {
		attrs = append(attrs, slog.String("peer", peer.String()))
	} else {
		attrs = append(attrs, slog.String("peer", "unknown: "+err.Error()))
	}
	if local, err := c.s.Sockname(); err == nil {
		attrs = append(attrs, slog.String("local", local.String()))
	} else {
		attrs = append(attrs, slog.String("local", "unknown: "+err.Error()))
	}
	attrs = append(attrs, slog.String("stack", string(stack)))
	c.l.log.Error("handler crashed", attrs...)
}

// callback names a Handler callback, for crash reports.
type callback uint8

const (
	cbNone callback = iota
	cbConnection
	cbData
	cbInfo
	cbTimeout
	cbClose
	cbError
	cbShutdown
)

var callbackNames = [...]string{"", "HandleConnection", "HandleData", "HandleInfo", "HandleTimeout", "HandleClose", "HandleError", "HandleShutdown"}

func (cb callback) String() string {
	if int(cb) < len(callbackNames) {
		return callbackNames[cb]
	}
	return fmt.Sprintf("callback(%d)", cb)
}

// mode is a socket.Mode in four bytes, as a Conn keeps it.
type mode struct {
	kind modeKind
	n    int16 // {active, N}'s N: 1..32767, as Action.Active checks
}

type modeKind uint8

const (
	modeFalse modeKind = iota
	modeTrue
	modeOnce
	modeN
)

func modeOf(m socket.Mode) mode {
	switch m {
	case socket.True:
		return mode{kind: modeTrue}
	case socket.Once:
		return mode{kind: modeOnce}
	case socket.False:
		return mode{}
	}
	n, _ := m.Count()
	return mode{kind: modeN, n: int16(n)}
}

func (m mode) socket() socket.Mode {
	switch m.kind {
	case modeTrue:
		return socket.True
	case modeOnce:
		return socket.Once
	case modeN:
		return socket.N(int(m.n))
	}
	return socket.False
}

// idleTimer is a Conn's idle timeout, made when an Action first sets one.
// The timer runs on: each message moves the expiry, and the timer, when
// it fires, waits again for what is left, so that a busy connection
// resets no timer per message.
type idleTimer struct {
	timer  *time.Timer
	idle   time.Duration // IdleTimeout's; socket.Infinity for none
	expiry time.Time     // when the timeout is due; zero for none
	due    time.Time     // when the timer fires; zero when it is stopped
	sys    *actor.ActorSystem
	self   *actor.PID
}

// idleFired tells a Conn that its idle timer has fired.
type idleFired struct{}

// IgnoreDeadLetterLogging keeps a timer that fired as its handler stopped
// out of protoactor's dead-letter log.
func (idleFired) IgnoreDeadLetterLogging() {}

// activity restarts the idle timeout after a message, as a gen_server's
// timeout: a's one for the next message only, or the connection's.
func (c *Conn) activity(a Action) {
	if c.st == connEnded || c.idle == nil && a.set&(setTimeout|setIdleTimeout) == 0 {
		return
	}
	t := c.idle
	if t == nil {
		t = &idleTimer{idle: socket.Infinity, sys: c.ctx.ActorSystem(), self: c.ctx.Self()}
		t.timer = time.AfterFunc(time.Hour, t.fire)
		t.timer.Stop()
		c.idle = t
	}
	if a.set&setIdleTimeout != 0 {
		t.idle = a.idle
	}
	d := t.idle
	if a.set&setTimeout != 0 {
		d = a.timeout
	}
	if d == socket.Infinity {
		t.expiry = time.Time{}
		return
	}
	now := time.Now()
	t.expiry = now.Add(d)
	if t.due.IsZero() || t.expiry.Before(t.due) {
		t.due = t.expiry
		t.timer.Reset(d)
	}
}

func (t *idleTimer) fire() { t.sys.Root.Send(t.self, idleFired{}) }

// idleFired calls HandleTimeout if the timeout is due, and otherwise sets
// the timer for what is left of it.
func (c *Conn) idleFired() {
	t := c.idle
	if t == nil || c.st != connOpen {
		return
	}
	t.due = time.Time{}
	if t.expiry.IsZero() {
		return
	}
	if left := time.Until(t.expiry); left > 0 {
		t.due = t.expiry
		t.timer.Reset(left)
		return
	}
	t.expiry = time.Time{}
	c.cb = cbTimeout
	c.proceed(c.h.HandleTimeout(c), afterOther)
}
