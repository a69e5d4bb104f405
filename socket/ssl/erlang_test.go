package ssl

import (
	"bytes"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// The interop tests run OTP's ssl (testdata/ssl_echo.escript) against
// otpnet's, both ways, for each packet type and active mode, byte for
// byte. The Erlang client asks for a key update halfway
// (ssl:update_keys/2, read_write): otpnet's server answers it from its
// port while it reads.

var interopCases = []struct {
	name   string
	packet framing.Type
}{
	{"raw", framing.Raw}, {"2", framing.Two}, {"4", framing.Four}, {"line", framing.Line},
}

var interopModes = []string{"once", "5", "false"}

const interopCount = 200

// interopMsg is the escript's msg/2.
func interopMsg(p framing.Type, i int) []byte { return erltest.EchoMsg(p == framing.Line, i) }

// mode is the socket.Mode of an escript's active argument.
func mode(active string) socket.Mode {
	switch active {
	case "once":
		return socket.Once
	case "false":
		return socket.False
	}
	n, _ := strconv.Atoi(active)
	return socket.N(n)
}

// next is the next packet of s in its mode: a message for once (re-armed)
// and N (re-armed at *Passive), a Recv for false; nil once the peer has
// closed.
func next(t *testing.T, p proc, s *Socket, m socket.Mode) []byte {
	t.Helper()
	if m == socket.False {
		data, err := s.Recv(0, testkit.WaitBound)
		if errors.Is(err, socket.ErrClosed) {
			return nil
		}
		must(t, err)
		return data
	}
	for {
		switch msg := testkit.Expect(t, p, s.Match).(type) {
		case *SSL:
			if m == socket.Once {
				must(t, s.SetOpts(socket.Active(socket.Once)))
			}
			return msg.Data
		case *Passive:
			must(t, s.SetOpts(socket.Active(m)))
		case *Closed:
			return nil
		default:
			t.Fatalf("got %#v", msg)
		}
	}
}

// An otpnet client against an OTP ssl echo server, byte for byte.
func TestInteropGoClientErlangServer(t *testing.T) {
	erltest.Escript(t) // skips, or fails, without Erlang
	pk := testkit.NewPKI(t, false)
	for _, tc := range interopCases {
		for _, active := range interopModes {
			t.Run(tc.name+"/"+active, func(t *testing.T) {
				out := erltest.Lines(t, "testdata/ssl_echo.escript", "server", tc.name, active, strconv.Itoa(interopCount), pk.Dir)
				port, _ := strconv.Atoi(strings.TrimSpace(out()))
				p := newProc(t)
				m := mode(active)
				c, err := Connect(p, "localhost", port, testkit.WaitBound,
					clientOpts(pk, SocketOptions(socket.Packet(tc.packet), socket.Active(m)))...)
				must(t, err)
				defer c.Close()
				info, err := c.ConnectionInformation()
				must(t, err)
				if info.Protocol != "tlsv1.3" {
					t.Errorf("protocol %q, want tlsv1.3", info.Protocol)
				}
				var want []byte
				for i := 1; i <= interopCount; i++ {
					msg := interopMsg(tc.packet, i)
					want = append(want, msg...)
					must(t, c.Send(msg))
				}
				var got []byte
				for len(got) < len(want) {
					data := next(t, p, c, m)
					if data == nil {
						t.Fatalf("closed after %d of %d bytes", len(got), len(want))
					}
					got = append(got, data...)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("echo differs: %d bytes, want %d", len(got), len(want))
				}
			})
		}
	}
}

// An OTP ssl client against an otpnet echo server, byte for byte.
func TestInteropErlangClientGoServer(t *testing.T) {
	escript := erltest.Escript(t)
	pk := testkit.NewPKI(t, false)
	for _, tc := range interopCases {
		for _, active := range interopModes {
			t.Run(tc.name+"/"+active, func(t *testing.T) {
				p := newProc(t)
				m := mode(active)
				l, port := listenLo(t, p, serverOpts(pk, SocketOptions(socket.Packet(tc.packet), socket.Active(m)))...)
				defer l.Close()
				cmd := exec.Command(escript, "testdata/ssl_echo.escript", "client", tc.name, active, strconv.Itoa(interopCount), pk.Dir, strconv.Itoa(port))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				must(t, cmd.Start())
				s, err := l.TransportAccept(p, testkit.WaitBound)
				if err == nil {
					err = s.Handshake(testkit.WaitBound)
				}
				if err != nil {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("accept: %v\n%s", err, out.String())
				}
				for {
					data := next(t, p, s, m)
					if data == nil {
						break
					}
					must(t, s.Send(data))
				}
				s.Close()
				if err := cmd.Wait(); err != nil {
					t.Fatalf("escript: %v\n%s", err, out.String())
				}
				if !strings.HasPrefix(out.String(), "ok ") {
					t.Fatalf("escript says %q", out.String())
				}
			})
		}
	}
}

// An Erlang client that renegotiates (TLS 1.2, ssl:renegotiate/1) is
// refused: crypto/tls sends unexpected_message, the client's
// renegotiate fails, and the owner gets an *Error whose Reason is the
// *Alert.
func TestErlangRenegotiationRefused(t *testing.T) {
	p := testkit.NewPKI(t, false)
	srv := newProc(t)
	l, port := listenLo(t, srv, serverOpts(p, SocketOptions(socket.Active(socket.Once)))...)
	defer l.Close()
	ch := serve(l, srv, testkit.WaitBound)
	line := erltest.Lines(t, "testdata/ssl_renegotiate.escript", strconv.Itoa(port))
	if got := line(); got != "connected" {
		t.Fatalf("the escript said %q", got)
	}
	sv := testkit.Recv(t, ch, "the server's handshake")
	must(t, sv.err)
	defer sv.s.Close()
	msg, err := srv.Receive(sv.s.Match, testkit.WaitBound)
	must(t, err)
	e, ok := msg.(*Error)
	var a *Alert
	if !ok || !errors.As(e.Reason, &a) || a.Description != "unexpected_message" {
		t.Fatalf("the owner got %#v, want an *Error with the unexpected_message *Alert", msg)
	}
	// OTP 25 logs the alert (a notice) and answers closed, as it does
	// against crypto/tls's own server.
	if got := line(); got != "{error,closed}" {
		t.Fatalf("ssl:renegotiate answered %s, want {error,closed}", got)
	}
}
