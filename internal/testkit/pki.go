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
	p, err := MakePKI(t.TempDir(), expired)
	Must(t, err)
	return p
}

// MakePKI is NewPKI's work, in dir, for what has no testing.TB (a
// benchmark's server in a child process).
func MakePKI(dir string, expired bool) (*PKI, error) {
	p := &PKI{Dir: dir, Pool: x509.NewCertPool()}
	var err error
	try := func(f func()) {
		if err == nil {
			f()
		}
	}
	var caKey *ecdsa.PrivateKey
	var ca *x509.Certificate
	now := time.Now()
	try(func() { caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	try(func() {
		caTmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "otpnet test CA"},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
		var der []byte
		if der, err = x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey); err != nil {
			return
		}
		if ca, err = x509.ParseCertificate(der); err != nil {
			return
		}
		p.Pool.AddCert(ca)
		p.CAFile, err = writePEM(dir, "ca.pem", "CERTIFICATE", der)
	})
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage, notAfter time.Time) (certFile, keyFile string, pair tls.Certificate) {
		var key *ecdsa.PrivateKey
		var der, keyDER []byte
		try(func() { key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
		try(func() {
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
			der, err = x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		})
		try(func() { keyDER, err = x509.MarshalPKCS8PrivateKey(key) })
		try(func() { certFile, err = writePEM(dir, name+".pem", "CERTIFICATE", der) })
		try(func() { keyFile, err = writePEM(dir, name+"-key.pem", "PRIVATE KEY", keyDER) })
		try(func() { pair, err = tls.LoadX509KeyPair(certFile, keyFile) })
		return
	}
	serverEnd := now.Add(24 * time.Hour)
	if expired {
		serverEnd = now.Add(-time.Hour)
	}
	p.ServerCert, p.ServerKey, p.Server = leaf("server", 2, x509.ExtKeyUsageServerAuth, serverEnd)
	p.ClientCert, p.ClientKey, p.Client = leaf("client", 3, x509.ExtKeyUsageClientAuth, now.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	return p, nil
}

func writePEM(dir, name, typ string, der []byte) (string, error) {
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
