package ranch

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/socket"
)

// Protocol starts the process that serves one connection of a Listener,
// Ranch's ranch_protocol behaviour and its one callback, start_link/3.
//
// Start runs inside a connection supervisor of the listener (a
// SimpleOneForOne supervisor of package supervisor, whose children are
// Temporary), as a supervisor.StartFunc does: spawn the handler from ctx
// (ctx.Spawn, ctx.SpawnPrefix) and return its PID, or return an error, or
// nil and supervisor.Ignore to refuse the connection. It must return
// promptly and must not call the Listener's waiting methods (Stop,
// Suspend, Resume, Drain).
//
// s is the accepted socket. It is passive while Start runs, and owned by
// the acceptor's holder, a process that never reads its mailbox; once
// Start has returned, the listener makes the handler its owner
// (controlling_process) and then, if the listener's socket options named
// an active mode, sets it, so the socket's first message reaches the
// handler after it owns the socket (HandlerProtocol's handlers are told
// instead, and set it once HandleConnection has returned). A handler that
// sets the active mode itself (leave Active out of the listener's options
// then) may do so at once, even in Start: messages sent before it owns
// the socket wait in the holder's mailbox, and controlling_process moves
// them to it, in order. Spawn handlers with actor.WithOwnerMailbox
// (ActorProtocol does) so that they can in turn give their socket away
// without losing a message.
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
// (actor.WithOwnerMailbox) and then opts. It returns nil if newActor is
// nil, which StartListener refuses; a nil actor refuses the connection
// (AcceptError, and the listener's log).
//
// Every connection's actor shares one Props: its producer hands out the
// actor of the connection being started. protoactor calls a producer again
// only to restart an actor, and a connection supervisor stops a failed
// handler instead (Temporary children), so each handler is made once.
func ActorProtocol(newActor func(l *Listener, s *socket.Socket) actor.Actor, opts ...actor.PropsOption) Protocol {
	if newActor == nil {
		return nil
	}
	return newActorProtocol(newActor, opts...)
}

func newActorProtocol(newActor func(l *Listener, s *socket.Socket) actor.Actor, opts ...actor.PropsOption) *actorProtocol {
	p := &actorProtocol{newActor: newActor, noActor: errNoActor}
	popts := append([]actor.PropsOption{otpactor.WithOwnerMailbox()}, opts...)
	p.props = actor.PropsFromProducer(p.produce, popts...)
	return p
}

// actorProtocol is ActorProtocol's Protocol. A Props takes a sixth of an
// idle connection's memory: one for all of them saves that.
type actorProtocol struct {
	newActor func(l *Listener, s *socket.Socket) actor.Actor
	props    *actor.Props
	noActor  error // the start error when newActor makes none

	mu       sync.Mutex // one spawn at a time: produce runs within it
	starting atomic.Pointer[starting]
}

// starting is the actor of the connection whose handler Start is
// spawning.
type starting struct{ a actor.Actor }

// errNoActor is the start error of a connection whose actor was nil.
var errNoActor = errors.New("ranch: ActorProtocol: newActor returned a nil actor")

// Start makes the handler of s and spawns it from ctx, the connection
// supervisor's, as any child of a supervisor is spawned: the supervisor
// is its parent, and keeps the one record of it (see package supervisor).
func (p *actorProtocol) Start(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
	a := p.newActor(l, s)
	if a == nil {
		return nil, p.noActor
	}
	if c, ok := a.(*connActor); ok {
		(*Conn)(c).withProxy(ProxyHeader(ctx))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starting.Store(&starting{a})
	defer p.starting.Store(nil)
	return ctx.SpawnNamed(p.props, "conn"+ctx.ActorSystem().ProcessRegistry.NextId())
}

// produce hands out the actor of the connection Start is spawning, once.
// Outside a Start there is none, and the actor it makes stops at once. A
// producer run by anything else (the Props of a handler reused to spawn
// another, a restart by a supervisor not of package supervisor) gets no
// second handler of a connection: handlers must not be respawned from
// their own Props.
func (p *actorProtocol) produce() actor.Actor {
	c := p.starting.Swap(nil)
	if c == nil {
		return stopAtOnce{}
	}
	return c.a
}

// stopAtOnce is an actor that stops as it starts.
type stopAtOnce struct{}

func (stopAtOnce) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*actor.Started); ok {
		ctx.Stop(ctx.Self())
	}
}
