package ranch

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// tlsEcho is a Handler that echoes each line over TLS.
type tlsEcho struct{ BaseHandler }

func (tlsEcho) HandleData(c *Conn, line []byte) Action {
	if err := c.Send(line); err != nil {
		return Fail(err)
	}
	return Continue
}

// tlsPool starts a TLS line echo with opts on top of a certificate of p.
func tlsPool(t *testing.T, p *testkit.PKI, opts ListenerOptions) *pool {
	t.Helper()
	opts.TLS = append([]ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey)}, opts.TLS...)
	opts.SocketOptions = append([]socket.Option{socket.Packet(framing.Line)}, opts.SocketOptions...)
	return startPool(t, HandlerProtocol(func() Handler { return tlsEcho{} }), opts)
}

// tlsDial is a crypto/tls client of the pool that trusts p.
func tlsDial(t *testing.T, pl *pool, p *testkit.PKI) *tls.Conn {
	t.Helper()
	c := tls.Client(pl.dial(t), &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	t.Cleanup(func() { c.Close() })
	must(t, c.Handshake())
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A HandlerProtocol serves TLS as it serves TCP: its Conn takes *ssl.SSL
// and *ssl.Closed as *socket.TCP and *socket.TCPClosed, and its Send goes
// out in TLS records.
func TestTLSHandler(t *testing.T) {
	p := testkit.NewPKI(t, false)
	for _, mode := range []socket.Mode{socket.Once, socket.N(2), socket.True} {
		t.Run(mode.String(), func(t *testing.T) {
			pl := tlsPool(t, p, ListenerOptions{SocketOptions: []socket.Option{socket.Active(mode)}, NumAcceptors: 2})
			c := tlsDial(t, pl, p)
			r := bufio.NewReader(c)
			for _, line := range []string{"one\n", "two\n", "three\n", "four\n", "five\n"} {
				_, err := c.Write([]byte(line))
				must(t, err)
				got, err := r.ReadString('\n')
				must(t, err)
				if got != line {
					t.Fatalf("echo %q, want %q", got, line)
				}
			}
			start := pl.ev.wait(t, "conn_start")
			c.Close()
			if stop := pl.ev.wait(t, "conn_stop"); !stop.pid.Equal(start.pid) {
				t.Fatalf("conn_stop %v, conn_start %v", stop.pid, start.pid)
			}
		})
	}
}

// A handshake that fails (a client that never speaks, one that sends
// garbage) closes its connection within HandshakeTimeout and frees its
// slot: with one slot, the next client is served.
func TestTLSFailedHandshakeFreesSlot(t *testing.T) {
	p := testkit.NewPKI(t, false)
	pl := tlsPool(t, p, ListenerOptions{NumAcceptors: 1, MaxConnections: 1, HandshakeTimeout: 100 * time.Millisecond})
	for _, peer := range []func(net.Conn){
		func(net.Conn) {},
		func(c net.Conn) { c.Write([]byte("GET / HTTP/1.1\r\n\r\n")) },
	} {
		bad := pl.dial(t)
		peer(bad)
		e := pl.ev.wait(t, "accept_error")
		var se interface{ Unwrap() error }
		if !errors.As(e.err, &se) || !strings.Contains(e.err.Error(), "handshake") {
			t.Fatalf("accept_error %v, want the handshake's", e.err)
		}
		testkit.PeerClosed(t, bad)
		bad.Close()
	}
	tlsEchoed(t, pl, p)
}

// tlsEchoed checks that a TLS client of the pool is served: its line
// comes back.
func tlsEchoed(t *testing.T, pl *pool, p *testkit.PKI) {
	t.Helper()
	c := tlsDial(t, pl, p)
	_, err := c.Write([]byte("hi\n"))
	must(t, err)
	readBack(t, c, "hi\n")
}

// A certificate file that cannot be read fails StartListener, naming it.
func TestTLSBadCertFile(t *testing.T) {
	p := testkit.NewPKI(t, false)
	leaktest.Check(t)
	sys := testSystem(slog.New(make(records, 100)))
	_, err := StartListener(sys.Root, HandlerProtocol(func() Handler { return tlsEcho{} }), ListenerOptions{
		Addr: "127.0.0.1:0",
		TLS:  []ssl.Option{ssl.CertFile(p.Dir + "/missing.pem"), ssl.KeyFile(p.ServerKey)},
	})
	if err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("StartListener: %v, want an error naming missing.pem", err)
	}
}

// ssl.Of gives a handler the TLS side of its socket: here the client's
// certificate, which the listener asked for.
type certEcho struct{ BaseHandler }

func (certEcho) HandleConnection(c *Conn) Action {
	ts, ok := ssl.Of(c.Socket())
	if !ok {
		return Fail(errors.New("not a TLS socket"))
	}
	cert, err := ts.PeerCert()
	if err != nil {
		return Fail(err)
	}
	if err := c.Send([]byte(cert.Subject.CommonName + "\n")); err != nil {
		return Fail(err)
	}
	return Close
}

func TestTLSPeerCertInHandler(t *testing.T) {
	p := testkit.NewPKI(t, false)
	pl := startPool(t, HandlerProtocol(func() Handler { return certEcho{} }), ListenerOptions{
		TLS:           []ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey), ssl.Verify(ssl.VerifyPeer), ssl.FailIfNoPeerCert(true), ssl.CACertFile(p.CAFile)},
		SocketOptions: []socket.Option{socket.Packet(framing.Line)},
	})
	c := tls.Client(pl.dial(t), &tls.Config{RootCAs: p.Pool, ServerName: "localhost", Certificates: []tls.Certificate{p.Client}})
	defer c.Close()
	got, err := bufio.NewReader(c).ReadString('\n')
	must(t, err)
	if got != "client\n" {
		t.Fatalf("the handler saw %q", got)
	}
}

