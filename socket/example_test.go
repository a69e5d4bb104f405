package socket_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket"
)

var system = actor.NewSystem()

// self is a plain goroutine's Erlang process: spawn(fun() -> ... end).
func self() *actor.Process {
	p, err := actor.NewProcess(system)
	if err != nil {
		panic(err)
	}
	return p
}

// The client and server at the top of the gen_tcp manual: the client
// connects, sends a binary and closes; the server accepts and receives
// until the client closes.
//
//	client() ->
//	    {ok, Sock} = gen_tcp:connect(SomeHostInNet, 5678, [binary, {packet, 0}]),
//	    ok = gen_tcp:send(Sock, "Some Data"),
//	    ok = gen_tcp:close(Sock).
//
//	server() ->
//	    {ok, LSock} = gen_tcp:listen(5678, [binary, {packet, 0}, {active, false}]),
//	    {ok, Sock} = gen_tcp:accept(LSock),
//	    {ok, Bin} = do_recv(Sock, []),
//	    ok = gen_tcp:close(Sock),
//	    ok = gen_tcp:close(LSock),
//	    Bin.
func Example() {
	server := self()
	defer server.Close()
	lsock, _ := socket.Listen(server, 0, socket.Packet(framing.Raw), socket.Active(socket.False))
	port, _ := lsock.Port() // 5678 in the manual; here any free port

	go func() { // client()
		me := self()
		defer me.Close()
		sock, _ := socket.Connect(me, "localhost", port, socket.Infinity, socket.Packet(framing.Raw))
		sock.Send([]byte("Some Data"))
		sock.Close()
	}()

	sock, _ := lsock.Accept(server, socket.Infinity)
	bin := doRecv(sock, nil)
	sock.Close()
	lsock.Close()
	fmt.Printf("%s\n", bin)
	// Output: Some Data
}

// doRecv is do_recv/2: receive until the peer closes.
func doRecv(sock *socket.Socket, bs []byte) []byte {
	for {
		b, err := sock.Recv(0, socket.Infinity)
		if errors.Is(err, socket.ErrClosed) {
			return bs
		}
		bs = append(bs, b...)
	}
}

// The manual's {active, once} server: Num worker processes accept on one
// listening socket and answer each packet; start returns the port.
//
//	start(Num,LPort) ->
//	    case gen_tcp:listen(LPort,[{active, false},{packet,2}]) of
//	        {ok, ListenSock} ->
//	            start_servers(Num,ListenSock),
//	            {ok, Port} = inet:port(ListenSock),
//	            Port;
//	        {error,Reason} ->
//	            {error,Reason}
//	    end.
//
//	loop(S) ->
//	    inet:setopts(S,[{active,once}]),
//	    receive
//	        {tcp,S,Data} ->
//	            Answer = process(Data),
//	            gen_tcp:send(S,Answer),
//	            loop(S);
//	        {tcp_closed,S} ->
//	            ok
//	    end.
func Example_activeOnceWorkers() {
	port, lsock := start(3, 0)
	for _, msg := range []string{"hello", "active", "once"} {
		fmt.Println(client(port, msg))
	}
	lsock.Close() // the workers' accepts return closed: goodbye
	// Output:
	// HELLO
	// ACTIVE
	// ONCE
}

func start(num, lport int) (int, *socket.Socket) {
	owner := self()
	listenSock, err := socket.Listen(owner, lport, socket.Active(socket.False), socket.Packet(framing.Two))
	if err != nil {
		panic(err)
	}
	for range num {
		go server(listenSock)
	}
	port, _ := listenSock.Port()
	return port, listenSock
}

func server(ls *socket.Socket) {
	me := self()
	defer me.Close()
	for {
		s, err := ls.Accept(me, socket.Infinity)
		if err != nil {
			return // "accept returned ~w - goodbye!"
		}
		loop(me, s)
	}
}

func loop(me *actor.Process, s *socket.Socket) {
	for {
		s.SetOpts(socket.Active(socket.Once))
		msg, _ := me.Receive(s.Match, socket.Infinity)
		switch m := msg.(type) {
		case *socket.TCP:
			s.Send(process(m.Data))
		case *socket.TCPClosed:
			return
		}
	}
}

func process(data []byte) []byte { return bytes.ToUpper(data) }

// client(PortNo, Message) -> ... A = gen_tcp:recv(Sock,0), gen_tcp:close(Sock), A.
func client(portNo int, message string) string {
	me := self()
	defer me.Close()
	sock, err := socket.Connect(me, "localhost", portNo, socket.Infinity, socket.Active(socket.False), socket.Packet(framing.Two))
	if err != nil {
		return err.Error()
	}
	sock.Send([]byte(message))
	a, err := sock.Recv(0, socket.Infinity)
	sock.Close()
	if err != nil {
		return err.Error()
	}
	return string(a)
}

