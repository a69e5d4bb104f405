package ssl_test

import (
	"fmt"
	"os"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
)

// A TLS echo in {active, once} with {packet, 4}: ssl:listen,
// transport_accept and handshake on one side, ssl:connect on the other,
// and {ssl, S, Data} messages, as in Erlang.
func Example() {
	dir, _ := os.MkdirTemp("", "ssl-example")
	defer os.RemoveAll(dir)
	pki, err := testkit.MakePKI(dir, false) // a CA and a server certificate for localhost
	if err != nil {
		fmt.Println(err)
		return
	}
	system := actor.NewSystem()
	server, _ := actor.NewProcess(system)
	defer server.Close()
	client, _ := actor.NewProcess(system)
	defer client.Close()

	l, err := ssl.Listen(server, 0, ssl.CertFile(pki.ServerCert), ssl.KeyFile(pki.ServerKey),
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

	c, err := ssl.Connect(client, "localhost", port, 5*time.Second, ssl.CACertFile(pki.CAFile),
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
