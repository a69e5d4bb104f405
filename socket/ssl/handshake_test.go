package ssl

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
)

// serve accepts one connection on l and runs its handshake with timeout,
// on a goroutine: the socket and the handshake's error come on the
// channel.
type served struct {
	s   *Socket
	err error
}

func serve(l *Socket, owner proc, timeout time.Duration) <-chan served {
	ch := make(chan served, 1)
	go func() {
		s, err := l.TransportAccept(owner, socket.Infinity)
		if err == nil {
			err = s.Handshake(timeout)
		}
		ch <- served{s, err}
	}()
	return ch
}

// A client that connects and never says hello, one that stops halfway
// (after its ClientHello) and one that sends garbage: each handshake ends
// (timeout, timeout, an error) and leaves nothing, no goroutine, no fd.
func TestHandshakeFailuresLeaveNothing(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv := newProc(t)
	l, port := listenLo(t, srv, serverOpts(p)...)
	defer l.Close()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cases := []struct {
		name string
		peer func(c net.Conn)
		want error
	}{
		{"silent", func(net.Conn) {}, socket.ErrTimeout},
		{"halfway", func(c net.Conn) {
			// A real ClientHello, then nothing: crypto/tls's client
			// sends it over a conn that reads nothing, and gives up
			// when the server closes.
			go tls.Client(writeOnly{c}, &tls.Config{InsecureSkipVerify: true}).Handshake()
		}, socket.ErrTimeout},
		{"garbage", func(c net.Conn) { c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := leaktest.Take()
			ch := serve(l, srv, 200*time.Millisecond)
			c := testkit.Dial(t, addr)
			tc.peer(c)
			r := testkit.Recv(t, ch, "the handshake's end")
			if r.err == nil {
				t.Fatal("the handshake succeeded")
			}
			if tc.want != nil && !errors.Is(r.err, tc.want) {
				t.Fatalf("handshake: %v, want %v", r.err, tc.want)
			}
			if _, err := r.s.Socket().GetStat(); err == nil {
				t.Fatal("the socket of a failed handshake is open")
			}
			testkit.PeerClosed(t, c) // the server closed: the client's goroutine, if any, ends
			c.Close()
			if err := leaktest.Settle(before); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// writeOnly is a conn whose Read waits for the peer to close, reading
// nothing: a client that stops after its hello.
type writeOnly struct{ net.Conn }

func (w writeOnly) Read(b []byte) (int, error) {
	io.Copy(io.Discard, w.Conn)
	return 0, io.EOF
}

// A record longer than TLS allows, after the handshake: the port sends
// record_overflow, and the owner gets *Error with the alert, then *Closed.
func TestOversizedRecord(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv := newProc(t)
	l, port := listenLo(t, srv, serverOpts(p)...)
	defer l.Close()
	ch := serve(l, srv, testkit.WaitBound)
	raw := testkit.Dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer raw.Close()
	c := tls.Client(raw, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	must(t, c.Handshake())
	r := testkit.Recv(t, ch, "the handshake")
	must(t, r.err)
	defer r.s.Close()
	// An application-data record header announcing 20000 bytes: more
	// than TLS 1.3's 2^14+256.
	raw.Write([]byte{23, 3, 3, 0x4e, 0x20})
	m := testkit.ExpectOf(t, srv, func(m *Error) bool { return m.Socket == r.s })
	var a *Alert
	if !errors.As(m.Reason, &a) || a.Description != "record_overflow" || a.Remote {
		t.Fatalf("reason %v, want a local record_overflow alert", m.Reason)
	}
	testkit.Expect(t, srv, func(m any) bool { x, ok := m.(*Closed); return ok && x.Socket == r.s })
}

// Certificates the client refuses: an unknown CA and an expired one fail
// Connect with an *Alert named as OTP names them, and the server's
// handshake with the alert the client sent; a server that wants a
// client's certificate and gets none fails the handshake too.
func TestBadCertificates(t *testing.T) {
	good, expired, other := testkit.NewPKI(t, false), testkit.NewPKI(t, true), testkit.NewPKI(t, false)
	cases := []struct {
		name         string
		server       *testkit.PKI
		sopts, copts []Option
		client       string // the client's alert
		server_      string // the alert the server gets
	}{
		{"unknown ca", good, nil, []Option{CACertFile(other.CAFile)}, "unknown_ca", "bad_certificate"},
		{"expired", expired, nil, []Option{CACertFile(expired.CAFile)}, "certificate_expired", "bad_certificate"},
		{"wrong name", good, nil, []Option{CACertFile(good.CAFile), ServerNameIndication("example.com")}, "handshake_failure", "bad_certificate"},
		{"no client certificate", good, []Option{Verify(VerifyPeer), FailIfNoPeerCert(true), CACertFile(good.CAFile)}, []Option{CACertFile(good.CAFile), SocketOptions(socket.Active(socket.False))}, "certificate_required", "certificate_required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := newProc(t), newProc(t)
			l, port := listenLo(t, srv, serverOpts(tc.server, tc.sopts...)...)
			defer l.Close()
			ch := serve(l, srv, testkit.WaitBound)
			s, err := Connect(cli, "localhost", port, testkit.WaitBound, tc.copts...)
			var a *Alert
			if tc.name == "no client certificate" {
				// TLS 1.3: the client's handshake is done before the
				// server has checked its certificate; its first read
				// gets the server's alert.
				must(t, err)
				defer s.Close()
				_, err = s.Recv(0, testkit.WaitBound)
				if !errors.As(err, &a) || a.Description != tc.client || !a.Remote {
					t.Fatalf("client: %v, want a remote %s", err, tc.client)
				}
			} else if !errors.As(err, &a) || a.Description != tc.client || a.Remote {
				t.Fatalf("connect: %v, want a local %s alert", err, tc.client)
			}
			r := testkit.Recv(t, ch, "the server's handshake")
			if !errors.As(r.err, &a) || a.Description != tc.server_ {
				t.Fatalf("server: %v, want %s", r.err, tc.server_)
			}
		})
	}
}

// Bad options are errors of Listen and Connect that name the option and
// the file, never a panic.
func TestBadOptions(t *testing.T) {
	p := testkit.NewPKI(t, false)
	c := newProc(t)
	cases := []struct {
		name   string
		server bool
		opts   []Option
		want   string
	}{
		{"no certificate", true, nil, "certfile"},
		{"missing cert file", true, []Option{CertFile(p.Dir + "/nope.pem"), KeyFile(p.ServerKey)}, "nope.pem"},
		{"key for another cert", true, []Option{CertFile(p.ServerCert), KeyFile(p.ClientKey)}, "server.pem"},
		{"key alone", true, []Option{KeyFile(p.ServerKey)}, "keyfile"},
		{"cacert not PEM", false, []Option{CACertFile(p.ServerKey)}, "no PEM certificate"},
		{"bad version", false, []Option{Versions(0x0305)}, "0x0305"},
		{"TLS 1.3 cipher", false, []Option{Ciphers(tls.TLS_AES_128_GCM_SHA256)}, "TLS_AES_128_GCM_SHA256"},
		{"bad verify", false, []Option{Verify(7)}, "verify"},
		{"server option on a client", false, []Option{FailIfNoPeerCert(true)}, "fail_if_no_peer_cert"},
		{"client option on a server", true, []Option{CertFile(p.ServerCert), KeyFile(p.ServerKey), ServerNameIndication("x")}, "server_name_indication"},
		{"empty ALPN name", false, []Option{ALPN("")}, "alpn"},
		{"zero option", false, []Option{{}}, "not an option"},
		{"fail_if_no_peer_cert without verify", true, []Option{CertFile(p.ServerCert), KeyFile(p.ServerKey), FailIfNoPeerCert(true)}, "fail_if_no_peer_cert"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.server {
				var l *Socket
				l, err = Listen(c, 0, tc.opts...)
				if err == nil {
					l.Close()
				}
			} else {
				_, err = Connect(c, "127.0.0.1", 1, time.Second, tc.opts...)
			}
			var oe *OptionError
			if !errors.As(err, &oe) || !errors.Is(err, unix.EINVAL) {
				t.Fatalf("err %v, want an *OptionError", err)
			}
			if !containsFold(err.Error(), tc.want) {
				t.Fatalf("err %q does not name %q", err, tc.want)
			}
		})
	}
}

func containsFold(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (indexFold(s, sub) >= 0)
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// A client that sends as soon as its side of the handshake is done:
// crypto/tls reads ahead during the server's handshake, and what it read
// of the data reaches the owner all the same.
func TestDataWithTheLastFlight(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv := newProc(t)
	l, port := listenLo(t, srv, serverOpts(p, SocketOptions(socket.Packet(framing.Line)))...)
	defer l.Close()
	raw := testkit.Dial(t, "127.0.0.1:"+strconv.Itoa(port))
	defer raw.Close()
	c := tls.Client(raw, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	done := make(chan error, 1)
	go func() {
		err := c.Handshake()
		if err == nil {
			_, err = c.Write([]byte("first\nsecond\n"))
		}
		done <- err
	}()
	s, err := l.TransportAccept(srv, testkit.WaitBound)
	must(t, err)
	defer s.Close()
	must(t, s.Handshake(testkit.WaitBound))
	must(t, testkit.Result(t, "the client", done))
	isLine := func(want string) func(any) bool {
		return func(m any) bool { d, ok := m.(*SSL); return ok && d.Socket == s && string(d.Data) == want }
	}
	testkit.InOrder(t, srv, isLine("first\n"), isLine("second\n"))
}

// As OTP 25's: SetOpts of a listening socket keeps the active mode and
// packet options for its connections, which take them once their
// handshake is done, and GetOpts answers them; before its handshake an
// accepted socket answers SetOpts and GetOpts
// notsup_on_transport_accept_socket, and its handshake is not harmed.
func TestSetOptsListenerAndBeforeHandshake(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	l, port := listenLo(t, srv, serverOpts(p)...)
	defer l.Close()
	must(t, l.SetOpts(socket.Active(socket.Once), socket.Packet(framing.Line), socket.Nodelay(true)))
	opts, err := l.GetOpts(socket.OptActive, socket.OptPacket, socket.OptNodelay)
	must(t, err)
	if opts[0].Mode() != socket.Once || opts[1].Packet() != framing.Line || !opts[2].Bool() {
		t.Fatalf("the listener's options: %v", opts)
	}
	if err := l.SetOpts(socket.Packet(framing.Type(-1))); err == nil {
		t.Fatal("a bad packet type set on a listener")
	}
	ch := make(chan error, 1)
	var c *Socket
	go func() {
		var err error
		c, err = Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(p)...)
		ch <- err
	}()
	s, err := l.TransportAccept(srv, testkit.WaitBound)
	must(t, err)
	defer s.Close()
	if err := s.SetOpts(socket.Active(socket.True)); !errors.Is(err, ErrNotsupOnTransportAcceptSocket) {
		t.Fatalf("SetOpts before the handshake: %v", err)
	}
	if _, err := s.GetOpts(socket.OptActive); !errors.Is(err, ErrNotsupOnTransportAcceptSocket) {
		t.Fatalf("GetOpts before the handshake: %v", err)
	}
	must(t, s.Handshake(testkit.WaitBound))
	must(t, testkit.Result(t, "the client", ch))
	defer c.Close()
	must(t, c.Send([]byte("one\ntwo\n")))
	msg, err := srv.Receive(s.Match, testkit.WaitBound)
	must(t, err)
	if m, ok := msg.(*SSL); !ok || string(m.Data) != "one\n" {
		t.Fatalf("got %#v, want one line", msg)
	}
	opts, err = s.GetOpts(socket.OptActive, socket.OptPacket)
	must(t, err)
	if opts[0].Mode() != socket.False || opts[1].Packet() != framing.Line {
		t.Fatalf("the connection's options after one line in {active, once}: %v", opts)
	}
}
