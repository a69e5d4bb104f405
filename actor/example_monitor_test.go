package actor_test

import (
	"fmt"
	"time"

	"github.com/otpnet/otpnet/actor"
)

// downs is a Monitor: a channel that Down sends the stopped PID to. It is
// buffered, as Down must not block.
type downs chan *actor.PID

func (d downs) Down(who *actor.PID) { d <- who }

// Spawn runs a function as a Process, Erlang's spawn/1; MonitorPID tells a
// monitor of the caller's own when it ends, Erlang's monitor/2.
func ExampleSpawn() {
	system := actor.NewSystem()
	worker, err := actor.Spawn(system, func(p *actor.Process) {
		msg, from, err := p.ReceiveFrom(nil, actor.Infinity)
		if err == nil {
			p.Request(from, fmt.Sprint("done: ", msg))
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mon := make(downs, 1)
	if alive, err := actor.MonitorPID(system, worker, mon); !alive || err != nil {
		fmt.Println("not monitored:", alive, err)
		return
	}

	reply := system.Root.RequestFuture(worker, "job", time.Second)
	answer, _ := reply.Result()
	fmt.Println(answer)
	fmt.Println("down:", (<-mon).Equal(worker))

	// Too late: a monitor of a process that is gone is refused, not told.
	alive, _ := actor.MonitorPID(system, worker, mon)
	fmt.Println("alive:", alive)
	// Output:
	// done: job
	// down: true
	// alive: false
}
