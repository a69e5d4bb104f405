// Package echotest serves lines for the tests of the packages above
// supervisor/ranch: a listener whose handlers echo each line, and clients
// that send lines and read them back.
package echotest

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"testing"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// echo sends back each line.
type echo struct{ ranch.BaseHandler }

func (echo) HandleData(c *ranch.Conn, line []byte) ranch.Action {
	if err := c.Send(line); err != nil {
		return ranch.Fail(err)
	}
	return ranch.Continue
}

// Start starts a listener on 127.0.0.1 whose handlers echo lines, with
// opts (its Addr and SocketOptions are set here), in an actor system of
// its own; the listener stops when the test ends.
func Start(t testing.TB, opts ranch.ListenerOptions) (*actor.ActorSystem, *ranch.Listener) {
	t.Helper()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	opts.Addr = "127.0.0.1:0"
	opts.SocketOptions = []socket.Option{socket.Packet(framing.Line)}
	l, err := ranch.StartListener(sys.Root, ranch.HandlerProtocol(func() ranch.Handler { return echo{} }), opts)
	if err != nil {
		t.Fatalf("StartListener: %v", err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	return sys, l
}

// Clients connects n clients to addr, one after the other, each of which
// sends lines lines and reads each back before the next: once a client's
// first line is back, its connection's handler owns its socket. They
// close when the test ends.
func Clients(t testing.TB, addr string, n, lines int) []net.Conn {
	t.Helper()
	var cs []net.Conn
	for i := range n {
		c := testkit.Dial(t, addr)
		cs = append(cs, c)
		r := bufio.NewReader(c)
		for j := range lines {
			fmt.Fprintf(c, "line %d.%d\n", i, j)
			if _, err := r.ReadString('\n'); err != nil {
				t.Fatalf("client %d, line %d: %v", i, j, err)
			}
		}
	}
	return cs
}
