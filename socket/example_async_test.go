package socket_test

import (
	"fmt"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/socket"
)

// An acceptor that is a plain actor: it never blocks in its Receive, but
// asks for the next connection with AsyncAccept and gets it as a message,
// as prim_inet:async_accept sends {inet_async, L, Ref, {ok, S}}; then it
// reads the connection's first packet with AsyncRecv the same way.
func ExampleSocket_AsyncAccept() {
	system := actor.NewSystem()
	main, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer main.Close()
	lsock, _ := socket.Listen(main, 0, socket.Active(socket.False))
	defer lsock.Close()
	port, _ := lsock.Port()

	done := make(chan string)
	acceptor := actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			lsock.AsyncAccept(ctx, socket.Infinity)
		case *socket.AcceptResult: // {inet_async, L, Ref, Result}
			if m.Err != nil {
				done <- m.Err.Error()
				return
			}
			m.Socket.AsyncRecv(ctx, 0, socket.Infinity)
		case *socket.RecvResult: // {inet_async, S, Ref, Result}
			m.Socket.Close()
			done <- fmt.Sprintf("%s (%v)", m.Data, m.Err)
		}
	}, actor.WithOwnerMailbox())
	pid := system.Root.Spawn(acceptor)
	defer system.Root.Stop(pid)

	client, _ := socket.Connect(main, "localhost", port, socket.Infinity)
	client.Send([]byte("hello"))
	fmt.Println(<-done)
	client.Close()
	// Output: hello (<nil>)
}
