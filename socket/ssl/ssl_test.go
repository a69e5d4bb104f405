package ssl

import (
	"bytes"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// A TLS echo in {active, once}, {packet, 4}: the owner gets *SSL
// messages with whole packets, the socket goes passive after each.
func TestActiveOnceEcho(t *testing.T) {
	p := newPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	opts := []Option{SocketOptions(socket.Active(socket.Once), socket.Packet(framing.Four))}
	server, client := pair(t, p, srv, cli, opts, opts)
	for i, msg := range []string{"hello", "", "world", string(bytes.Repeat([]byte("x"), 100000))} {
		must(t, client.Send([]byte(msg)))
		m := testkit.ExpectOf(t, srv, func(m *SSL) bool { return m.Socket == server })
		if string(m.Data) != msg {
			t.Fatalf("packet %d: got %d bytes, want %d", i, len(m.Data), len(msg))
		}
		must(t, server.Send(m.Data))
		m = testkit.ExpectOf(t, cli, func(m *SSL) bool { return m.Socket == client })
		if string(m.Data) != msg {
			t.Fatalf("echo %d: got %d bytes, want %d", i, len(m.Data), len(msg))
		}
		must(t, server.SetOpts(socket.Active(socket.Once)))
		must(t, client.SetOpts(socket.Active(socket.Once)))
	}
}
