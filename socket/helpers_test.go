package socket

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
)

// proc is a plain goroutine's process for tests.
type proc struct{ *otpactor.Process }

var testSystem = otpactor.NewSystem()

func newProc(t testing.TB) proc {
	t.Helper()
	return procIn(t, testSystem)
}

// procIn returns a process of sys, closed when the test ends.
func procIn(t testing.TB, sys *actor.ActorSystem) proc {
	t.Helper()
	p, err := otpactor.NewProcess(sys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return proc{p}
}

// expect receives the next message, failing t if none comes in 5 s.
func (p proc) expect(t testing.TB) any {
	t.Helper()
	m, err := p.Receive(nil, 5*time.Second)
	if err != nil {
		t.Fatal("no message within 5 s")
	}
	return m
}

// none checks that no message is waiting, or comes within d.
func (p proc) none(t testing.TB, d time.Duration) {
	t.Helper()
	if m, err := p.Receive(nil, d); err == nil {
		t.Fatalf("unexpected message %#v", m)
	}
}

// pair returns a connected client and server socket, both owned by p,
// with opts on the listener (so on the server) and on the client.
func pair(t testing.TB, p proc, opts ...Option) (client, server *Socket) {
	t.Helper()
	l, err := Listen(p, 0, append([]Option{IP(loopback)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port, err := l.Port()
	if err != nil {
		t.Fatal(err)
	}
	client, err = Connect(p, "127.0.0.1", port, 5*time.Second, opts...)
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept(p, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// sendUntilError sends 64 KiB at a time on c, whose peer does not read,
// until a Send fails (at most 1000 times), and returns its error.
func sendUntilError(c *Socket) error {
	chunk := make([]byte, 64<<10)
	for range 1000 {
		if err := c.Send(chunk); err != nil {
			return err
		}
	}
	return nil
}
