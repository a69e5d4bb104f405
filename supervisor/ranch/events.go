package ranch

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/pidfmt"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
)

// Events is a listener's hook for metrics and logs, in the spirit of
// Thousand Island's telemetry events: the listener calls one method per
// event, synchronously, from its acceptors' and its connection
// supervisors' actors, and from the goroutines that read PROXY headers
// and run TLS handshakes (their AcceptError, also while Stop, Suspend or
// Drain cuts them), so several calls may run at once. Implementations
// must be safe for concurrent use and must return quickly: an acceptor, a
// connection supervisor or a stopping listener waits for them. Embed
// NopEvents to implement only some of the methods.
type Events interface {
	// ListenerStart is called when the listening socket opens: when the
	// listener starts, resumes, or is restarted by its supervisor.
	ListenerStart(ListenerEvent)
	// ListenerStop is called when the listening socket closes: when the
	// listener stops or is suspended, or its acceptors' supervisor ends.
	ListenerStop(ListenerEvent)
	// Accept is called when an acceptor has accepted a connection, before
	// it hands the connection to its handler.
	Accept(AcceptEvent)
	// AcceptError is called when accept fails (the acceptor then waits
	// Backoff before accepting again), and when an accepted connection
	// cannot be handed to a handler (its socket is then closed).
	AcceptError(AcceptErrorEvent)
	// ConnectionStart is called when a connection's handler owns its
	// socket.
	ConnectionStart(ConnectionEvent)
	// ConnectionStop is called when a handler that ConnectionStart
	// reported has ended.
	ConnectionStop(ConnectionEvent)
}

// ListenerEvent is the payload of ListenerStart and ListenerStop.
type ListenerEvent struct {
	Addr netip.AddrPort // the listening address
}

// AcceptEvent is the payload of Accept.
type AcceptEvent struct {
	Acceptor int            // the acceptor, 1 to NumAcceptors
	Peer     netip.AddrPort // the client's address
}

// AcceptErrorEvent is the payload of AcceptError.
type AcceptErrorEvent struct {
	Acceptor int // the acceptor, 1 to NumAcceptors
	// Err is accept's error (errors.Is(err, unix.EMFILE), ...), or, for a
	// connection that was accepted but not handed off, a
	// *supervisor.Error whose Op is "start_protocol" and whose Err is the
	// protocol's error, ErrHandshakeTimeout, supervisor.ErrNoProc (the
	// connection supervisor was gone), supervisor.Shutdown (the acceptor
	// stopped before it was taken), or the error of the socket's
	// ControllingProcess to the handler (the socket closed, or the
	// handler ended, before the handler could own it); or one whose Op is
	// "proxy_header" for a connection whose PROXY header was missing or
	// bad (a *proxyproto.HeaderError), late (timeout) or cut (closed); or
	// one whose Op is "handshake" for a connection whose TLS handshake
	// failed: an *ssl.Alert (inet.Reason names it), timeout or closed.
	Err error
	// Backoff is how long the acceptor waits before accepting again: 0
	// for a connection that was accepted, whose failure costs its
	// acceptor nothing.
	Backoff time.Duration
}

// ConnectionEvent is the payload of ConnectionStart and ConnectionStop,
// Thousand Island's [:thousand_island, :connection, :start | :stop]
// events: a stop carries the connection's duration and its socket's
// counters (Thousand Island's send_oct, recv_oct, send_cnt, recv_cnt).
type ConnectionEvent struct {
	PID      *actor.PID     // the handler
	Peer     netip.AddrPort // the client's address: with ListenerOptions.ProxyHeader its header's (AcceptEvent's is the proxy's)
	Duration time.Duration  // ConnectionStop: how long the handler served
	// Handshake is how long the hand-off took (ConnectionStart and
	// ConnectionStop): from the acceptor's accept, once it has read the
	// peer's address, to the connection supervisor having started the
	// handler, just before it makes it the socket's owner; a PROXY
	// header's read and a TLS handshake are in it.
	Handshake time.Duration
	// Stats are the socket's inet:getstat counters when its handler ended
	// (ConnectionStop): Stats.RecvOct and Stats.SendOct are Thousand
	// Island's recv_oct and send_oct.
	Stats socket.Stats
}

