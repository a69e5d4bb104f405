// Command gnetecho is the benchmark's gnet v2 echo server: gnet's event
// loops (one per CPU the process may use) echo every connection's inbound
// buffer from OnTraffic. It is its own module so that gnet is not one of
// otpnet's dependencies.
//
//	gnetecho [-addr 127.0.0.1:0]
//
// Its first line on stdout is "listening on HOST:PORT". SIGINT or SIGTERM
// stops it; it exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// echo is the gnet event handler.
type echo struct {
	gnet.BuiltinEventEngine
	ready chan<- gnet.Engine
}

// OnBoot reports the bound address: gnet only takes a port number.
func (e *echo) OnBoot(eng gnet.Engine) gnet.Action {
	e.ready <- eng
	return gnet.None
}

// OnTraffic writes back everything buffered.
func (e *echo) OnTraffic(c gnet.Conn) gnet.Action {
	b, _ := c.Next(-1)
	c.Write(b)
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fail(err)
	}
	ready := make(chan gnet.Engine, 1)
	done := make(chan error, 1)
	go func() {
		done <- gnet.Run(&echo{ready: ready}, "tcp://"+*addr,
			gnet.WithMulticore(true),
			gnet.WithReuseAddr(true),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithLogger(stderrLog{}))
	}()
	var eng gnet.Engine
	select {
	case eng = <-ready:
	case err := <-done:
		fail(err)
	}
	port, err := boundPort(eng)
	if err != nil {
		fail(err)
	}
	fmt.Printf("listening on %s\n", net.JoinHostPort(host, strconv.Itoa(port)))

	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		eng.Stop(sctx)
		<-done
	case err := <-done:
		if err != nil {
			fail(err)
		}
	}
}

// boundPort asks the kernel which port the engine's listener got.
func boundPort(eng gnet.Engine) (int, error) {
	fd, err := eng.Dup()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port, nil
	case *unix.SockaddrInet6:
		return a.Port, nil
	}
	return 0, fmt.Errorf("listener address %T", sa)
}

// stderrLog is gnet's logger: warnings and errors to stderr, the rest
// dropped, so that stdout's first line is the address.
type stderrLog struct{}

func (stderrLog) Debugf(string, ...any) {}
func (stderrLog) Infof(string, ...any)  {}
func (stderrLog) Warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnetecho: "+format+"\n", args...)
}
func (stderrLog) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnetecho: "+format+"\n", args...)
}
func (stderrLog) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnetecho: "+format+"\n", args...)
	os.Exit(1)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gnetecho:", err)
	os.Exit(1)
}
