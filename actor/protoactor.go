package actor

import "github.com/asynkron/protoactor-go/actor"

// protoactor's names, re-exported: see "protoactor's names" in the
// package doc. Each is an alias or a call-through, never a type or a
// behaviour of otpnet's own.

type (
	// ActorSystem is protoactor's actor system, made by NewSystem.
	ActorSystem = actor.ActorSystem
	// RootContext is an actor system's context for code that is not an
	// actor: ActorSystem.Root. It spawns, sends, requests and stops.
	RootContext = actor.RootContext
	// PID is protoactor's process identifier: an actor's, a Process's.
	PID = actor.PID
	// Context is an actor's context, given to its Receive: the message,
	// the sender, Self, and the calls to spawn, send, watch and stop.
	Context = actor.Context
	// SpawnerContext is what spawns: a RootContext or an actor's Context.
	// A supervisor's child specs and a ranch.ProtocolFunc are given one.
	SpawnerContext = actor.SpawnerContext
	// Actor is protoactor's actor: anything with Receive(Context).
	Actor = actor.Actor
	// ReceiveFunc is a function that is an Actor.
	ReceiveFunc = actor.ReceiveFunc
	// Producer makes the actor of a spawn, and again for a restart.
	Producer = actor.Producer
	// Props is how to spawn an actor: its producer and its options.
	Props = actor.Props
	// PropsOption is an option of Props, such as WithOwnerMailbox.
	PropsOption = actor.PropsOption

	// Started is the first message an actor receives, and the first after
	// a restart.
	Started = actor.Started
	// Stopping is received when an actor begins to stop.
	Stopping = actor.Stopping
	// Stopped is the last message an actor receives.
	Stopped = actor.Stopped
	// Restarting is received when an actor's supervisor restarts it.
	Restarting = actor.Restarting
	// Terminated tells a watcher (Context.Watch, Process.Watch) that the
	// watched PID, Who, is down, as Erlang's 'DOWN' does.
	Terminated = actor.Terminated
)

// PropsFromFunc returns the Props of an actor that is the function f:
// protoactor's PropsFromFunc.
func PropsFromFunc(f ReceiveFunc, opts ...PropsOption) *Props {
	return actor.PropsFromFunc(f, opts...)
}

// PropsFromProducer returns the Props of actors made by producer, called
// at each spawn and restart: protoactor's PropsFromProducer.
func PropsFromProducer(producer Producer, opts ...PropsOption) *Props {
	return actor.PropsFromProducer(producer, opts...)
}
