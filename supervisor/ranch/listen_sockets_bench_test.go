package ranch

import (
	"log/slog"
	"strconv"
	"testing"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
)

// BenchmarkListenSocketsAccept is BenchmarkListenerAccept with clients
// connecting at once (4 per GOMAXPROCS), to a listener of 4 acceptors
// with 1, 2 or 4 listening sockets (NumListenSockets): what sharding the
// accept queue with SO_REUSEPORT gives the accept path.
func BenchmarkListenSocketsAccept(b *testing.B) {
	for _, n := range []int{1, 2, 4} {
		b.Run("sockets="+strconv.Itoa(n), func(b *testing.B) {
			benchAccept(b, ListenerOptions{NumAcceptors: 4, NumListenSockets: n}, []byte{1})
		})
	}
}

// BenchmarkProxyHeaderAccept is the same with one listening socket, each
// client sending a PROXY header (version 1, and 2) before its byte, to a
// listener that reads it (ProxyHeader), against none: what reading the
// header costs a connection.
func BenchmarkProxyHeaderAccept(b *testing.B) {
	v1 := []byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n\x01")
	v2 := append([]byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c"), 192, 0, 2, 1, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb, 1)
	for _, tc := range []struct {
		name  string
		proxy bool
		first []byte
	}{{"none", false, []byte{1}}, {"v1", true, v1}, {"v2", true, v2}} {
		b.Run(tc.name, func(b *testing.B) {
			benchAccept(b, ListenerOptions{NumAcceptors: 4, ProxyHeader: tc.proxy}, tc.first)
		})
	}
}

// benchAccept runs clients in parallel against a closer listener with
// opts, each sending first and reading the close.
func benchAccept(b *testing.B, opts ListenerOptions, first []byte) {
	sys := testSystem(slog.New(slog.DiscardHandler))
	opts.Addr, opts.MaxConnections = "127.0.0.1:0", Unlimited
	opts.SocketOptions = []socket.Option{socket.Active(socket.Once)}
	l, err := StartListener(sys.Root, ActorProtocol(newCloser), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Stop()
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: l.Port()}
	for range 100 {
		benchConnect(b, sa, first)
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchConnect(b, sa, first)
		}
	})
}

// BenchmarkListenSocketsEcho is BenchmarkHandlerEcho's 64-byte echo over
// 1000 connections with 1 and 4 listening sockets: connections accepted
// from several sockets must echo as fast as from one.
func BenchmarkListenSocketsEcho(b *testing.B) {
	for _, n := range []int{1, 4} {
		b.Run("sockets="+strconv.Itoa(n), func(b *testing.B) { benchecho.Run(b, "handler-sockets-"+strconv.Itoa(n), 1000, 64) })
	}
}

func init() {
	for _, n := range []int{1, 4} {
		benchServers["handler-sockets-"+strconv.Itoa(n)] = func() (string, func(), error) {
			sys := testSystem(slog.New(slog.DiscardHandler))
			l, err := StartListener(sys.Root, HandlerProtocol(func() Handler { return benchEcho{} }), ListenerOptions{
				Addr: "127.0.0.1:0", MaxConnections: Unlimited, NumListenSockets: n,
				SocketOptions: []socket.Option{socket.Active(socket.Once)}})
			if err != nil {
				return "", nil, err
			}
			return l.Addr().String(), func() { l.Stop() }, nil
		}
	}
}
