package ranch

import (
	"log/slog"
	"strconv"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
)

// BenchmarkListenerAccept is a connection's life through a listener, one
// at a time: the client connects and sends a byte, an acceptor accepts and
// hands the socket off, a handler starts, takes the byte in {active,
// once}, closes and stops, and the client reads the close. Its allocations
// are the accept path's and the connection's own (its port, its handler
// actor, its records); the client makes its syscalls without net, so as
// to allocate nothing.
func BenchmarkListenerAccept(b *testing.B) { benchAcceptOne(b, nil) }

// hookEvents is a listener's Events that does nothing, but is not
// NopEvents: the listener reads each connection's peer address and its
// accept's time for it, as for any hook (metrics.Metrics' Events, say).
type hookEvents struct{ NopEvents }

// BenchmarkListenerAcceptHooks is BenchmarkListenerAccept with an Events
// hook: the cost of the hooks' inputs (a getpeername and the time at
// each accept, a connection record of 64 bytes instead of 16), not of
// what a hook does with them.
func BenchmarkListenerAcceptHooks(b *testing.B) { benchAcceptOne(b, hookEvents{}) }

// benchAcceptOne is BenchmarkListenerAccept with events as the listener's
// Events.
func benchAcceptOne(b *testing.B, events Events) {
	sys := testSystem(slog.New(slog.DiscardHandler))
	l, err := StartListener(sys.Root, ActorProtocol(newCloser), ListenerOptions{Addr: "127.0.0.1:0",
		SocketOptions: []socket.Option{socket.Active(socket.Once)}, NumAcceptors: 1, Events: events})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Stop()
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: l.Port()}
	one := []byte{1}
	for range 100 { // warm up: workers, registries, the slot table
		benchConnect(b, sa, one)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		benchConnect(b, sa, one)
	}
}

// benchConnect connects to sa, sends first, and reads until the server
// closes, with syscalls only, so as to allocate nothing (but buf).
func benchConnect(b *testing.B, sa *unix.SockaddrInet4, first []byte) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		b.Fatal(err)
	}
	unix.CloseOnExec(fd)
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil {
		b.Fatal(err)
	}
	if _, err := unix.Write(fd, first); err != nil {
		b.Fatal(err)
	}
	var buf [1]byte
	for {
		n, err := unix.Read(fd, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && err != unix.ECONNRESET {
			b.Fatal(err)
		}
		if n <= 0 {
			return
		}
	}
}

// closer is a handler that closes its connection at its first packet.
type closer struct{ s *socket.Socket }

func newCloser(_ *Listener, s *socket.Socket) actor.Actor { return closer{s} }

func (c closer) Receive(ctx actor.Context) {
	if _, ok := ctx.Message().(*socket.TCP); ok {
		c.s.Close()
		ctx.Stop(ctx.Self())
	}
}

// BenchmarkHandlerEcho is a 64-byte echo over 100 and 1000 connections in
// {active, once}, through a listener, with a handler that is an actor of
// its own (ActorProtocol, re-arming by hand) and one that is a Handler
// (HandlerProtocol): the behaviour must cost the data path nothing. Each
// server runs in a child process pinned to CPU 0.
func BenchmarkHandlerEcho(b *testing.B) {
	for _, conns := range []int{100, 1000} {
		for _, server := range []string{"actor", "handler"} {
			b.Run(server+"/"+strconv.Itoa(conns), func(b *testing.B) { benchecho.Run(b, server, conns, 64) })
		}
	}
}

var benchServers = map[string]benchecho.Server{
	"actor": func() (string, func(), error) { return benchListener(ActorProtocol(newEcho)) },
	"handler": func() (string, func(), error) {
		return benchListener(HandlerProtocol(func() Handler { return benchEcho{} }))
	},
}

// benchListener serves proto in {active, once} on 127.0.0.1.
func benchListener(proto Protocol) (string, func(), error) {
	sys := testSystem(slog.New(slog.DiscardHandler))
	l, err := StartListener(sys.Root, proto, ListenerOptions{Addr: "127.0.0.1:0", MaxConnections: Unlimited,
		SocketOptions: []socket.Option{socket.Active(socket.Once)}})
	if err != nil {
		return "", nil, err
	}
	return l.Addr().String(), func() { l.Stop() }, nil
}

// benchEcho is the echo Handler.
type benchEcho struct{ BaseHandler }

func (benchEcho) HandleData(c *Conn, data []byte) Action {
	c.Send(data)
	return Continue
}
