package ssl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// The ssl tests' helpers: processes, certificates made at test time (an
// ECDSA P-256 CA, and a server's and a client's certificate it signs,
// written as PEM files for OTP's ssl too), and sockets that t.Fatal on
// error.

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

// pki is a CA and the certificates it signed, as files in dir.
type pki struct {
	dir                   string
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	pool                  *x509.CertPool
	server, client        tls.Certificate
}

// newPKI makes a CA, a server certificate for localhost and 127.0.0.1, and
// a client certificate, valid from now on; expired makes the server's
// expired.
func newPKI(t testing.TB, expired bool) *pki {
	t.Helper()
	dir := t.TempDir()
	p := &pki{dir: dir, pool: x509.NewCertPool()}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "otpnet test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	p.pool.AddCert(ca)
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage, notAfter time.Time) (string, string, tls.Certificate) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			NotBefore:    now.Add(-2 * time.Hour),
			NotAfter:     notAfter,
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		must(t, err)
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		must(t, err)
		certFile := writePEM(t, dir, name+".pem", "CERTIFICATE", der)
		keyFile := writePEM(t, dir, name+"-key.pem", "PRIVATE KEY", keyDER)
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		must(t, err)
		return certFile, keyFile, pair
	}
	serverEnd := now.Add(24 * time.Hour)
	if expired {
		serverEnd = now.Add(-time.Hour)
	}
	p.serverCert, p.serverKey, p.server = leaf("server", 2, x509.ExtKeyUsageServerAuth, serverEnd)
	p.clientCert, p.clientKey, p.client = leaf("client", 3, x509.ExtKeyUsageClientAuth, now.Add(24*time.Hour))
	return p
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	must(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// serverOpts are a server's options with p's certificate.
func (p *pki) serverOpts(more ...Option) []Option {
	return append([]Option{CertFile(p.serverCert), KeyFile(p.serverKey)}, more...)
}

// clientOpts are a client's options that trust p's CA.
func (p *pki) clientOpts(more ...Option) []Option {
	return append([]Option{CACertFile(p.caFile)}, more...)
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
func pair(t *testing.T, p *pki, srv, cli proc, sopts, copts []Option) (server, client *Socket) {
	t.Helper()
	l, port := listenLo(t, srv, p.serverOpts(sopts...)...)
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
	client, err := Connect(cli, "localhost", port, testkit.WaitBound, p.clientOpts(copts...)...)
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

var _ actor.Context
