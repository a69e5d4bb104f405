package socket

import (
	"strconv"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/benchecho"
)

// BenchmarkEchoActiveOnce is the socket's benchmark: a 64-byte echo over 100
// and 1000 connections, each served by its own protoactor actor that owns
// its socket in {active, once}, against a net goroutine-per-connection
// server; each server in a child process pinned to CPU 0.
func BenchmarkEchoActiveOnce(b *testing.B) {
	for _, conns := range []int{100, 1000} {
		for _, server := range []string{"otpnet", "stdlib"} {
			b.Run(server+"/"+strconv.Itoa(conns), func(b *testing.B) { benchecho.Run(b, server, conns, 64) })
		}
	}
}

// BenchmarkEchoCells is the echo at the cells where large data costs
// copies: 4096-byte messages over 100 connections and 64-byte ones over
// one, against otpnet's echo that releases each packet's data once Send
// has taken it (TCP.Release) and net's.
func BenchmarkEchoCells(b *testing.B) {
	for _, c := range []struct{ size, conns int }{{4096, 100}, {64, 1}} {
		for _, server := range []string{"otpnet", "otpnet-release", "stdlib"} {
			b.Run(server+"/"+strconv.Itoa(c.size)+"B/"+strconv.Itoa(c.conns), func(b *testing.B) {
				benchecho.Run(b, server, c.conns, c.size)
			})
		}
	}
}

var benchServers = map[string]benchecho.Server{
	"otpnet":         func() (string, func(), error) { return onceEchoServer(echoActor{}) },
	"otpnet-release": func() (string, func(), error) { return onceEchoServer(echoActor{release: true}) },
	"stdlib":         benchecho.Stdlib,
}

// onceEchoServer is the seed's echo server: an acceptor hands each
// connection to an actor of its own, which echoes in {active, once}:
// echo.
func onceEchoServer(echo echoActor) (string, func(), error) {
	sys := testSystem
	acceptor, err := otpactor.NewProcess(sys)
	if err != nil {
		return "", nil, err
	}
	l, err := Listen(acceptor, 0, IP(loopback), Active(False), Backlog(1024), Nodelay(true))
	if err != nil {
		return "", nil, err
	}
	port, err := l.Port()
	props := actor.PropsFromProducer(func() actor.Actor { return echo }, otpactor.WithOwnerMailbox())
	go func() {
		for {
			s, err := l.Accept(acceptor, Infinity)
			if err != nil {
				return
			}
			pid := sys.Root.Spawn(props)
			s.ControllingProcess(acceptor, pid)
			s.SetOpts(Active(Once))
		}
	}()
	if err != nil {
		return "", nil, err
	}
	return "127.0.0.1:" + strconv.Itoa(port), func() { l.Close(); acceptor.Close() }, nil
}

// echoActor echoes each packet; with release, it then hands the
// packet's data back to the port (TCP.Release).
type echoActor struct{ release bool }

func (e echoActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *TCP:
		m.Socket.Send(m.Data)
		if e.release {
			m.Release()
		}
		m.Socket.SetOpts(Active(Once))
	case *TCPClosed:
		ctx.Stop(ctx.Self())
	}
}