// A slow handshake holds no acceptor: with N acceptors and N+1 clients
// that never speak, a TLS client (or, with ProxyHeader, one that sends
// its header) is served before any of the silent ones times out. Stop
// then cuts the pending handshakes: each one's socket closes and its
// AcceptErrorEvent says closed.
func TestSlowHandshakeHoldsNoAcceptor(t *testing.T) {
	p := testkit.NewPKI(t, false)
	const acceptors = 2
	for _, tc := range []struct {
		name  string
		opts  ListenerOptions
		op    string
		serve func(t *testing.T, pl *pool)
	}{
		{"tls", ListenerOptions{}, "handshake", func(t *testing.T, pl *pool) { tlsEchoed(t, pl, p) }},
		{"proxy", ListenerOptions{ProxyHeader: true}, "proxy_header", func(t *testing.T, pl *pool) {
			c := pl.dial(t)
			_, err := c.Write(append(header(t, proxyV1), "hi\n"...))
			must(t, err)
			readBack(t, c, "hi\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.NumAcceptors, opts.HandshakeTimeout = acceptors, time.Minute
			var pl *pool
			if opts.ProxyHeader {
				opts.SocketOptions = []socket.Option{socket.Packet(framing.Line)}
				pl, _ = proxyPool(t, opts)
			} else {
				pl = tlsPool(t, p, opts)
			}
			var silent []net.Conn
			for range acceptors + 1 {
				silent = append(silent, pl.dial(t))
			}
			pl.ev.waitN(t, "accept", acceptors+1)
			tc.serve(t, pl)
			pl.ev.wait(t, "conn_start")
			pl.ev.none(t, "accept_error")
			must(t, pl.l.Stop())
			for _, e := range pl.ev.waitN(t, "accept_error", acceptors+1) {
				var se *supervisor.Error
				if !errors.As(e.err, &se) || se.Op != tc.op || !errors.Is(se.Err, socket.ErrClosed) {
					t.Fatalf("accept_error %v, want %s: closed", e.err, tc.op)
				}
			}
			for _, c := range silent {
				testkit.PeerClosed(t, c)
			}
		})
	}
}

// ssl.HandshakeHello pauses each handshake for a handshake_continue that
// an acceptor pool has no one to make: StartListener refuses it, naming
// it.
func TestTLSHandshakeHelloRefused(t *testing.T) {
	p := testkit.NewPKI(t, false)
	leaktest.Check(t)
	sys := testSystem(slog.New(make(records, 100)))
	_, err := StartListener(sys.Root, HandlerProtocol(func() Handler { return tlsEcho{} }), ListenerOptions{
		Addr: "127.0.0.1:0",
		TLS:  []ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey), ssl.HandshakeHello()},
	})
	var ie *supervisor.InvalidError
	if !errors.As(err, &ie) || ie.Field != "ListenerOptions.TLS" || !strings.Contains(err.Error(), "HandshakeHello") {
		t.Fatalf("StartListener: %v, want an option error naming ListenerOptions.TLS and HandshakeHello", err)
	}
}

