package sock

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// erlang runs testdata/sock.escript with args and returns a reader of its
// output lines.
func erlang(t *testing.T, args ...string) func() string {
	t.Helper()
	return erltest.Lines(t, "testdata/sock.escript", args...)
}

// msg is the escript's msg(I).
func msg(i int) []byte { return pattern(i, 1+i*37%3000) }

const interopCount = 200

// Go connects to an Erlang socket-module server and exchanges messages of
// up to 3000 bytes, read back with Recv of their exact length.
func TestInteropTCPErlangServer(t *testing.T) {
	line := erlang(t, "tcp_server", strconv.Itoa(interopCount))
	port, _ := strconv.Atoi(line())
	c := open(t, Inet, Stream, TCP)
	testkit.Must(t, c.Connect(Loopback(Inet, uint16(port)), testkit.WaitBound))
	if got, want := line(), sockname(t, c).String(); got != want {
		t.Fatalf("Erlang's peername %s, Go's sockname %s", got, want)
	}
	for i := 1; i <= interopCount; i++ {
		testkit.Must(t, c.Send(msg(i), testkit.WaitBound))
		if got := recvAll(t, c, len(msg(i))); !bytes.Equal(got, msg(i)) {
			t.Fatalf("message %d differs", i)
		}
	}
	testkit.Must(t, c.Close())
	if got := line(); got != "ok" {
		t.Fatalf("escript: %s", got)
	}
}

// An Erlang socket-module client against a Go echo server that reads with
// Recv(0).
func TestInteropTCPErlangClient(t *testing.T) {
	l, addr := listener(t, Inet)
	line := erlang(t, "tcp_client", strconv.Itoa(int(addr.Port)), strconv.Itoa(interopCount))
	s, err := l.Accept(testkit.WaitBound)
	testkit.Must(t, err)
	defer s.Close()
	if got, want := line(), mustPeer(t, s).String(); got != want {
		t.Fatalf("Erlang's sockname %s, Go's peername %s", got, want)
	}
	for {
		data, err := s.Recv(0, testkit.WaitBound)
		if inet.Reason(err) == "closed" {
			break
		}
		testkit.Must(t, err)
		testkit.Must(t, s.Send(data, testkit.WaitBound))
	}
	if got := line(); got != "ok" {
		t.Fatalf("escript: %s", got)
	}
}

func mustPeer(t *testing.T, s *Socket) Addr {
	t.Helper()
	a, err := s.Peername()
	testkit.Must(t, err)
	return a
}

// Datagrams both ways over IPv4 and IPv6, and addresses printed alike.
func TestInteropUDP(t *testing.T) {
	for _, d := range []Domain{Inet, Inet6} {
		t.Run(d.String()+"/erlang-server", func(t *testing.T) {
			line := erlang(t, "udp_server", d.String(), strconv.Itoa(interopCount))
			port, _ := strconv.Atoi(line())
			u := open(t, d, Dgram, UDP)
			testkit.Must(t, u.Bind(Loopback(d, 0)))
			server := Loopback(d, uint16(port))
			for i := 1; i <= interopCount; i++ {
				testkit.Must(t, u.Sendto(msg(i), server, testkit.WaitBound))
				from, got, err := u.Recvfrom(0, testkit.WaitBound)
				if err != nil || from != server || !bytes.Equal(got, msg(i)) {
					t.Fatalf("echo %d: %v, %d bytes, %v", i, from, len(got), err)
				}
			}
			if got, want := line(), sockname(t, u).String(); got != want {
				t.Fatalf("Erlang saw datagrams from %s, Go's sockname is %s", got, want)
			}
			if got := line(); got != "ok" {
				t.Fatalf("escript: %s", got)
			}
		})
		t.Run(d.String()+"/erlang-client", func(t *testing.T) {
			u := open(t, d, Dgram, UDP)
			testkit.Must(t, u.Bind(Loopback(d, 0)))
			line := erlang(t, "udp_client", d.String(), strconv.Itoa(int(sockname(t, u).Port)), strconv.Itoa(interopCount))
			client := line()
			for i := 1; i <= interopCount; i++ {
				from, got, err := u.Recvfrom(0, testkit.WaitBound)
				if err != nil || from.String() != client || !bytes.Equal(got, msg(i)) {
					t.Fatalf("datagram %d: %v, %d bytes, %v; want %s", i, from, len(got), err, client)
				}
				testkit.Must(t, u.Sendto(got, from, testkit.WaitBound))
			}
			if got := line(); got != "ok" {
				t.Fatalf("escript: %s", got)
			}
		})
	}
}

