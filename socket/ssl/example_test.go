package ssl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
)

// selfSigned makes a certificate for localhost and 127.0.0.1 that signs
// itself, and a pool that trusts it. A server would rather read files
// (ssl.CertFile, ssl.KeyFile), made for instance by
//
//	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
//	    -keyout key.pem -out cert.pem -days 365 -subj /CN=localhost \
//	    -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//
// with the client given cert.pem as its CA (ssl.CACertFile).
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool, nil
}

// A TLS echo in {active, once} with {packet, 4}: ssl:listen,
// transport_accept and handshake on one side, ssl:connect on the other,
// and {ssl, S, Data} messages, as in Erlang.
func Example() {
	cert, trusted, err := selfSigned()
	if err != nil {
		fmt.Println(err)
		return
	}
	system := actor.NewSystem()
	server, _ := actor.NewProcess(system)
	defer server.Close()
	client, _ := actor.NewProcess(system)
	defer client.Close()

	l, err := ssl.Listen(server, 0, ssl.Certificates(cert),
		ssl.SocketOptions(socket.Packet(framing.Four), socket.Active(socket.Once)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	port, _ := l.Socket().Port()
	go func() {
		s, err := l.TransportAccept(server, 5*time.Second)
		if err != nil || s.Handshake(5*time.Second) != nil {
			return
		}
		msg, _ := server.Receive(s.Match, 5*time.Second) // receive {ssl, S, Data}
		if m, ok := msg.(*ssl.SSL); ok {
			s.Send(m.Data)
		}
		server.Receive(s.Match, 5*time.Second) // {ssl_closed, S}
		s.Close()
	}()

	c, err := ssl.Connect(client, "localhost", port, 5*time.Second, ssl.CACerts(trusted),
		ssl.SocketOptions(socket.Packet(framing.Four), socket.Active(socket.False)))
	if err != nil {
		fmt.Println(err)
		return
	}
	info, _ := c.ConnectionInformation()
	c.Send([]byte("hello"))
	reply, _ := c.Recv(0, 5*time.Second)
	c.Close()
	fmt.Println(info.Protocol, string(reply))
	// Output: tlsv1.3 hello
}
