package ranch_test

import (
	"bufio"
	"fmt"
	"net"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// An echo server in an acceptor pool, Ranch's echo_protocol: each
// connection is served by an actor of its own, the owner of its socket,
// which gets each line as a *socket.TCP and re-arms {active, once}.
func ExampleStartListener() {
	system := actor.NewSystem()
	echo := ranch.ActorProtocol(func(_ *ranch.Listener, s *socket.Socket) actor.Actor {
		return actor.ReceiveFunc(func(ctx actor.Context) {
			switch m := ctx.Message().(type) {
			case *socket.TCP:
				s.Send(m.Data)
				s.SetOpts(socket.Active(socket.Once))
			case *socket.TCPClosed:
				ctx.Stop(ctx.Self())
			}
		})
	})
	l, err := ranch.StartListener(system.Root, echo, ranch.ListenerOptions{
		Addr:          "127.0.0.1:0",
		SocketOptions: []socket.Option{socket.Packet(framing.Line), socket.Active(socket.Once)},
		NumAcceptors:  2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprint(c, "hello\nworld\n")
	r := bufio.NewReader(c)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	fmt.Println(l.Info().ActiveConnections, "connection")
	c.Close()

	l.Stop()
	fmt.Println(l.Status())
	// Output:
	// hello
	// world
	// 1 connection
	// stopped
}

// echo is a connection's handler: it sends back every line. BaseHandler
// gives it the other callbacks; the behaviour re-arms {active, once}.
type echo struct{ ranch.BaseHandler }

func (echo) HandleData(c *ranch.Conn, line []byte) ranch.Action {
	if err := c.Send(line); err != nil {
		return ranch.Fail(err)
	}
	return ranch.Continue
}

func (echo) HandleClose(c *ranch.Conn) { fmt.Println("closed") }

// An echo server whose connections are served by a Handler, Thousand
// Island's Handler behaviour: no actor to write, no {active, once} to
// re-arm.
func ExampleHandlerProtocol() {
	system := actor.NewSystem()
	l, err := ranch.StartListener(system.Root, ranch.HandlerProtocol(func() ranch.Handler { return echo{} }),
		ranch.ListenerOptions{Addr: "127.0.0.1:0", SocketOptions: []socket.Option{socket.Packet(framing.Line)}})
	if err != nil {
		fmt.Println(err)
		return
	}

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprint(c, "hello\nworld\n")
	r := bufio.NewReader(c)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	c.Close()
	l.Drain(5 * time.Second) // returns once the handler has ended
	// Output:
	// hello
	// world
	// closed
}
