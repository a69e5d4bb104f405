package supervisor_test

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/supervisor"
)

// A rest_for_one supervisor, as OTP's
//
//	init([]) ->
//	    {ok, {#{strategy => rest_for_one},
//	          [#{id => db, start => ...}, #{id => cache, ...}, #{id => web, ...}]}}.
//
// When cache crashes, web, which depends on it, is restarted with it; db
// is left alone.
func Example() {
	// Discard the supervisor's error reports (the crash below) in the example.
	system := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	started := make(chan string, 16)
	worker := func(id string) supervisor.ChildSpec {
		return supervisor.ChildSpec{ID: id, Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
			started <- id
			return ctx.Spawn(actor.PropsFromFunc(func(c actor.Context) {
				if c.Message() == "crash" {
					panic("crash")
				}
			})), nil
		}}
	}
	sup, err := supervisor.Start(system.Root, supervisor.Flags{Strategy: supervisor.RestForOne},
		[]supervisor.ChildSpec{worker("db"), worker("cache"), worker("web")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("started:", <-started, <-started, <-started)

	children, _ := sup.WhichChildren() // last started first: web, cache, db
	system.Root.Send(children[1].PID, "crash")
	fmt.Println("restarted:", <-started, <-started)

	_ = sup.Stop()
	fmt.Println("stopped:", sup.Err())
	// Output:
	// started: db cache web
	// restarted: cache web
	// stopped: shutdown
}

// A simple_one_for_one supervisor of connections, each started with its
// socket as an extra argument, as supervisor:start_child(Sup, [Socket]).
func ExampleRef_StartChildArgs() {
	system := actor.NewSystem()
	conn := supervisor.ChildSpec{
		Restart: supervisor.Temporary,
		Start: func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
			socket := args[0].(string)
			return ctx.SpawnPrefix(actor.PropsFromFunc(func(actor.Context) {}), socket), nil
		},
	}
	conns, err := supervisor.Start(system.Root,
		supervisor.Flags{Strategy: supervisor.SimpleOneForOne, MaxChildren: 2},
		[]supervisor.ChildSpec{conn})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conns.Stop()

	first, _ := conns.StartChildArgs("socket-1")
	_, _ = conns.StartChildArgs("socket-2")
	_, err = conns.StartChildArgs("socket-3")
	fmt.Println(err, errors.Is(err, supervisor.ErrMaxChildren))

	_ = conns.TerminateChildPID(first)
	n, _ := conns.CountChildren()
	fmt.Printf("%+v\n", n)
	// Output:
	// supervisor: start_child: max_children true
	// {Specs:1 Active:1 Supervisors:0 Workers:1}
}
