package sock

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

func TestOpen(t *testing.T) {
	for _, tc := range []struct {
		d   Domain
		typ Type
		p   Protocol
	}{
		{Inet, Stream, TCP}, {Inet, Dgram, UDP}, {Inet6, Stream, TCP}, {Inet6, Dgram, UDP},
	} {
		s := open(t, tc.d, tc.typ, tc.p)
		for _, o := range []struct {
			opt  Option
			want any
		}{{OptDomain, tc.d}, {OptType, tc.typ}, {OptProtocol, tc.p}} {
			if v, err := s.GetOpt(o.opt); err != nil || v != o.want {
				t.Errorf("%v: GetOpt(%v) = %v, %v; want %v", s, o.opt, v, err, o.want)
			}
		}
	}
}

func TestOpenBadArgs(t *testing.T) {
	for _, tc := range []struct {
		d      Domain
		typ    Type
		p      Protocol
		reason string
		arg    string
	}{
		{Domain(99), Stream, TCP, "badarg", "domain"},
		{Unspec, Stream, TCP, "badarg", "domain"},
		{Inet, Type(99), TCP, "badarg", "type"},
		{Inet, Stream, Protocol(99), "badarg", "protocol"},
		{Inet, Stream, UDP, "eprotonosupport", ""}, // the kernel's word, as in OTP
		{Inet6, Dgram, TCP, "eprotonosupport", ""},
	} {
		s, err := Open(tc.d, tc.typ, tc.p)
		if s != nil {
			s.Close()
		}
		wantReason(t, "Open("+tc.d.String()+", "+tc.typ.String()+", "+tc.p.String()+")", err, "open", tc.reason)
		var ae *ArgError
		if errors.As(err, &ae) != (tc.arg != "") || (ae != nil && ae.Arg != tc.arg) {
			t.Errorf("Open(%v, %v, %v) = %v, want an ArgError for %q", tc.d, tc.typ, tc.p, err, tc.arg)
		}
	}
}

func TestBindAnyLoopbackAddr(t *testing.T) {
	for _, tc := range []struct {
		d    Domain
		addr Addr
		want netip.Addr
	}{
		{Inet, Any(Inet, 0), netip.MustParseAddr("0.0.0.0")},
		{Inet, Loopback(Inet, 0), netip.MustParseAddr("127.0.0.1")},
		{Inet6, Any(Inet6, 0), netip.MustParseAddr("::")},
		{Inet6, Loopback(Inet6, 0), netip.MustParseAddr("::1")},
		{Inet, Addr{Inet, netip.MustParseAddr("127.0.0.1"), 0}, netip.MustParseAddr("127.0.0.1")},
		{Inet, AddrFrom(netip.MustParseAddrPort("127.0.0.1:0")), netip.MustParseAddr("127.0.0.1")},
	} {
		s := open(t, tc.d, Dgram, UDP)
		testkit.Must(t, s.Bind(tc.addr))
		got := sockname(t, s)
		if got.Family != tc.d || got.Addr != tc.want || got.Port == 0 {
			t.Errorf("Bind(%v): sockname %v, want %v and a port", tc.addr, got, tc.want)
		}
	}
}

func TestBindErrors(t *testing.T) {
	s := open(t, Inet, Stream, TCP)
	testkit.Must(t, s.Bind(Loopback(Inet, 0)))
	wantReason(t, "second Bind", s.Bind(Loopback(Inet, 0)), "bind", "einval")

	l, addr := listener(t, Inet)
	_ = l
	wantReason(t, "Bind to a port in use", open(t, Inet, Stream, TCP).Bind(addr), "bind", "eaddrinuse")
	wantReason(t, "Bind of an inet6 address to inet", open(t, Inet, Stream, TCP).Bind(Loopback(Inet6, 0)), "bind", "eafnosupport")
	for _, bad := range []Addr{{}, {Family: Inet}, {Inet, netip.IPv6Loopback(), 0}, {Inet6, netip.MustParseAddr("127.0.0.1"), 0}} {
		wantReason(t, "Bind("+bad.String()+")", open(t, Inet, Stream, TCP).Bind(bad), "bind", "badarg")
	}
}

