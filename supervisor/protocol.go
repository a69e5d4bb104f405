package supervisor

import (
	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/socket"
)

// Protocol starts the process that serves one connection of a Listener,
// Ranch's ranch_protocol behaviour and its one callback, start_link/3.
//
// Start runs inside a connection supervisor of the listener (a
// SimpleOneForOne supervisor of this package, whose children are
// Temporary), as a StartFunc does: spawn the handler from ctx (ctx.Spawn,
// ctx.SpawnPrefix) and return its PID, or return an error, or nil and
// Ignore to refuse the connection. It must return promptly and must not
// call the Listener's waiting methods (Stop, Suspend, Resume, Drain).
//
// s is the accepted socket. It is passive and owned by the acceptor while
// Start runs; once Start has returned, the listener makes the handler its
// owner (controlling_process) and then, if the listener's socket options
// named an active mode, sets it, so the socket's first message reaches
// the handler after it owns the socket. A handler that sets the active
// mode itself (leave Active out of the listener's options then) may do so
// at once: messages sent before it owns the socket are moved to it, in
// order, by controlling_process. Spawn handlers with
// otpactor.WithOwnerMailbox (ActorProtocol does) so that they can in turn
// give their socket away without losing a message.
//
// l is the listener, for l.RemoveConnection.
type Protocol interface {
	Start(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error)
}

// ProtocolFunc adapts a function to Protocol, as http.HandlerFunc adapts
// one to http.Handler.
type ProtocolFunc func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error)

// Start calls f(ctx, l, s).
func (f ProtocolFunc) Start(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
	return f(ctx, l, s)
}

// ActorProtocol returns the Protocol that spawns, for each connection, the
// actor newActor makes for it, with otpnet's owner mailbox
// (otpactor.WithOwnerMailbox) and then opts. It returns nil if newActor is
// nil, which StartListener refuses.
func ActorProtocol(newActor func(l *Listener, s *socket.Socket) actor.Actor, opts ...actor.PropsOption) Protocol {
	if newActor == nil {
		return nil
	}
	popts := append([]actor.PropsOption{otpactor.WithOwnerMailbox()}, opts...)
	return ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		props := actor.PropsFromProducer(func() actor.Actor { return newActor(l, s) }, popts...)
		return ctx.SpawnPrefix(props, "conn"), nil
	})
}
