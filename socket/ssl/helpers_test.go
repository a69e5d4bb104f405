package ssl

import (
	"net/netip"
	"testing"

	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// The ssl tests' helpers: processes, options with the certificates of a
// testkit.PKI, and sockets that t.Fatal on error.

type proc struct{ *otpactor.Process }

var testSystem = otpactor.NewSystem()

func newProc(t testing.TB) proc {
	t.Helper()
	p, err := otpactor.NewProcess(testSystem)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return proc{p}
}

var loopback = netip.MustParseAddr("127.0.0.1")

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// serverOpts are a server's options with p's certificate.
func serverOpts(p *testkit.PKI, more ...Option) []Option {
	return append([]Option{CertFile(p.ServerCert), KeyFile(p.ServerKey)}, more...)
}

// clientOpts are a client's options that trust p's CA.
func clientOpts(p *testkit.PKI, more ...Option) []Option {
	return append([]Option{CACertFile(p.CAFile)}, more...)
}

// listenLo is ssl:listen(0, Opts) on 127.0.0.1 for c: the socket and its
// port. The caller closes it.
func listenLo(t testing.TB, c socket.Caller, opts ...Option) (*Socket, int) {
	t.Helper()
	opts = append([]Option{SocketOptions(socket.IP(loopback))}, opts...)
	l, err := Listen(c, 0, opts...)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port, err := l.Socket().Port()
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	return l, port
}

// pair is a server connection, accepted and handshaken by srv, and the
// client connection of cli to it, with their options.
func pair(t *testing.T, p *testkit.PKI, srv, cli proc, sopts, copts []Option) (server, client *Socket) {
	t.Helper()
	l, port := listenLo(t, srv, serverOpts(p, sopts...)...)
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		s, err := l.TransportAccept(srv, socket.Infinity)
		if err == nil {
			err = s.Handshake(testkit.WaitBound)
		}
		server = s
		done <- err
	}()
	client, err := Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(p, copts...)...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := testkit.Result(t, "the server's handshake", done); err != nil {
		client.Close()
		t.Fatalf("handshake: %v", err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server, client
}