// NopEvents is an Events that does nothing: embed it in a type of yours to
// implement only the events you need.
type NopEvents struct{}

// ListenerStart does nothing.
func (NopEvents) ListenerStart(ListenerEvent) {}

// ListenerStop does nothing.
func (NopEvents) ListenerStop(ListenerEvent) {}

// Accept does nothing.
func (NopEvents) Accept(AcceptEvent) {}

// AcceptError does nothing.
func (NopEvents) AcceptError(AcceptErrorEvent) {}

// ConnectionStart does nothing.
func (NopEvents) ConnectionStart(ConnectionEvent) {}

// ConnectionStop does nothing.
func (NopEvents) ConnectionStop(ConnectionEvent) {}

// SlogEvents returns an Events that logs a listener's events to logger,
// or, if logger is nil, to the listener's logger (ListenerOptions.Logger,
// or the actor system's). Each line names the listener by the address it
// is bound to (listener=ADDR), and the levels are:
//
//	info   listener started, listener stopped (listener)
//	info   connection accepted (acceptor, peer)
//	debug  connection started (pid, peer): its handler owns the socket
//	info   connection closed (pid, peer, duration, recv_oct, send_oct): its
//	       handler has ended
//	warn   acceptor reducing accept rate: accept failed, or out of file
//	       descriptors (acceptor, reason, backoff)
//	debug  TLS handshake failed (acceptor, reason, error): a TLS alert
//	       (reason is its name: unknown_ca, bad_certificate, ...), timeout
//	       or closed, which Ranch's handshake ends quietly (error for any
//	       other reason)
//	error  connection process start failure (acceptor, reason): no
//	       handler took an accepted connection (debug when the reason is
//	       shutdown: the listener was stopping)
//	warn   connection closed: no valid PROXY header (acceptor, reason):
//	       ListenerOptions.ProxyHeader, and a header missing, bad or late
//
// A listener logs its failed accepts and failed handler starts itself, at
// the same levels and with the same messages: given SlogEvents, it leaves
// them to it, so that each is logged once.
//
// The listener binds the Events SlogEvents returns only when it is given
// it as ListenerOptions.Events. Wrapped in an Events of yours, it is not
// bound: it logs to logger, or slog.Default() if logger is nil, with no
// listener attribute on the lines that have one, and the listener logs
// its failures itself as well.
func SlogEvents(logger *slog.Logger) Events { return slogEvents{log: logger} }

// slogEvents is SlogEvents' Events; a listener given one binds it to
// itself (l) and to its logger if it has none.
type slogEvents struct {
	log *slog.Logger
	l   *Listener // nil unbound
}

// bind returns e bound to l.
func (e slogEvents) bind(l *Listener) slogEvents {
	if e.log == nil {
		e.log = l.log
	}
	e.l = l
	return e
}

// logger returns e's logger: slog.Default() if e has none (unbound).
func (e slogEvents) logger() *slog.Logger {
	if e.log == nil {
		return slog.Default()
	}
	return e.log
}

// attrs returns attrs after the listener's name, if e is bound to one.
func (e slogEvents) attrs(attrs ...any) []any {
	if e.l == nil {
		return attrs
	}
	return append([]any{slog.String("listener", e.l.name())}, attrs...)
}

func (e slogEvents) ListenerStart(ev ListenerEvent) {
	e.logger().Info("listener started", slog.String("listener", ev.Addr.String()))
}

func (e slogEvents) ListenerStop(ev ListenerEvent) {
	e.logger().Info("listener stopped", slog.String("listener", ev.Addr.String()))
}

func (e slogEvents) Accept(ev AcceptEvent) {
	e.logger().Info("connection accepted", e.attrs(slog.Int("acceptor", ev.Acceptor), slog.String("peer", ev.Peer.String()))...)
}

