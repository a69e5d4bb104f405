package driver

import (
	"strconv"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/benchecho"
	"github.com/otpnet/otpnet/internal/unix"
)

// BenchmarkEcho100 is a 64-byte echo over 100 loopback connections, each
// with one message in flight, against the driver and against a net
// goroutine-per-connection server, each in a child process pinned to CPU 0.
// It reports msgs/s and the server's CPU time (utime+stime) per message.
// driver is the default backend, driver-portable the portable one,
// driver-poll the poll one.
func BenchmarkEcho100(b *testing.B) {
	for _, server := range []string{"driver", "driver-portable", "driver-poll", "stdlib"} {
		b.Run(server, func(b *testing.B) { benchecho.Run(b, server, 100, 64) })
	}
}

var benchServers = map[string]benchecho.Server{
	"driver":          func() (string, func(), error) { return driverEchoServer() },
	"driver-portable": func() (string, func(), error) { return driverEchoServer(Backend("portable")) },
	"driver-poll":     func() (string, func(), error) { return driverEchoServer(Backend("poll")) },
	"stdlib":          benchecho.Stdlib,
}

func driverEchoServer(opts ...Option) (string, func(), error) {
	pl, err := NewPool(opts...)
	if err != nil {
		return "", nil, err
	}
	l, err := pl.Listen(loopback4, 1024, reuseAddr)
	if err != nil {
		return "", nil, err
	}
	var sa unix.Sockaddr
	pl.Control(l, func(fd int) (err error) { sa, err = unix.Getsockname(fd); return })
	go func() {
		for {
			e := &echo{pl: pl}
			h, err := pl.Accept(l, time.Time{}, e)
			if err != nil {
				return
			}
			e.h = h
			pl.Resume(h)
		}
	}()
	return "127.0.0.1:" + strconv.Itoa(sa.(*unix.SockaddrInet4).Port), func() { pl.Stop() }, nil
}

// echo writes back what it reads, from the poller.
type echo struct {
	pl *Pool
	h  Handle
}

func (e *echo) OnRead(b []byte) bool {
	if _, err := e.pl.Write(e.h, b); err != nil {
		e.pl.Close(e.h)
		return false
	}
	return true
}

func (e *echo) OnEOF()        { e.pl.Close(e.h) }
func (e *echo) OnError(error) { e.pl.Close(e.h) }
func (e *echo) OnFlush(int)   {}
