package ssl

import (
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// ALPN, the peer's certificate with client certificates, the connection's
// information and a resumed session.
func TestConnectionInformation(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	server, client := pair(t, p, srv, cli,
		[]Option{ALPN("h2", "http/1.1"), Verify(VerifyPeer), FailIfNoPeerCert(true), CACertFile(p.CAFile)},
		[]Option{ALPN("http/1.1"), CertFile(p.ClientCert), KeyFile(p.ClientKey)})
	for _, s := range []*Socket{server, client} {
		proto, err := s.NegotiatedProtocol()
		must(t, err)
		if proto != "http/1.1" {
			t.Errorf("negotiated %q", proto)
		}
		info, err := s.ConnectionInformation()
		must(t, err)
		if info.Protocol != "tlsv1.3" || info.CipherSuite == "" {
			t.Errorf("information %+v", info)
		}
	}
	cert, err := server.PeerCert()
	must(t, err)
	if cert.Subject.CommonName != "client" {
		t.Errorf("the server's peer is %q", cert.Subject.CommonName)
	}
	cert, err = client.PeerCert()
	must(t, err)
	if cert.Subject.CommonName != "server" {
		t.Errorf("the client's peer is %q", cert.Subject.CommonName)
	}
	info, err := server.ConnectionInformation()
	must(t, err)
	if info.SNIHostname != "localhost" {
		t.Errorf("SNI %q", info.SNIHostname)
	}

	// No ALPN, no client certificate.
	server, _ = pair(t, p, srv, cli, nil, nil)
	if _, err := server.NegotiatedProtocol(); !errors.Is(err, ErrProtocolNotNegotiated) {
		t.Errorf("negotiated_protocol: %v", err)
	}
	if _, err := server.PeerCert(); !errors.Is(err, ErrNoPeerCert) {
		t.Errorf("peercert: %v", err)
	}
}

// A client that reuses sessions resumes its second connection.
func TestSessionResumption(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	cache := Config(&tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(4)})
	sopts := []Option{SocketOptions(socket.Active(socket.False))}
	copts := []Option{cache, SocketOptions(socket.Active(socket.False))}
	l, port := listenLo(t, srv, serverOpts(p, sopts...)...)
	defer l.Close()
	for i, want := range []bool{false, true} {
		ch := serve(l, srv, testkit.WaitBound)
		c, err := Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(p, copts...)...)
		must(t, err)
		r := testkit.Recv(t, ch, "the handshake")
		must(t, r.err)
		// The ticket comes after the handshake: a round trip brings it.
		must(t, r.s.Send([]byte("x")))
		_, err = c.Recv(0, testkit.WaitBound)
		must(t, err)
		info, err := c.ConnectionInformation()
		must(t, err)
		if info.SessionResumption != want {
			t.Errorf("connection %d: resumed %v, want %v", i, info.SessionResumption, want)
		}
		c.Close()
		r.s.Close()
	}
}

// {handshake, hello}: Handshake returns at the client's hello, whose SNI
// name picks the certificate HandshakeContinue goes on with; a
// HandshakeCancel closes the socket.
func TestHandshakeHelloContinue(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	l, port := listenLo(t, srv, serverOpts(p, HandshakeHello())...)
	defer l.Close()
	for _, cancel := range []bool{false, true} {
		ch := make(chan error, 1)
		go func() {
			_, err := Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(p, ALPN("echo"))...)
			ch <- err
		}()
		s, err := l.TransportAccept(srv, testkit.WaitBound)
		must(t, err)
		must(t, s.Handshake(testkit.WaitBound))
		hello, err := s.Hello()
		must(t, err)
		if hello.ServerName != "localhost" || len(hello.SupportedProtos) != 1 || hello.SupportedProtos[0] != "echo" {
			t.Fatalf("hello: %q %q", hello.ServerName, hello.SupportedProtos)
		}
		if err := s.Send([]byte("x")); !errors.Is(err, ErrNotHandshaken) {
			t.Fatalf("send while paused: %v", err)
		}
		if cancel {
			must(t, s.HandshakeCancel())
			if err := testkit.Result(t, "the client", ch); err == nil {
				t.Fatal("the client's handshake succeeded")
			}
			if _, err := s.Socket().GetStat(); err == nil {
				t.Fatal("a cancelled handshake's socket is open")
			}
			continue
		}
		must(t, s.HandshakeContinue(testkit.WaitBound, ALPN("echo"), SocketOptions(socket.Active(socket.False))))
		must(t, testkit.Result(t, "the client", ch))
		proto, err := s.NegotiatedProtocol()
		must(t, err)
		if proto != "echo" {
			t.Fatalf("negotiated %q", proto)
		}
		if a, _ := s.GetOpts(socket.OptActive); a[0].Mode() != socket.False {
			t.Fatalf("active %v after HandshakeContinue(Active(False))", a[0].Mode())
		}
		s.Close()
	}
}

// SNIHosts: the certificate for the name the client asks for.
func TestSNIHosts(t *testing.T) {
	a, b := testkit.NewPKI(t, false), testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	l, port := listenLo(t, srv, serverOpts(a, SNIHosts(map[string]tls.Certificate{"localhost": b.Server}))...)
	defer l.Close()
	ch := serve(l, srv, testkit.WaitBound)
	// Trusting only b's CA, the client gets b's certificate for localhost.
	c, err := Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(b)...)
	must(t, err)
	defer c.Close()
	r := testkit.Recv(t, ch, "the handshake")
	must(t, r.err)
	r.s.Close()
}