func (e slogEvents) AcceptError(ev AcceptErrorEvent) {
	var se *supervisor.Error
	if errors.As(ev.Err, &se) && se.Op == "start_protocol" {
		level := slog.LevelError
		if errors.Is(se.Err, supervisor.Shutdown) {
			level = slog.LevelDebug
		}
		e.logger().Log(context.Background(), level, "connection process start failure",
			e.attrs(slog.Int("acceptor", ev.Acceptor), slog.Any("reason", se.Err))...)
		return
	}
	if se != nil && se.Op == "handshake" {
		// As Ranch's handshake: a TLS alert, a timeout or a closed
		// socket ends the connection normally (quietly); anything else
		// is the connection's crash.
		reason := inet.Reason(se.Err)
		level := slog.LevelDebug
		var alert interface{ Reason() string }
		if !errors.As(se.Err, &alert) && !errors.Is(se.Err, socket.ErrTimeout) && !errors.Is(se.Err, socket.ErrClosed) {
			level = slog.LevelError
		}
		e.logger().Log(context.Background(), level, "TLS handshake failed",
			e.attrs(slog.Int("acceptor", ev.Acceptor), slog.String("reason", reason), slog.Any("error", se.Err))...)
		return
	}
	if se != nil && se.Op == "proxy_header" {
		e.logger().Warn("connection closed: no valid PROXY header",
			e.attrs(slog.Int("acceptor", ev.Acceptor), slog.Any("reason", se.Err))...)
		return
	}
	attrs := e.attrs(slog.Int("acceptor", ev.Acceptor), slog.String("reason", inet.Reason(ev.Err)))
	if ev.Backoff <= 0 {
		e.logger().Warn("accept failed", attrs...)
		return
	}
	msg := "acceptor reducing accept rate: accept failed"
	if errors.Is(ev.Err, unix.EMFILE) || errors.Is(ev.Err, unix.ENFILE) {
		msg = "acceptor reducing accept rate: out of file descriptors"
	}
	e.logger().Warn(msg, append(attrs, slog.Duration("backoff", ev.Backoff))...)
}

func (e slogEvents) ConnectionStart(ev ConnectionEvent) {
	e.logger().Debug("connection started", e.attrs(slog.String("pid", pidfmt.String(ev.PID)), slog.String("peer", ev.Peer.String()))...)
}

func (e slogEvents) ConnectionStop(ev ConnectionEvent) {
	e.logger().Info("connection closed", e.attrs(slog.String("pid", pidfmt.String(ev.PID)),
		slog.String("peer", ev.Peer.String()), slog.Duration("duration", ev.Duration),
		slog.Uint64("recv_oct", ev.Stats.RecvOct), slog.Uint64("send_oct", ev.Stats.SendOct))...)
}

// guardedEvents calls a user's Events, logging a panic instead of passing
// it on: a hook called from a connection supervisor must not take its
// connections down with it.
type guardedEvents struct {
	ev  Events
	log *slog.Logger
}

// peers reports whether the hooks may want the peers' addresses: not when
// there are none (NopEvents), and then an accept spares a getpeername.
func (g guardedEvents) peers() bool { return g.ev != (NopEvents{}) }

func (g guardedEvents) recover(event string) {
	if v := recover(); v != nil {
		g.log.Error("listener event hook panicked", slog.String("event", event), slog.Any("reason", v))
	}
}

func (g guardedEvents) ListenerStart(e ListenerEvent) {
	defer g.recover("listener_start")
	g.ev.ListenerStart(e)
}

func (g guardedEvents) ListenerStop(e ListenerEvent) {
	defer g.recover("listener_stop")
	g.ev.ListenerStop(e)
}

func (g guardedEvents) Accept(e AcceptEvent) {
	defer g.recover("accept")
	g.ev.Accept(e)
}

func (g guardedEvents) AcceptError(e AcceptErrorEvent) {
	defer g.recover("accept_error")
	g.ev.AcceptError(e)
}

func (g guardedEvents) ConnectionStart(e ConnectionEvent) {
	defer g.recover("connection_start")
	g.ev.ConnectionStart(e)
}

func (g guardedEvents) ConnectionStop(e ConnectionEvent) {
	defer g.recover("connection_stop")
	g.ev.ConnectionStop(e)
}
