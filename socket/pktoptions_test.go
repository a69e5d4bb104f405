package socket

// Ports of gen_tcp_misc_SUITE's pktoptions cases: recvtos, recvtosttl,
// recvttl and recvtclass, all test_pktoptions/4 with another spec.

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// pktSpec is one {RecvOpt, Opt, Value} of test_pktoptions' spec: the
// option that asks for a value in pktoptions, and the value to send.
type pktSpec struct {
	recv func(bool) Option
	val  Option
}

// pktScenario is test_pktoptions/4's socket work: every getopts it makes,
// in order (the order of the oracle's pktoptions_* lines):
//
//	 0, 1  the listener's recv options (set) and options (default)
//	 2, 3  a connecting socket's, with both set
//	 4, 5  the accepted socket's: it inherits the listener's
//	 6, 7  the accepted and the connecting socket's pktoptions
//	 8, 9  the listener's, recv options cleared and options set
//	10, 11 a second connecting socket's, with recv options only
//	12, 13 the second accepted socket's
//	14, 15 the second accepted and connecting sockets' pktoptions
//
// It reports false when the family's loopback is not there.
func pktScenario(t *testing.T, family inet.Family, spec []pktSpec) ([][]Option, bool) {
	t.Helper()
	p := newProc(t)
	recvNames, names, on, off, vals := splitSpec(spec)
	addr := loopback
	if family == inet.Inet6 {
		addr = netip.IPv6Loopback()
	}
	base := []Option{Family(family), Binary(), Active(False), SendTimeout(5 * time.Second)}
	var got [][]Option
	get := func(s *Socket, names ...OptName) {
		t.Helper()
		o, err := s.GetOpts(names...)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 1 && names[0] == OptPktoptions {
			o = o[0].Value().([]Option)
		}
		got = append(got, o)
	}
	l, err := Listen(p, 0, slices.Concat([]Option{IP(addr)}, base, on)...)
	if errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.EAFNOSUPPORT) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port, _ := l.Port()
	get(l, recvNames...)
	get(l, names...)
	connectAccept := func(opts []Option) (c, a *Socket) {
		t.Helper()
		c = connect(t, p, addr.String(), port, slices.Concat(base, opts)...)
		t.Cleanup(func() { c.Close() })
		get(c, recvNames...)
		get(c, names...)
		a = accept(t, l, p)
		t.Cleanup(func() { a.Close() })
		get(a, recvNames...)
		get(a, names...)
		get(a, OptPktoptions)
		get(c, OptPktoptions)
		return c, a
	}
	c, a := connectAccept(slices.Concat(on, vals))
	c.Close()
	a.Close()
	if err := l.SetOpts(slices.Concat(off, vals)...); err != nil {
		t.Fatal(err)
	}
	get(l, recvNames...)
	get(l, names...)
	connectAccept(on)
	return got, true
}

// splitSpec returns the spec's recv options' names and its options' names;
// the recv options on and off; and the options with their values.
func splitSpec(spec []pktSpec) (recvNames, names []OptName, on, off, vals []Option) {
	for _, sp := range spec {
		recvNames = append(recvNames, sp.recv(true).Name())
		names = append(names, sp.val.Name())
		on, off = append(on, sp.recv(true)), append(off, sp.recv(false))
		vals = append(vals, sp.val)
	}
	return recvNames, names, on, off, vals
}

// testPktoptions asserts what test_pktoptions/4 asserts: the recv options
// read back as set, and inherited by accepted sockets; the accepted
// socket's pktoptions are the values the peer sent (its SYN's); with the
// recv options off, pktoptions is empty; and with checkConnect, the
// connecting socket's pktoptions are the values the listener's side sent.
func testPktoptions(t *testing.T, family inet.Family, spec []pktSpec, checkConnect bool) {
	t.Parallel()
	got, ok := pktScenario(t, family, spec)
	if !ok {
		t.Skip("no loopback address for ", family) // as OTP's recvtclass without ::1
	}
	_, _, on, off, vals := splitSpec(spec)
	defaults := got[1]
	for i, want := range map[int][]Option{
		0: on, 2: on, 3: vals, 4: on, 5: defaults,
		8: off, 9: vals, 10: on, 11: defaults, 12: off, 13: vals, 14: {},
	} {
		if !slices.Equal(got[i], want) {
			t.Errorf("getopts %d = %v, want %v", i, got[i], want)
		}
	}
	sameSet := func(a, b []Option) bool {
		by := func(x, y Option) int { return int(x.Name()) - int(y.Name()) }
		return slices.Equal(slices.SortedFunc(slices.Values(a), by), slices.SortedFunc(slices.Values(b), by))
	}
	if !sameSet(got[6], vals) {
		t.Errorf("the accepted socket's pktoptions = %v, want %v", got[6], vals)
	}
	if checkConnect && (!sameSet(got[7], defaults) || !sameSet(got[15], vals)) {
		t.Errorf("the connecting sockets' pktoptions = %v and %v, want %v and %v", got[7], got[15], defaults, vals)
	}
}

// recvtos: the TOS of the peer's SYN, 96, in the accepted socket's
// pktoptions.
func TestRecvtos(t *testing.T) {
	testPktoptions(t, inet.Inet, []pktSpec{{RecvTos, Tos(96)}}, false)
}

// recvtosttl: TOS and TTL together.
func TestRecvtosttl(t *testing.T) {
	testPktoptions(t, inet.Inet, []pktSpec{{RecvTos, Tos(96)}, {RecvTTL, TTL(33)}}, false)
}

// recvttl: the TTL of the peer's SYN, 33.
func TestRecvttl(t *testing.T) {
	testPktoptions(t, inet.Inet, []pktSpec{{RecvTTL, TTL(33)}}, false)
}

// recvtclass: the traffic class over IPv6, where the connecting socket's
// pktoptions are checked too.
func TestRecvtclass(t *testing.T) {
	testPktoptions(t, inet.Inet6, []pktSpec{{RecvTclass, Tclass(224)}}, true)
}

// The recv options change no data message on TCP, as in OTP; pktoptions
// cannot be set, and recvtclass is refused on an IPv4 socket (einval).
func TestPktoptionsMessages(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, RecvTos(true), RecvTTL(true), Tos(96))
	if err := c.Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Expect(t, p, s.Match); !isData(m, s, "x") {
		t.Fatalf("got %#v, want {tcp, S, x}", m)
	}
	got, err := s.GetOpts(OptPktoptions)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetOpts(got...); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("setopts pktoptions = %v, want einval", err)
	}
	if err := s.SetOpts(RecvTclass(true)); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("setopts recvtclass on IPv4 = %v, want einval", err)
	}
	if _, err := Listen(p, 0, IP(loopback), RecvTclass(true)); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("listen with recvtclass on IPv4 = %v, want einval", err)
	}
	s.Close()
	if _, err := s.GetOpts(OptRecvTos, OptPktoptions); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("getopts of a closed socket = %v, want einval", err)
	}
}

// erlOptions formats lists of options as the oracle prints them with ~w:
// [[{recvtos,true}],[{tos,0}],...].
func erlOptions(lists [][]Option) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, l := range lists {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, o := range l {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(o.String())
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}