func TestListenBacklog(t *testing.T) {
	l := open(t, Inet, Stream, TCP)
	testkit.Must(t, l.Bind(Loopback(Inet, 0)))
	testkit.Must(t, l.Listen(1))
	if v, err := l.GetOpt(OptAcceptConn); err != nil || v != true {
		t.Fatalf("acceptconn = %v, %v; want true", v, err)
	}

	// An unbound socket listens on a port of every interface.
	u := open(t, Inet, Stream, TCP)
	testkit.Must(t, u.Listen(DefaultBacklog))
	if a := sockname(t, u); a.Addr != netip.IPv4Unspecified() || a.Port == 0 {
		t.Fatalf("sockname of an unbound listener = %v", a)
	}

	wantReason(t, "Listen on a dgram socket", open(t, Inet, Dgram, UDP).Listen(5), "listen", "enotsup")
	c, _ := tcpPair(t)
	wantReason(t, "Listen on a connected socket", c.Listen(5), "listen", "einval")
}

func TestAccept(t *testing.T) {
	l, addr := listener(t, Inet6)
	c := open(t, Inet6, Stream, TCP)
	testkit.Must(t, c.Connect(addr, testkit.WaitBound))
	a, err := l.Accept(Infinity)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if v, _ := a.GetOpt(OptDomain); v != Inet6 {
		t.Fatalf("accepted socket's domain = %v, want inet6", v)
	}
	peer, err := a.Peername()
	if err != nil || peer != sockname(t, c) {
		t.Fatalf("accepted socket's peer = %v, %v; want %v", peer, err, sockname(t, c))
	}
}

func TestAcceptTimeout(t *testing.T) {
	l, _ := listener(t, Inet)
	start := time.Now()
	_, err := l.Accept(30 * time.Millisecond)
	wantReason(t, "Accept", err, "accept", "timeout")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("Accept timed out after %v", d)
	}
	_, err = l.Accept(0)
	wantReason(t, "Accept(0)", err, "accept", "timeout")
	_, err = l.Accept(-5)
	wantReason(t, "Accept(-5)", err, "accept", "badarg")
}

// Closing the listener wakes the blocked Accept calls with closed.
func TestAcceptClosed(t *testing.T) {
	l, _ := listener(t, Inet)
	closeWakes(t, l, 3, 3, "accept", func() error {
		_, err := l.Accept(Infinity)
		return err
	})
}

func TestAcceptErrors(t *testing.T) {
	c, _ := tcpPair(t)
	_, err := c.Accept(0)
	wantReason(t, "Accept on a connection", err, "accept", "einval")
	_, err = open(t, Inet, Dgram, UDP).Accept(0)
	wantReason(t, "Accept on a dgram socket", err, "accept", "enotsup")
}

func TestConnectRefused(t *testing.T) {
	// A port that was just free: nothing listens on it.
	s := open(t, Inet, Stream, TCP)
	testkit.Must(t, s.Bind(Loopback(Inet, 0)))
	addr := sockname(t, s)
	testkit.Must(t, s.Close())
	wantReason(t, "Connect", open(t, Inet, Stream, TCP).Connect(addr, testkit.WaitBound), "connect", "econnrefused")
}

// A connect that gets no answer times out, and the socket stays
// connecting: a second Connect is ealready, as in OTP.
func TestConnectTimeout(t *testing.T) {
	l := open(t, Inet, Stream, TCP)
	testkit.Must(t, l.Bind(Loopback(Inet, 0)))
	testkit.Must(t, l.Listen(0))
	addr := sockname(t, l)
	// The first connection fills the accept queue of backlog 0; the
	// kernel drops the second's SYN and the client waits a second
	// before it tries again.
	testkit.Must(t, open(t, Inet, Stream, TCP).Connect(addr, testkit.WaitBound))
	c := open(t, Inet, Stream, TCP)
	wantReason(t, "Connect to a full backlog", c.Connect(addr, 50*time.Millisecond), "connect", "timeout")
	wantReason(t, "second Connect", c.Connect(addr, 0), "connect", "ealready")
	wantReason(t, "Connect to a bad address", c.Connect(Addr{}, 0), "connect", "badarg")
}

func TestConnectDgram(t *testing.T) {
	a, b, aAddr, bAddr := udpPair(t, Inet)
	testkit.Must(t, a.Connect(bAddr, 0))
	if p, err := a.Peername(); err != nil || p != bAddr {
		t.Fatalf("peername = %v, %v; want %v", p, err, bAddr)
	}
	testkit.Must(t, a.Send([]byte("connected"), testkit.WaitBound))
	from, data, err := b.Recvfrom(0, testkit.WaitBound)
	if err != nil || from != aAddr || string(data) != "connected" {
		t.Fatalf("Recvfrom = %v, %q, %v", from, data, err)
	}
}

