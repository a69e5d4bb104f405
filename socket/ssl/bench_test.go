package ssl

import (
	"crypto/tls"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// BenchmarkTLSEcho is a TLS echo of 64 and 4096 bytes over 100 and 1000
// connections (crypto/tls clients, TLS 1.3), against otpnet's TLS port
// served by an actor per connection in {active, once}, which releases
// each packet after its Send, and against crypto/tls with a goroutine per
// connection; each server in a child process pinned to CPU 0, the
// clients on CPU 1. It reports msgs/s and the server's CPU per message.
func BenchmarkTLSEcho(b *testing.B) {
	for _, size := range []int{64, 4096} {
		for _, conns := range []int{100, 1000} {
			for _, server := range []string{"otpnet-tls", "crypto-tls"} {
				name := server + "/" + strconv.Itoa(size) + "B/" + strconv.Itoa(conns)
				b.Run(name, func(b *testing.B) { benchecho.RunDial(b, server, conns, size, tlsDial) })
			}
		}
	}
}

// BenchmarkTLSIdle measures the server's RSS, heap and goroutines per
// idle TLS connection over 1000 connections, after one echo on each of
// 64 bytes, or of 16 KiB and then 64 KiB (full records, which grow
// crypto/tls's buffers: an idle port gives them back, see the package
// doc): run it with -benchtime 1x.
func BenchmarkTLSIdle(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes []int
	}{{"64B", []int{64}}, {"16KiB+64KiB", []int{16 << 10, 64 << 10}}} {
		for _, server := range []string{"otpnet-tls", "crypto-tls"} {
			b.Run(server+"/"+size.name, func(b *testing.B) { benchecho.IdleAfter(b, server, 1000, size.bytes, tlsDial) })
		}
	}
}

// tlsDial is the benchmarks' client: crypto/tls, its handshake done.
func tlsDial(addr string) (net.Conn, error) {
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return nil, err
	}
	return c, c.Handshake()
}

var benchServers = map[string]benchecho.Server{
	"otpnet-tls": otpnetTLSServer,
	"crypto-tls": cryptoTLSServer,
}

// benchCert is a server certificate made for the child's run.
func benchCert() (tls.Certificate, func(), error) {
	dir, err := os.MkdirTemp("", "otpnet-ssl-bench")
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	p, err := testkit.MakePKI(dir, false)
	if err != nil {
		os.RemoveAll(dir)
		return tls.Certificate{}, nil, err
	}
	return p.Server, func() { os.RemoveAll(dir) }, nil
}

// otpnetTLSServer accepts, has a goroutine run each handshake, and hands
// each connection to an actor of its own, which echoes in {active, once}.
func otpnetTLSServer() (string, func(), error) {
	cert, clean, err := benchCert()
	if err != nil {
		return "", nil, err
	}
	sys := testSystem
	acceptor, err := otpactor.NewProcess(sys)
	if err != nil {
		return "", nil, err
	}
	l, err := Listen(acceptor, 0, Certificates(cert), SocketOptions(socket.IP(loopback), socket.Active(socket.False), socket.Backlog(1024), socket.Nodelay(true)))
	if err != nil {
		return "", nil, err
	}
	port, err := l.Socket().Port()
	if err != nil {
		return "", nil, err
	}
	props := actor.PropsFromProducer(func() actor.Actor { return tlsEchoActor{} }, otpactor.WithOwnerMailbox())
	go func() {
		for {
			s, err := l.TransportAccept(acceptor, socket.Infinity)
			if err != nil {
				return
			}
			go func() {
				if s.Handshake(testkit.WaitBound) != nil {
					return
				}
				pid := sys.Root.Spawn(props)
				s.ControllingProcess(acceptor, pid)
				s.SetOpts(socket.Active(socket.Once))
			}()
		}
	}()
	return "127.0.0.1:" + strconv.Itoa(port), func() { l.Close(); acceptor.Close(); clean() }, nil
}

type tlsEchoActor struct{}

func (tlsEchoActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *SSL:
		m.Socket.Send(m.Data)
		m.Release()
		m.Socket.SetOpts(socket.Active(socket.Once))
	case *Closed:
		ctx.Stop(ctx.Self())
	}
}

// cryptoTLSServer is crypto/tls's echo with a goroutine per connection,
// reading into a buffer of one record's size.
func cryptoTLSServer() (string, func(), error) {
	cert, clean, err := benchCert()
	if err != nil {
		return "", nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return "", nil, err
	}
	go benchecho.Serve(ln, 16<<10)
	return ln.Addr().String(), func() { ln.Close(); clean() }, nil
}
