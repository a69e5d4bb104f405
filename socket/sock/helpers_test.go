package sock

import (
	"errors"
	"fmt"
	"testing"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// open opens a socket that the test closes when it ends.
func open(t testing.TB, d Domain, typ Type, p Protocol) *Socket {
	t.Helper()
	s, err := Open(d, typ, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// listener returns a stream socket listening on the loopback address of d.
func listener(t testing.TB, d Domain) (*Socket, Addr) {
	t.Helper()
	l := open(t, d, Stream, TCP)
	testkit.Must(t, l.Bind(Loopback(d, 0)))
	testkit.Must(t, l.Listen(DefaultBacklog))
	return l, sockname(t, l)
}

// tcpPair returns the two ends of a TCP connection over 127.0.0.1: the
// connecting one and the accepted one.
func tcpPair(t testing.TB) (client, server *Socket) {
	t.Helper()
	l, addr := listener(t, Inet)
	client = open(t, Inet, Stream, TCP)
	testkit.Must(t, client.Connect(addr, testkit.WaitBound))
	server, err := l.Accept(testkit.WaitBound)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return client, server
}

// udpPair returns two UDP sockets bound to the loopback address of d, and
// their addresses.
func udpPair(t testing.TB, d Domain) (a, b *Socket, aAddr, bAddr Addr) {
	t.Helper()
	a, b = open(t, d, Dgram, UDP), open(t, d, Dgram, UDP)
	testkit.Must(t, a.Bind(Loopback(d, 0)))
	testkit.Must(t, b.Bind(Loopback(d, 0)))
	return a, b, sockname(t, a), sockname(t, b)
}

func sockname(t testing.TB, s *Socket) Addr {
	t.Helper()
	a, err := s.Sockname()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantReason fails t unless err's Erlang reason is reason and err is the
// *inet.Error of call op.
func wantReason(t testing.TB, what string, err error, op, reason string) {
	t.Helper()
	var se *inet.Error
	if !errors.As(err, &se) || se.Op != op || inet.Reason(err) != reason {
		t.Fatalf("%s = %v, want socket: %s: %s", what, err, op, reason)
	}
}

// recvAll receives exactly n bytes.
func recvAll(t testing.TB, s *Socket, n int) []byte {
	t.Helper()
	data, err := s.Recv(n, testkit.WaitBound)
	if err != nil {
		t.Fatalf("Recv(%d): %v after %d bytes", n, err, len(data))
	}
	return data
}

// pattern returns n bytes that show loss and reordering, different for
// each seed: the escript's msg/2.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i + seed)
	}
	return b
}

// waitBlocked waits until n calls wait on s for writing (write) or reading.
func waitBlocked(t testing.TB, s *Socket, write bool, n int) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("%d calls waiting on %v (write %v)", n, s, write), func() bool {
		return s.pool.Waiting(s.h, write) == n
	})
}

// closeWakes makes n calls of call on s, waits until blocked of them wait
// in the driver for reading (the others wait for their turn), closes s,
// and checks that every call returns closed.
func closeWakes(t testing.TB, s *Socket, n, blocked int, op string, call func() error) {
	t.Helper()
	errs := make(chan error, n)
	for range n {
		go func() { errs <- call() }()
	}
	waitBlocked(t, s, false, blocked)
	testkit.Must(t, s.Close())
	for range n {
		wantReason(t, "blocked "+op, <-errs, op, "closed")
	}
}
