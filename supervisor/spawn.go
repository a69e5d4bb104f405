package supervisor

import "github.com/asynkron/protoactor-go/actor"

// A supervisor's children are its protoactor children in all but one
// respect: they are not in protoactor's set of its children. A start
// function gets the supervisor's context as a childContext, whose Spawn,
// SpawnPrefix and SpawnNamed spawn as the context's own would (with the
// props' spawn function, the supervisor as the parent, so that a child's
// Failure and Terminated come to it), except for the entry in that set.
//
// protoactor does not let an actor finish stopping, or restart, while
// that set holds anything; so a child that never ends (killed after its
// shutdown timeout, its goroutine stuck in user code, or stuck after a
// panic in its Stopping handler) would hold the supervisor, and every
// Infinity parent above it, for ever. The supervisor needs no such help:
// it keeps its own record of its children, and stops them itself, in
// OTP's order and by their shutdown policies, before it stops or restarts
// (terminate). A child it has given up on is simply dropped from the
// record. ctx.Children() of a supervisor lists none of them: use
// Ref.WhichChildren.

// childContext is a supervisor's context as its start functions get it.
type childContext struct{ actor.Context }

// Spawn spawns a child with a generated name, as actor.Context's does.
func (c *childContext) Spawn(props *actor.Props) *actor.PID {
	pid, err := c.SpawnNamed(props, c.ActorSystem().ProcessRegistry.NextId())
	if err != nil {
		panic(err) // as protoactor's: the start function fails with it
	}
	return pid
}

// SpawnPrefix spawns a child named prefix and a generated suffix, as
// actor.Context's does.
func (c *childContext) SpawnPrefix(props *actor.Props, prefix string) *actor.PID {
	pid, err := c.SpawnNamed(props, prefix+c.ActorSystem().ProcessRegistry.NextId())
	if err != nil {
		panic(err)
	}
	return pid
}

// SpawnNamed spawns a child named name under the supervisor, as
// actor.Context's does, but for protoactor's record of it in the
// supervisor's set of children.
func (c *childContext) SpawnNamed(props *actor.Props, name string) (*actor.PID, error) {
	return spawnChild(c.ActorSystem(), c.Self().Id+"/"+name, props, c)
}

// spawnChild is the last step of protoactor's spawn: the props' own spawn
// function (actor.WithSpawnFunc), or protoactor's default spawner when
// they have none, run with the parent context it is given. It is what a
// spawn middleware calls next at the end of a chain (the seam that
// actor.WithSpawnMiddleware offers), taken from a chain of one.
var spawnChild = func() actor.SpawnFunc {
	var last actor.SpawnFunc
	actor.WithSpawnMiddleware(func(next actor.SpawnFunc) actor.SpawnFunc {
		last = next
		return next
	})(&actor.Props{})
	return last
}()
