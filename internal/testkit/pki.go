package testkit

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
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a CA and the certificates it signed, made at test time (ECDSA
// P-256), as crypto/tls values and as PEM files in Dir, for an Erlang
// peer too: CAFile (ca.pem), ServerCert (server.pem, for localhost and
// 127.0.0.1) and ServerKey (server-key.pem), ClientCert (client.pem) and
// ClientKey (client-key.pem).
type PKI struct {
	Dir                   string
	CAFile                string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	Pool                  *x509.CertPool // the CA
	Server, Client        tls.Certificate
}

// NewPKI makes a CA, a server certificate for localhost and 127.0.0.1, and
// a client certificate, in a directory of t's; expired makes the server's
// expired an hour ago.
func NewPKI(t testing.TB, expired bool) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{Dir: dir, Pool: x509.NewCertPool()}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Must(t, err)
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
	Must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	Must(t, err)
	p.Pool.AddCert(ca)
	p.CAFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage, notAfter time.Time) (string, string, tls.Certificate) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		Must(t, err)
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
		Must(t, err)
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		Must(t, err)
		certFile := writePEM(t, dir, name+".pem", "CERTIFICATE", der)
		keyFile := writePEM(t, dir, name+"-key.pem", "PRIVATE KEY", keyDER)
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		Must(t, err)
		return certFile, keyFile, pair
	}
	serverEnd := now.Add(24 * time.Hour)
	if expired {
		serverEnd = now.Add(-time.Hour)
	}
	p.ServerCert, p.ServerKey, p.Server = leaf("server", 2, x509.ExtKeyUsageServerAuth, serverEnd)
	p.ClientCert, p.ClientKey, p.Client = leaf("client", 3, x509.ExtKeyUsageClientAuth, now.Add(24*time.Hour))
	return p
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	Must(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}