// pausedServer is a connection accepted by owner on a listener with
// HandshakeHello, its handshake with timeout paused at the hello of a
// client of cli, whose Connect's result comes on client.
func pausedServer(t *testing.T, p *testkit.PKI, owner, cli proc, timeout time.Duration) (s *Socket, client <-chan error) {
	t.Helper()
	l, port := listenLo(t, newProc(t), serverOpts(p, HandshakeHello())...)
	defer l.Close()
	ch := make(chan error, 1)
	go func() {
		_, err := Connect(cli, "localhost", port, testkit.WaitBound, clientOpts(p)...)
		ch <- err
	}()
	s, err := l.TransportAccept(owner, testkit.WaitBound)
	must(t, err)
	must(t, s.Handshake(timeout))
	return s, ch
}

// pausedEnd tells the end of a paused handshake that failed, with
// crypto/tls's error, and holds it there until release is closed (nil:
// not at all), until the test ends.
func pausedEnd(t *testing.T, release <-chan struct{}) <-chan error {
	ended := make(chan error, 1)
	testHookFinish = func(s *Socket, err error) {
		if err != nil && s.hs.hello != nil { // the paused server's
			ended <- err
			if release != nil {
				<-release
			}
		}
	}
	t.Cleanup(func() { testHookFinish = nil })
	return ended
}

// A paused handshake whose time runs out as HandshakeContinue is called
// fails, and HandshakeContinue answers an error: the handshake ends
// (here held at its end by a hook) before HandshakeContinue can take it.
func TestHandshakeContinueAtTimeout(t *testing.T) {
	p := testkit.NewPKI(t, false)
	release := make(chan struct{})
	ending := pausedEnd(t, release)
	s, client := pausedServer(t, p, newProc(t), newProc(t), 50*time.Millisecond)
	if err := testkit.Recv(t, ending, "the paused handshake's end"); !errors.Is(handshakeErr(err), socket.ErrTimeout) {
		t.Fatalf("the paused handshake ended with %v, want timeout", err)
	}
	err := s.HandshakeContinue(testkit.WaitBound)
	close(release)
	if err == nil {
		t.Fatal("HandshakeContinue of a handshake that timed out succeeded")
	}
	if err := testkit.Result(t, "the client", client); err == nil {
		t.Fatal("the client's handshake succeeded")
	}
}

// A paused handshake with no deadline ends by itself when its socket
// closes: its owner stops, or the socket underneath is closed. Its
// goroutine is gone (leaktest), the client's handshake fails, and so
// does a HandshakeContinue after that.
func TestHandshakeHelloSocketCloses(t *testing.T) {
	p := testkit.NewPKI(t, false)
	for _, tc := range []struct {
		name string
		end  func(s *Socket, owner proc)
	}{
		{"owner stops", func(_ *Socket, owner proc) { owner.Close() }},
		{"socket closed", func(s *Socket, _ proc) { s.Socket().Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaktest.Check(t)
			ended := pausedEnd(t, nil)
			owner := newProc(t)
			s, client := pausedServer(t, p, owner, newProc(t), socket.Infinity)
			tc.end(s, owner)
			if err := testkit.Recv(t, ended, "the paused handshake's end"); !errors.Is(handshakeErr(err), socket.ErrClosed) {
				t.Fatalf("the paused handshake ended with %v, want closed", err)
			}
			if err := testkit.Result(t, "the client", client); err == nil {
				t.Fatal("the client's handshake succeeded")
			}
			if err := s.HandshakeContinue(testkit.WaitBound); err == nil {
				t.Fatal("HandshakeContinue after the socket closed succeeded")
			}
		})
	}
}

// A Close that cancels a paused handshake before its Handshake call has
// returned gets the handshake's result, and Handshake answers paused:
// when the paused Handshake finds both the hello and the result there (a
// hook holds it until they are, and holds the Close between its handing
// the pause on and its wait for the result), it leaves the result to the
// Close. Before, Handshake could take the result and leave the Close
// waiting for ever. Select picks at random, so the race is run 10 times.
func TestCloseRacesPausedHandshakeReturn(t *testing.T) {
	p := testkit.NewPKI(t, false)
	for i := range 10 {
		gate, resumed, onward := make(chan struct{}), make(chan struct{}), make(chan struct{})
		testHookPausedWait = func(*Socket) { <-gate }
		testHookResumed = func(s *Socket) {
			testkit.Until(t, "the handshake's result queued", func() bool { return len(s.hs.result) == 1 })
			close(resumed)
			<-onward
		}
		l, port := listenLo(t, newProc(t), serverOpts(p, HandshakeHello())...)
		client := make(chan error, 1)
		go func() {
			_, err := Connect(newProc(t), "localhost", port, testkit.WaitBound, clientOpts(p)...)
			client <- err
		}()
		s, err := l.TransportAccept(newProc(t), testkit.WaitBound)
		must(t, err)
		l.Close()
		handshake := make(chan error, 1)
		go func() { handshake <- s.Handshake(socket.Infinity) }()
		testkit.Until(t, "the handshake paused", func() bool {
			s.hs.mu.Lock()
			defer s.hs.mu.Unlock()
			return s.hs.state == hsPaused
		})
		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		testkit.Recv(t, resumed, "the Close's hand-on")
		close(gate)
		if err := testkit.Recv(t, handshake, "Handshake's answer"); err != nil {
			t.Fatalf("run %d: Handshake = %v, want paused (nil)", i, err)
		}
		close(onward)
		testkit.Recv(t, closed, "the Close's return")
		if err := testkit.Recv(t, client, "the client's handshake"); err == nil {
			t.Fatalf("run %d: the client's handshake succeeded", i)
		}
	}
	testHookPausedWait, testHookResumed = nil, nil
}
