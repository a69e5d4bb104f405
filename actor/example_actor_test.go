package actor_test

import (
	"fmt"

	"github.com/otpnet/otpnet/actor"
)

// An actor written with this package's names alone (protoactor's, re-
// exported): spawned, sent to, asked and stopped through the system's
// root, and watched by a Process, which gets its Terminated.
func ExamplePropsFromFunc() {
	system := actor.NewSystem()
	p, err := actor.NewProcess(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	counter := 0
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			fmt.Println("started")
		case int:
			counter += m
		case string: // a request: the sender is p
			ctx.Respond(fmt.Sprint(m, " ", counter))
		case *actor.Stopping:
			fmt.Println("stopping")
		case *actor.Stopped:
			fmt.Println("stopped")
		}
	}, actor.WithOwnerMailbox())
	pid := system.Root.Spawn(props)
	p.Watch(pid)

	system.Root.Send(pid, 1)
	system.Root.Send(pid, 2)
	p.Request(pid, "count")
	reply, _ := p.Receive(nil, actor.Infinity)
	fmt.Println(reply)

	system.Root.Stop(pid)
	down, _ := p.Receive(func(m any) bool { _, ok := m.(*actor.Terminated); return ok }, actor.Infinity)
	fmt.Println("down:", down.(*actor.Terminated).Who.Equal(pid))
	// Output:
	// started
	// count 3
	// stopping
	// stopped
	// down: true
}