// The manual's send_timeout loop: a process forwards data to a server
// that stopped reading; send_timeout turns the hang into {error, timeout}.
//
//	loop(Sock) ->
//	    receive
//	        {Client, send_data, Binary} ->
//	            case gen_tcp:send(Sock,[Binary]) of
//	                {error, timeout} ->
//	                    io:format("Send timeout, closing!~n", []),
//	                    Client ! {self(),{error_sending, timeout}},
//	                    gen_tcp:close(Sock);
//	                ok ->
//	                    Client ! {self(), data_sent},
//	                    loop(Sock)
//	            end
//	    end.
func Example_sendTimeout() {
	// A server that accepts and never reads.
	srv := self()
	defer srv.Close()
	ls, _ := socket.Listen(srv, 0, socket.Active(socket.False), socket.Recbuf(4096))
	port, _ := ls.Port()
	defer ls.Close()

	forwarder := self()
	sock, _ := socket.Connect(forwarder, "localhost", port, socket.Infinity,
		socket.Active(socket.False), socket.SendTimeout(200*time.Millisecond),
		socket.Packet(framing.Two), socket.Sndbuf(4096))
	conn, _ := ls.Accept(srv, socket.Infinity)
	defer conn.Close()

	type sendData struct {
		client *actor.PID
		binary []byte
	}
	go func() { // loop(Sock)
		defer forwarder.Close()
		for {
			msg, _ := forwarder.Receive(nil, socket.Infinity)
			req := msg.(sendData)
			switch err := sock.Send(req.binary); {
			case errors.Is(err, socket.ErrTimeout):
				fmt.Println("Send timeout, closing!")
				system.Root.Send(req.client, "error_sending timeout")
				sock.Close()
				return
			case err != nil:
				system.Root.Send(req.client, "error_sending "+inet.Reason(err))
				sock.Close()
				return
			default:
				system.Root.Send(req.client, "data_sent")
			}
		}
	}()

	client := self()
	defer client.Close()
	chunk := make([]byte, 60000)
	for {
		system.Root.Send(forwarder.PID(), sendData{client.PID(), chunk})
		reply, _ := client.Receive(nil, socket.Infinity)
		if reply != "data_sent" {
			fmt.Println(reply)
			break
		}
	}
	// Output:
	// Send timeout, closing!
	// error_sending timeout
}

// The passive read_loop of "gen_tcp basics": recv with a timeout, until
// the peer closes.
//
//	def read_loop(socket) do
//	  case :gen_tcp.recv(socket, 0, 30_000) do
//	    {:ok, data} -> handle(data); read_loop(socket)
//	    {:error, :closed} -> :ok
//	    {:error, :timeout} -> read_loop(socket)
//	  end
//	end
func Example_readLoop() {
	me := self()
	defer me.Close()
	ls, _ := socket.Listen(me, 0, socket.Active(socket.False), socket.Packet(framing.Line))
	defer ls.Close()
	port, _ := ls.Port()
	go func() {
		peer := self()
		defer peer.Close()
		c, _ := socket.Connect(peer, "localhost", port, socket.Infinity)
		c.Send([]byte("one\ntwo\n"))
		c.Close()
	}()
	s, _ := ls.Accept(me, socket.Infinity)
	readLoop(s)
	// Output:
	// handle "one\n"
	// handle "two\n"
}

func readLoop(s *socket.Socket) {
	for {
		data, err := s.Recv(0, 30*time.Second)
		switch {
		case err == nil:
			fmt.Printf("handle %q\n", data)
		case errors.Is(err, socket.ErrClosed):
			return
		case errors.Is(err, socket.ErrTimeout):
		}
	}
}

// EchoServer and EchoClient of "gen_tcp basics": a server that serves one
// connection at a time, echoing lines, and a client that sends lines and
// prints the replies.
func Example_echoServer() {
	me := self()
	defer me.Close()
	listenSocket, _ := socket.Listen(me, 0, socket.Packet(framing.Line), socket.Active(socket.False), socket.Reuseaddr(true))
	port, _ := listenSocket.Port() // 4040 in the article
	go acceptLoop(listenSocket)

	sendLines("localhost", port, []string{"hello", "world"})
	listenSocket.Close()
	// Output:
	// hello
	// world
}

// acceptLoop is EchoServer.accept_loop/1 and serve/1.
func acceptLoop(listenSocket *socket.Socket) {
	me := self()
	defer me.Close()
	for {
		client, err := listenSocket.Accept(me, socket.Infinity)
		if err != nil {
			return
		}
		for {
			line, err := client.Recv(0, socket.Infinity)
			if err != nil {
				break // {:error, :closed}
			}
			client.Send(line)
		}
		client.Close()
	}
}

// sendLines is EchoClient.send_lines/3.
func sendLines(host string, port int, lines []string) {
	me := self()
	defer me.Close()
	sock, err := socket.Connect(me, host, port, socket.Infinity, socket.Packet(framing.Line), socket.Active(socket.False))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range lines {
		sock.Send([]byte(line + "\n"))
		reply, _ := sock.Recv(0, 5*time.Second)
		fmt.Print(string(reply))
	}
	sock.Close()
}
