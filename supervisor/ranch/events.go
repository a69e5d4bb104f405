package ranch

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Events is a listener's hook for metrics and logs, in the spirit of
// Thousand Island's telemetry events: the listener calls one method per
// event, synchronously, from its acceptors' and its connection
// supervisors' actors, so several calls may run at once. Implementations
// must be safe for concurrent use and must return quickly: an acceptor or
// a connection supervisor waits for them. Embed NopEvents to implement
// only some of the methods.
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
	// connection supervisor was gone) or supervisor.Shutdown (the acceptor
	// stopped before it was taken).
	Err error
	// Backoff is how long the acceptor waits before accepting again.
	Backoff time.Duration
}

// ConnectionEvent is the payload of ConnectionStart and ConnectionStop.
type ConnectionEvent struct {
	PID      *actor.PID     // the handler
	Peer     netip.AddrPort // the client's address
	Duration time.Duration  // ConnectionStop: how long the handler served
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
