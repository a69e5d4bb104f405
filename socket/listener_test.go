package socket

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// net/http serves over an otpnet Listener, and its client fetches over
// otpnet Conns it dials with ConnectContext: several requests on one
// kept-alive connection, bodies of some MiB both ways, then a Shutdown
// that closes the Listener and the idle connection.
func TestListenerHTTP(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, _ := listenLo(t, p, Active(False))
	ln, err := NewListener(l)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("otpnet "), 600_000) // 4.2 MB
	mux := http.NewServeMux()
	mux.HandleFunc("/hello/{n}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s from %s", r.PathValue("n"), r.Host)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	var conns atomic.Int32
	srv := &http.Server{Handler: mux, ConnState: func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	q := newProc(t) // the client's sockets' owner
	tr := &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, err
		}
		s, err := ConnectContext(ctx, q, ap.Addr().String(), int(ap.Port()), Active(False))
		if err != nil {
			return nil, err
		}
		return NewConn(s)
	}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String()
	get := func(path string, body []byte) []byte {
		t.Helper()
		var res *http.Response
		var err error
		if body == nil {
			res, err = client.Get(url + path)
		} else {
			res, err = client.Post(url+path, "application/octet-stream", bytes.NewReader(body))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		got, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s, %v", path, res.Status, err)
		}
		return got
	}
	for i := range 3 {
		want := fmt.Sprintf("hello %d from %s", i, ln.Addr())
		if got := get(fmt.Sprint("/hello/", i), nil); string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if got := get("/big", nil); !bytes.Equal(got, body) {
		t.Fatalf("/big: %d bytes, not the %d sent", len(got), len(body))
	}
	if got := get("/echo", body); !bytes.Equal(got, body) {
		t.Fatalf("/echo: %d bytes, not the %d sent", len(got), len(body))
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for five requests, want one kept alive", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testkit.Result(t, "Serve", served); err != http.ErrServerClosed {
		t.Fatalf("Serve = %v, want http.ErrServerClosed", err)
	}
}

// Close ends an Accept that waits with net.ErrClosed; the connections
// accepted before stay open, owned by the listening socket's owner.
func TestListenerCloseEndsAccept(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p, Active(False))
	ln, err := NewListener(l)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect(p, "127.0.0.1", port, 5*time.Second, Active(False))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if got := a.(*Conn).Socket().Owner(); !got.Equal(p.Self()) {
		t.Errorf("accepted socket owned by %v, want the listening socket's owner %v", got, p.Self())
	}

	accepted := make(chan error, 1)
	go func() { _, err := ln.Accept(); accepted <- err }()
	testkit.Until(t, "Accept waiting", func() bool { return accepting(l) == 1 })
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	err = testkit.Result(t, "Accept", accepted)
	if !errors.Is(err, net.ErrClosed) || inet.Reason(err) != "closed" {
		t.Fatalf("Accept when Close came = %v, want net.ErrClosed", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v, want net.ErrClosed", err)
	}
	if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close = %v, want net.ErrClosed", err)
	}
	through(t, c, a.(*Conn).Socket(), "still open")
}

// A local (AF_UNIX) socket's Conn and Listener have *net.UnixAddr
// addresses.
func TestListenerLocal(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	path := localFilename(t, "server")
	l, err := Listen(p, 0, IfAddrLocal(path), Active(False))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := NewListener(l)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := Connect(p, path, 0, 5*time.Second, Family(inet.Local), Active(False))
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewConn(c)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	want := &net.UnixAddr{Name: path, Net: "unix"}
	for what, got := range map[string]net.Addr{"Addr": ln.Addr(), "server's LocalAddr": a.LocalAddr(), "client's RemoteAddr": client.RemoteAddr()} {
		if u, ok := got.(*net.UnixAddr); !ok || *u != *want {
			t.Errorf("%s = %#v, want %v", what, got, want)
		}
	}
	client.Write([]byte("local"))
	b := make([]byte, 5)
	if _, err := io.ReadFull(a, b); err != nil || string(b) != "local" {
		t.Fatalf("read %q, %v", b, err)
	}
}

// crypto/tls runs over otpnet Conns: a TLS 1.3 handshake, then an echo
// of some hundred KiB, then close_notify both ways.
func TestConnTLS(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	cert, pool := selfSigned(t)

	echoed := make(chan error, 1)
	go func() {
		s := tls.Server(server, &tls.Config{Certificates: []tls.Certificate{cert}})
		_, err := io.Copy(s, s)
		if err == nil {
			err = s.Close()
		}
		echoed <- err
	}()
	c := tls.Client(client, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	if st := c.ConnectionState(); st.Version != tls.VersionTLS13 || !st.HandshakeComplete {
		t.Fatalf("handshake: version %x, complete %v", st.Version, st.HandshakeComplete)
	}
	msg := bytes.Repeat([]byte("0123456789"), 30_000)
	go func() {
		c.Write(msg)
		c.CloseWrite() // close_notify: the server's copy ends
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echoed %d bytes, not the %d sent", len(got), len(msg))
	}
	if err := testkit.Result(t, "the server's echo", echoed); err != nil {
		t.Fatal(err)
	}
}

// selfSigned returns a certificate for 127.0.0.1, and a pool that trusts
// it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "otpnet test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
