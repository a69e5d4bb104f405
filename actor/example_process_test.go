package actor_test

import (
	"fmt"
	"time"

	"github.com/otpnet/otpnet/actor"
)

// A goroutine with a Process receives as an Erlang process does:
//
//	receive N when is_integer(N) -> N end,
//	loop() -> receive Msg -> io:format("~p~n", [Msg]), loop()
//	          after 10 -> timeout
//	          end.
func ExampleProcess_Receive() {
	system := actor.NewSystem()
	p, err := actor.NewProcess(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	for _, m := range []any{"hello", 1, "world", 2} {
		system.Root.Send(p.PID(), m)
	}

	// Selective receive: the integers, in order; the strings stay queued.
	isInt := func(m any) bool { _, ok := m.(int); return ok }
	n1, _ := p.Receive(isInt, actor.Infinity)
	n2, _ := p.Receive(isInt, actor.Infinity)
	fmt.Println(n1, n2)

	// receive ... after: whatever comes, until 10ms pass with nothing.
	for {
		msg, err := p.Receive(nil, 10*time.Millisecond)
		if err != nil {
			fmt.Println(err) // actor.ErrTimeout
			break
		}
		fmt.Println(msg)
	}

	// A closed Process waits no more.
	p.Close()
	_, err = p.Receive(nil, actor.Infinity)
	fmt.Println(err) // actor.ErrClosed
	// Output:
	// 1 2
	// hello
	// world
	// timeout
	// closed
}

// A Process calls an actor, waits for the answer with a deadline, and
// monitors the actor, as erlang:monitor/2 does.
func ExampleProcess_Watch() {
	system := actor.NewSystem()
	p, err := actor.NewProcess(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	server := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(string); ok {
			ctx.Respond("echo: " + m)
		}
	}))
	p.Watch(server)

	p.Request(server, "ping")
	if reply, err := p.Receive(nil, time.Second); err == nil {
		fmt.Println(reply)
	}

	system.Root.Stop(server)
	down := func(m any) bool {
		t, ok := m.(*actor.Terminated)
		return ok && t.Who.Equal(server)
	}
	if m, err := p.Receive(down, time.Second); err == nil {
		fmt.Println("down:", m.(*actor.Terminated).Why)
	}
	// Output:
	// echo: ping
	// down: Stopped
}
