package socket_test

import (
	"fmt"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
)

// Match is a receive of one socket's messages, {tcp, S, _},
// {tcp_closed, S}, ..., leaving every other message queued:
//
//	receive {tcp, S, Data} -> ...; {tcp_closed, S} -> ... end
func ExampleSocket_Match() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	ls, _ := socket.Listen(me, 0, socket.Active(socket.False))
	defer ls.Close()
	port, _ := ls.Port()
	s, _ := socket.Connect(me, "localhost", port, socket.Infinity) // {active, true}
	defer s.Close()
	peer, _ := ls.Accept(me, socket.Infinity)

	system.Root.Send(me.PID(), "not from s")
	peer.Send([]byte("hello"))
	peer.Close()
	for {
		msg, _ := me.Receive(s.Match, socket.Infinity)
		switch m := msg.(type) {
		case *socket.TCP:
			fmt.Printf("tcp %s\n", m.Data)
		case *socket.TCPClosed:
			fmt.Println("tcp_closed")
			other, _ := me.Receive(nil, 0)
			fmt.Println("still queued:", other)
			return
		}
	}
	// Output:
	// tcp hello
	// tcp_closed
	// still queued: not from s
}

// Every message about a socket is a Message: one process serving several
// sockets tells them apart by From.
func ExampleMessage() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	ls, _ := socket.Listen(me, 0, socket.Active(socket.False), socket.Packet(framing.Line))
	defer ls.Close()
	port, _ := ls.Port()
	names := make(map[*socket.Socket]string)
	for _, name := range []string{"a", "b"} {
		s, _ := socket.Connect(me, "localhost", port, socket.Infinity, socket.Packet(framing.Line))
		defer s.Close()
		names[s] = name
		peer, _ := ls.Accept(me, socket.Infinity)
		peer.Send([]byte("hello " + name + "\n"))
		peer.Close()
	}
	for open := len(names); open > 0; {
		msg, _ := me.Receive(nil, socket.Infinity)
		m, ok := msg.(socket.Message)
		if !ok {
			continue // not a socket's
		}
		switch m := m.(type) {
		case *socket.TCP:
			fmt.Printf("%s: %q\n", names[m.From()], m.Data)
		case *socket.TCPClosed:
			fmt.Printf("%s: closed\n", names[m.From()])
			open--
		}
	}
	// Unordered output:
	// a: "hello a\n"
	// a: closed
	// b: "hello b\n"
	// b: closed
}

// A Mode says what it is: compare it with False, True and Once; Count
// gives N of {active, N}.
func ExampleMode_Count() {
	describe := func(m socket.Mode) string {
		if n, ok := m.Count(); ok {
			return fmt.Sprintf("%v: %d messages, then tcp_passive", m, n)
		}
		switch m {
		case socket.Once:
			return "once: one message, then passive"
		case socket.True:
			return "true: every packet a message"
		}
		return "false: passive, use Recv"
	}
	for _, m := range []socket.Mode{socket.False, socket.True, socket.Once, socket.N(5)} {
		fmt.Println(describe(m))
	}
	// Output:
	// false: passive, use Recv
	// true: every packet a message
	// once: one message, then passive
	// 5: 5 messages, then tcp_passive
}

// GetOpt reads one option back, as inet:getopts(S, [Name]) does, and the
// accessor for its type gives the value: here what is left of an
// {active, N} counter after one message.
func ExampleSocket_GetOpt() {
	system := actor.NewSystem()
	me, err := actor.NewProcess(system) // this goroutine's Erlang process
	if err != nil {
		fmt.Println(err)
		return
	}
	defer me.Close()
	ls, _ := socket.Listen(me, 0, socket.Active(socket.False))
	defer ls.Close()
	port, _ := ls.Port()
	s, _ := socket.Connect(me, "localhost", port, socket.Infinity,
		socket.Active(socket.N(2)), socket.Packet(framing.Line))
	defer s.Close()
	peer, _ := ls.Accept(me, socket.Infinity)
	defer peer.Close()
	peer.Send([]byte("one\n"))
	me.Receive(s.Match, socket.Infinity)

	active, _ := s.GetOpt(socket.OptActive)
	n, _ := active.Mode().Count()
	packet, _ := s.GetOpt(socket.OptPacket)
	timeout, _ := s.GetOpt(socket.OptSendTimeout)
	nodelay, _ := s.GetOpt(socket.OptNodelay)
	fmt.Println(active, n)
	fmt.Println(packet.Packet() == framing.Line, timeout.Duration() == socket.Infinity, nodelay.Bool())
	// Output:
	// {active,1} 1
	// true true false
}