// The same calls, in Go and in Erlang, give the same reasons and values.
func TestReasonsMatchErlang(t *testing.T) {
	line := erlang(t, "reasons")
	for _, tc := range reasonCases {
		erl := line()
		name, want, _ := strings.Cut(erl, " ")
		if name != tc.name {
			t.Fatalf("escript case %q, Go case %q: the lists differ", name, tc.name)
		}
		if got := tc.run(t); got != want {
			t.Errorf("%s: erlang %s, go %s", tc.name, want, got)
		}
	}
}

// result prints a call's outcome as the escript's result/1 does.
func result(data []byte, err error) string {
	switch {
	case err != nil && len(data) > 0:
		return fmt.Sprintf("%s %d", inet.Reason(err), len(data))
	case err != nil:
		return inet.Reason(err)
	}
	return "ok"
}

func errResult(err error) string { return result(nil, err) }

// valueResult prints GetOpt's value as the escript prints Erlang's.
func valueResult(v any, err error) string {
	if err != nil {
		return errResult(err)
	}
	if l, ok := v.(Linger); ok {
		return fmt.Sprintf("%v %d", l.OnOff, l.Linger)
	}
	return fmt.Sprint(v)
}

func tcpSocket(t *testing.T) *Socket { return open(t, Inet, Stream, TCP) }
func udpSocket(t *testing.T) *Socket { return open(t, Inet, Dgram, UDP) }

// udpRecv sends a datagram of size bytes and returns the size Recv(length)
// gives of it.
func udpRecv(t *testing.T, length, size int) string {
	a, b, _, bAddr := udpPair(t, Inet)
	testkit.Must(t, a.Sendto(make([]byte, size), bAddr, testkit.WaitBound))
	data, err := b.Recv(length, testkit.WaitBound)
	if err != nil {
		return errResult(err)
	}
	return strconv.Itoa(len(data))
}

func openResult(d Domain, typ Type, p Protocol) string {
	s, err := Open(d, typ, p)
	if err == nil {
		s.Close()
	}
	return errResult(err)
}