// A handshake that fails is logged as Ranch treats it, quietly (debug),
// with its reason, the alert's name for an alert; not as an accept that
// failed, and with no back-off, since none happens.
func TestTLSHandshakeFailureLog(t *testing.T) {
	p := testkit.NewPKI(t, false)
	// Time enough for a whole handshake under the race detector.
	pl := tlsPool(t, p, ListenerOptions{NumAcceptors: 1, HandshakeTimeout: time.Second})
	// A client that does not trust the server's certificate: it sends
	// bad_certificate.
	c := tls.Client(pl.dial(t), &tls.Config{ServerName: "localhost"})
	if err := c.Handshake(); err == nil {
		t.Fatal("a client that trusts nothing finished its handshake")
	}
	c.Close()
	pl.ev.wait(t, "accept_error")
	silent := pl.dial(t)
	pl.ev.wait(t, "accept_error")
	silent.Close()
	for _, want := range []string{"DEBUG TLS handshake failed reason=bad_certificate", "DEBUG TLS handshake failed reason=timeout"} {
		if !pl.log.Has(want) {
			t.Errorf("no %q in the log: %q", want, pl.log.Lines())
		}
	}
	if n := pl.log.Count("accept rate"); n != 0 {
		t.Errorf("a failed handshake logged as a failed accept: %q", pl.log.Lines())
	}
}

// tlsReleaser echoes each line over TLS and releases it, reporting what
// ReleaseData answered twice and whether the message's data was let go.
type tlsReleaser struct {
	BaseHandler
	got chan<- string
}

func (h tlsReleaser) HandleData(c *Conn, line []byte) Action {
	err := c.Send(line)
	first, second := c.ReleaseData(), c.ReleaseData()
	m, _ := c.Context().Message().(*ssl.SSL)
	h.got <- fmt.Sprintf("%v %v %v", first, errors.Is(second, socket.ErrReleased), m != nil && m.Data == nil)
	if err != nil {
		return Fail(err)
	}
	return Continue
}

// ReleaseData releases a TLS packet as it does a TCP one: the first call
// gives it back and sets its Data to nil, the second answers
// socket.ErrReleased, and every later line, in recycled buffers, comes
// back whole.
func TestTLSReleaseData(t *testing.T) {
	p := testkit.NewPKI(t, false)
	got := make(chan string, 1)
	opts := ListenerOptions{
		TLS:           []ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey)},
		SocketOptions: []socket.Option{socket.Packet(framing.Line)},
	}
	pl := startPool(t, HandlerProtocol(func() Handler { return tlsReleaser{got: got} }), opts)
	c := tlsDial(t, pl, p)
	r := bufio.NewReader(c)
	for i := range 20 {
		line := strings.Repeat(string(rune('a'+i)), 100+i*37) + "\n"
		_, err := c.Write([]byte(line))
		must(t, err)
		echo, err := r.ReadString('\n')
		must(t, err)
		if echo != line {
			t.Fatalf("line %d came back as %q", i, echo)
		}
		if s := testkit.Recv(t, got, "ReleaseData's answers"); s != "<nil> true true" {
			t.Fatalf("line %d: ReleaseData answered %s, want <nil> true true", i, s)
		}
	}
}