func TestShutdown(t *testing.T) {
	c, s := tcpPair(t)
	// shutdown(read) wakes a blocked Recv, which sees the end.
	errs := make(chan error, 1)
	go func() {
		_, err := s.Recv(0, Infinity)
		errs <- err
	}()
	waitBlocked(t, s, false, 1)
	testkit.Must(t, s.Shutdown(Read))
	wantReason(t, "Recv after shutdown(read)", <-errs, "recv", "closed")

	testkit.Must(t, c.Shutdown(Write))
	wantReason(t, "Send after shutdown(write)", c.Send([]byte("x"), testkit.WaitBound), "send", "epipe")
	_, err := s.Recv(0, testkit.WaitBound)
	wantReason(t, "peer's Recv after shutdown(write)", err, "recv", "closed")
	testkit.Must(t, s.Send([]byte("still open"), testkit.WaitBound))
	if got := recvAll(t, c, 10); string(got) != "still open" {
		t.Fatalf("read %q after shutdown(write)", got)
	}
	testkit.Must(t, c.Shutdown(ReadWrite))

	wantReason(t, "Shutdown(How(7))", c.Shutdown(How(7)), "shutdown", "badarg")
	wantReason(t, "Shutdown of an unconnected udp", open(t, Inet, Dgram, UDP).Shutdown(Read), "shutdown", "enotconn")
	l, _ := listener(t, Inet)
	wantReason(t, "Shutdown(read_write) of a listener", l.Shutdown(ReadWrite), "shutdown", "enotconn")
}

func TestSocknamePeername(t *testing.T) {
	c, s := tcpPair(t)
	cs, _ := c.Sockname()
	cp, _ := c.Peername()
	ss, _ := s.Sockname()
	sp, _ := s.Peername()
	if cs != sp || cp != ss || cs.Family != Inet || cs.Addr != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("client %v -> %v, server %v -> %v", cs, cp, ss, sp)
	}
	u := open(t, Inet6, Dgram, UDP)
	if a := sockname(t, u); a != Any(Inet6, 0) {
		t.Fatalf("sockname of an unbound socket = %v, want %v", a, Any(Inet6, 0))
	}
	_, err := u.Peername()
	wantReason(t, "Peername of an unconnected socket", err, "peername", "enotconn")
}

func TestCloseTwice(t *testing.T) {
	s, err := Open(Inet, Stream, TCP)
	testkit.Must(t, err)
	testkit.Must(t, s.Close())
	wantReason(t, "second Close", s.Close(), "close", "closed")
}

// Every call on a closed socket is closed, as in OTP.
func TestCallsAfterClose(t *testing.T) {
	s, err := Open(Inet, Dgram, UDP)
	testkit.Must(t, err)
	testkit.Must(t, s.Close())
	_, err = s.Recv(0, 0)
	wantReason(t, "Recv", err, "recv", "closed")
	_, _, err = s.Recvfrom(0, 0)
	wantReason(t, "Recvfrom", err, "recvfrom", "closed")
	wantReason(t, "Send", s.Send(nil, 0), "send", "closed")
	wantReason(t, "Sendto", s.Sendto(nil, Loopback(Inet, 9), 0), "sendto", "closed")
	wantReason(t, "Bind", s.Bind(Any(Inet, 0)), "bind", "closed")
	wantReason(t, "Listen", s.Listen(1), "listen", "closed")
	wantReason(t, "Connect", s.Connect(Loopback(Inet, 9), 0), "connect", "closed")
	_, err = s.Accept(0)
	wantReason(t, "Accept", err, "accept", "closed")
	wantReason(t, "Shutdown", s.Shutdown(Write), "shutdown", "closed")
	_, err = s.Sockname()
	wantReason(t, "Sockname", err, "sockname", "closed")
	_, err = s.Peername()
	wantReason(t, "Peername", err, "peername", "closed")
	_, err = s.GetOpt(OptReuseAddr)
	wantReason(t, "GetOpt", err, "getopt", "closed")
	wantReason(t, "SetOpt", s.SetOpt(OptReuseAddr, true), "setopt", "closed")
	if !errors.Is(s.Close(), inet.ErrClosed) {
		t.Fatal("Close after Close is not ErrClosed")
	}
}