// reasonCases are the escript's reasons(), in its order.
var reasonCases = []struct {
	name string
	run  func(t *testing.T) string
}{
	{"open_stream_udp", func(*testing.T) string { return openResult(Inet, Stream, UDP) }},
	{"open_dgram_tcp", func(*testing.T) string { return openResult(Inet6, Dgram, TCP) }},
	{"bind_twice", func(t *testing.T) string {
		s := tcpSocket(t)
		testkit.Must(t, s.Bind(Loopback(Inet, 0)))
		return errResult(s.Bind(Loopback(Inet, 0)))
	}},
	{"bind_inet6_on_inet", func(t *testing.T) string { return errResult(tcpSocket(t).Bind(Loopback(Inet6, 0))) }},
	{"listen_dgram", func(t *testing.T) string { return errResult(udpSocket(t).Listen(DefaultBacklog)) }},
	{"accept_timeout", func(t *testing.T) string {
		l, _ := listener(t, Inet)
		_, err := l.Accept(0)
		return errResult(err)
	}},
	{"accept_connection", func(t *testing.T) string {
		c, _ := tcpPair(t)
		_, err := c.Accept(0)
		return errResult(err)
	}},
	{"accept_dgram", func(t *testing.T) string {
		_, err := udpSocket(t).Accept(0)
		return errResult(err)
	}},
	{"connect_refused", func(t *testing.T) string {
		s := tcpSocket(t)
		testkit.Must(t, s.Bind(Loopback(Inet, 0)))
		addr := sockname(t, s)
		testkit.Must(t, s.Close())
		return errResult(tcpSocket(t).Connect(addr, Infinity))
	}},
	{"recv_timeout", func(t *testing.T) string {
		_, a := tcpPair(t)
		return result(a.Recv(0, 0))
	}},
	{"recv_partial_timeout", func(t *testing.T) string {
		c, a := tcpPair(t)
		testkit.Must(t, c.Send([]byte("abc"), testkit.WaitBound))
		return result(a.Recv(5, 200*time.Millisecond))
	}},
	{"recv_partial_closed", func(t *testing.T) string {
		c, a := tcpPair(t)
		testkit.Must(t, c.Send([]byte("abc"), testkit.WaitBound))
		testkit.Must(t, c.Close())
		return result(a.Recv(5, time.Second))
	}},
	{"recv_after_close", func(t *testing.T) string {
		c, a := tcpPair(t)
		testkit.Must(t, c.Close())
		a.Recv(0, time.Second)
		return result(a.Recv(0, time.Second))
	}},
	{"recv_reset", func(t *testing.T) string {
		c, a := tcpPair(t)
		reset(t, c)
		return result(a.Recv(0, time.Second))
	}},
	{"recv_after_reset", func(t *testing.T) string {
		c, a := tcpPair(t)
		reset(t, c)
		a.Recv(0, time.Second)
		return result(a.Recv(0, time.Second))
	}},
	{"recv_unconnected", func(t *testing.T) string { return result(tcpSocket(t).Recv(0, 0)) }},
	{"recv_closed_socket", func(t *testing.T) string {
		s := tcpSocket(t)
		testkit.Must(t, s.Close())
		return result(s.Recv(0, 0))
	}},
	{"send_listener", func(t *testing.T) string {
		l, _ := listener(t, Inet)
		return errResult(l.Send([]byte("a"), Infinity))
	}},
	{"send_after_shutdown", func(t *testing.T) string {
		c, _ := tcpPair(t)
		testkit.Must(t, c.Shutdown(Write))
		return errResult(c.Send([]byte("a"), Infinity))
	}},
	{"send_unconnected_udp", func(t *testing.T) string { return errResult(udpSocket(t).Send([]byte("a"), Infinity)) }},
	{"sendto_unconnected_tcp", func(t *testing.T) string {
		return errResult(tcpSocket(t).Sendto([]byte("a"), Loopback(Inet, 9), Infinity))
	}},
	{"sendto_too_big", func(t *testing.T) string {
		return errResult(udpSocket(t).Sendto(make([]byte, 70000), Loopback(Inet, 9), Infinity))
	}},
	{"sendto_inet6_on_inet", func(t *testing.T) string {
		return errResult(udpSocket(t).Sendto([]byte("a"), Loopback(Inet6, 9), Infinity))
	}},
	{"shutdown_udp", func(t *testing.T) string { return errResult(udpSocket(t).Shutdown(Read)) }},
	{"peername_unconnected", func(t *testing.T) string { return valueResult(udpSocket(t).Peername()) }},
	{"close_twice", func(t *testing.T) string {
		s := udpSocket(t)
		testkit.Must(t, s.Close())
		return errResult(s.Close())
	}},
	{"udp_recv_0_of_20000", func(t *testing.T) string { return udpRecv(t, 0, 20000) }},
	{"udp_recv_3_of_10", func(t *testing.T) string { return udpRecv(t, 3, 10) }},
	{"udp_recv_30000_of_20000", func(t *testing.T) string { return udpRecv(t, 30000, 20000) }},
	{"getopt_type", func(t *testing.T) string { return valueResult(udpSocket(t).GetOpt(OptType)) }},
	{"getopt_rcvbuf", func(t *testing.T) string { return valueResult(tcpSocket(t).GetOpt(OptOTPRcvBuf)) }},
	{"getopt_reuseaddr", func(t *testing.T) string { return valueResult(tcpSocket(t).GetOpt(OptReuseAddr)) }},
	{"getopt_linger", func(t *testing.T) string { return valueResult(tcpSocket(t).GetOpt(OptLinger)) }},
	{"getopt_linger_set", func(t *testing.T) string {
		s := tcpSocket(t)
		testkit.Must(t, s.SetOpt(OptLinger, Linger{OnOff: true, Linger: 7}))
		return valueResult(s.GetOpt(OptLinger))
	}},
	{"getopt_unbound_sockname", func(t *testing.T) string { return valueResult(udpSocket(t).Sockname()) }},
}

// reset closes s with a reset, as linger {true, 0} makes close do.
func reset(t *testing.T, s *Socket) {
	testkit.Must(t, s.SetOpt(OptLinger, Linger{OnOff: true, Linger: 0}))
	testkit.Must(t, s.Close())
}
