package socket

import (
	"bytes"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

var interopCases = []struct {
	name   string
	packet framing.Type
}{
	{"raw", framing.Raw}, {"2", framing.Two}, {"4", framing.Four}, {"line", framing.Line},
}

const interopCount = 300

// interopMsg is the escript's msg/2.
func interopMsg(p framing.Type, i int) []byte { return erltest.EchoMsg(p == framing.Line, i) }

// An otpnet client against an Erlang gen_tcp echo server, byte for byte.
func TestInteropGoClientErlangServer(t *testing.T) {
	erltest.Escript(t) // skips, or fails, without Erlang
	for _, tc := range interopCases {
		for _, active := range []string{"once", "false"} {
			t.Run(tc.name+"/"+active, func(t *testing.T) {
				next := erltest.Lines(t, "testdata/echo.escript", "server", tc.name, active, strconv.Itoa(interopCount))
				port, _ := strconv.Atoi(strings.TrimSpace(next()))

				p := newProc(t)
				mode := False
				if active == "once" {
					mode = Once
				}
				c := connect(t, p, "127.0.0.1", port, Packet(tc.packet), Active(False))
				defer c.Close()
				var want []byte
				for i := 1; i <= interopCount; i++ {
					m := interopMsg(tc.packet, i)
					want = append(want, m...)
					if err := c.Send(m); err != nil {
						t.Fatal(err)
					}
				}
				var got []byte
				for len(got) < len(want) {
					if mode == Once {
						c.SetOpts(Active(Once))
						m := testkit.Next(t, p)
						tcp, ok := m.(*TCP)
						if !ok {
							t.Fatalf("got %#v", m)
						}
						got = append(got, tcp.Data...)
						continue
					}
					data, err := c.Recv(0, 10*time.Second)
					if err != nil {
						t.Fatalf("after %d of %d bytes: %v", len(got), len(want), err)
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

// An Erlang gen_tcp client against an otpnet echo server, byte for byte.
func TestInteropErlangClientGoServer(t *testing.T) {
	escript := erltest.Escript(t)
	for _, tc := range interopCases {
		for _, active := range []string{"once", "false"} {
			t.Run(tc.name+"/"+active, func(t *testing.T) {
				p := newProc(t)
				l := listen(t, p, IP(loopback), Packet(tc.packet), Active(False))
				defer l.Close()
				port, _ := l.Port()
				cmd := exec.Command(escript, "testdata/echo.escript", "client", tc.name, active, strconv.Itoa(interopCount), strconv.Itoa(port))
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				s := accept(t, l, p)
				serveEcho(t, p, s, active == "once")
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

// serveEcho echoes packets on s until the peer closes.
func serveEcho(t *testing.T, p proc, s *Socket, once bool) {
	t.Helper()
	defer s.Close()
	for {
		var data []byte
		if once {
			s.SetOpts(Active(Once))
			switch m := testkit.Next(t, p).(type) {
			case *TCP:
				data = m.Data
			case *TCPClosed:
				return
			default:
				t.Fatalf("got %#v", m)
			}
		} else {
			var err error
			data, err = s.Recv(0, 10*time.Second)
			if errors.Is(err, ErrClosed) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Send(data); err != nil {
			t.Fatal(err)
		}
	}
}
