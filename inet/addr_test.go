package inet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// v4 and v6 spell Erlang's address tuples.
func tup4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

func tup6(w ...uint16) netip.Addr {
	if len(w) != 8 {
		panic("v6 takes eight words")
	}
	return addrFromWords([8]uint16(w))
}

// addrCase is a {Tuple, String} of inet_SUITE.
type addrCase struct {
	addr netip.Addr
	s    string
}

// The address tables of OTP 25's lib/kernel/test/inet_SUITE.erl, test case
// parse_address/1, with its generated rows generated the same way.
var (
	suiteV4Reversable = []addrCase{
		{tup4(0, 0, 0, 0), "0.0.0.0"},
		{tup4(1, 2, 3, 4), "1.2.3.4"},
		{tup4(253, 252, 251, 250), "253.252.251.250"},
		{tup4(1, 2, 255, 254), "1.2.255.254"},
	}
	suiteV6Reversable = append([]addrCase{
		{tup6(0, 0, 0, 0, 0, 0, 0, 0), "::"},
		{tup6(0, 0, 0, 0, 0, 0, 0, 1), "::1"},
		{tup6(0, 0, 0, 0, 0, 0, 0, 2), "::0.0.0.2"},
		{tup6(15, 0, 0, 0, 0, 0, 0, 2), "f::2"},
		{tup6(15, 0xf11, 0, 0, 0, 0, 256, 2), "f:f11::100:2"},
		{tup6(0x700, 0, 0, 0, 0, 0, 0, 0), "700::"},
		{tup6(0, 0, 0, 0, 0, 0, 2, 1), "::0.2.0.1"},
		{tup6(0, 0, 0, 0, 0, 3, 2, 1), "::3:2:1"},
		{tup6(0, 0, 0, 0, 4, 3, 2, 1), "::4:3:2:1"},
		{tup6(0, 0, 0, 5, 4, 3, 2, 1), "::5:4:3:2:1"},
		{tup6(0, 0, 6, 5, 4, 3, 2, 1), "::6:5:4:3:2:1"},
		{tup6(0, 7, 6, 5, 4, 3, 2, 1), "0:7:6:5:4:3:2:1"},
		{tup6(7, 0, 0, 0, 0, 0, 0, 0), "7::"},
		{tup6(7, 6, 0, 0, 0, 0, 0, 0), "7:6::"},
		{tup6(7, 6, 5, 0, 0, 0, 0, 0), "7:6:5::"},
		{tup6(7, 6, 5, 4, 0, 0, 0, 0), "7:6:5:4::"},
		{tup6(7, 6, 5, 4, 3, 0, 0, 0), "7:6:5:4:3::"},
		{tup6(7, 6, 5, 4, 3, 2, 0, 0), "7:6:5:4:3:2::"},
		{tup6(7, 6, 5, 4, 3, 2, 1, 0), "7:6:5:4:3:2:1:0"},
		{tup6(0, 0, 6, 5, 4, 3, 0, 0), "::6:5:4:3:0:0"},
		{tup6(0, 0, 6, 5, 4, 0, 0, 0), "0:0:6:5:4::"},
		{tup6(8, 0, 0, 5, 4, 0, 0, 1), "8::5:4:0:0:1"},
		{tup6(8, 0, 0, 5, 0, 0, 0, 1), "8:0:0:5::1"},
		{tup6(0, 7, 6, 5, 4, 3, 2, 0), "0:7:6:5:4:3:2:0"},
		{tup6(0, 0, 6, 5, 4, 3, 0, 0), "::6:5:4:3:0:0"},
		{tup6(0, 0, 0, 5, 4, 0, 0, 0), "::5:4:0:0:0"},
		{tup6(0, 0, 0, 0, 4, 0, 0, 0), "::4:0:0:0"},
		{tup6(0, 0, 0, 5, 0, 0, 0, 0), "0:0:0:5::"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "c11:c22:5c33:c440:55c0:c66c:77:88"},
		{tup6(0, 0xc22, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "0:c22:5c33:c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "c11:0:5c33:c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "c11:c22:0:c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0, 0x55c0, 0xc66c, 0x77, 0x88), "c11:c22:5c33:0:55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0, 0xc66c, 0x77, 0x88), "c11:c22:5c33:c440:0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0, 0x77, 0x88), "c11:c22:5c33:c440:55c0:0:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0, 0x88), "c11:c22:5c33:c440:55c0:c66c:0:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0x77, 0), "c11:c22:5c33:c440:55c0:c66c:77:0"},
		{tup6(0, 0, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "::5c33:c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0, 0, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "c11::c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0, 0, 0x55c0, 0xc66c, 0x77, 0x88), "c11:c22::55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0, 0, 0xc66c, 0x77, 0x88), "c11:c22:5c33::c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0, 0, 0x77, 0x88), "c11:c22:5c33:c440::77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0, 0, 0x88), "c11:c22:5c33:c440:55c0::88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0xc66c, 0, 0), "c11:c22:5c33:c440:55c0:c66c::"},
		{tup6(0, 0, 0, 0xc440, 0x55c0, 0xc66c, 0x77, 0x88), "::c440:55c0:c66c:77:88"},
		{tup6(0xc11, 0, 0, 0, 0x55c0, 0xc66c, 0x77, 0x88), "c11::55c0:c66c:77:88"},
		{tup6(0xc11, 0xc22, 0, 0, 0, 0xc66c, 0x77, 0x88), "c11:c22::c66c:77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0, 0, 0, 0x77, 0x88), "c11:c22:5c33::77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0, 0, 0, 0x88), "c11:c22:5c33:c440::88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0x55c0, 0, 0, 0), "c11:c22:5c33:c440:55c0::"},
		{tup6(0, 0, 0, 0, 0x55c0, 0xc66c, 0x77, 0x88), "::55c0:c66c:77:88"},
		{tup6(0xc11, 0, 0, 0, 0, 0xc66c, 0x77, 0x88), "c11::c66c:77:88"},
		{tup6(0xc11, 0xc22, 0, 0, 0, 0, 0x77, 0x88), "c11:c22::77:88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0, 0, 0, 0, 0x88), "c11:c22:5c33::88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0xc440, 0, 0, 0, 0), "c11:c22:5c33:c440::"},
		{tup6(0, 0, 0, 0, 0, 0xc66c, 0x77, 0x88), "::c66c:77:88"},
		{tup6(0xc11, 0, 0, 0, 0, 0, 0x77, 0x88), "c11::77:88"},
		{tup6(0xc11, 0xc22, 0, 0, 0, 0, 0, 0x88), "c11:c22::88"},
		{tup6(0xc11, 0xc22, 0x5c33, 0, 0, 0, 0, 0), "c11:c22:5c33::"},
		{tup6(0, 0, 0, 0, 0, 65535, 258, 65534), "::ffff:1.2.255.254"},
		{tup6(0xfe80, 12345, 0, 0, 0, 0, 0, 0x12), "fe80::12%012345"},
		{tup6(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	}, suiteV6FromV4()...)
	suiteV4Sloppy = []addrCase{
		{tup4(10, 1, 0x98, 0x76), "10.0x019876"},
		{tup4(0o12, 1, 0o130, 0o321), "012.01.054321"},
		{tup4(252, 253, 254, 255), "252.253.254.0377"},
		{tup4(252, 253, 254, 255), "0Xfc.000000000375.0x0000fe.255"},
		{tup4(252, 253, 254, 255), "252.253.65279"},
		{tup4(252, 253, 254, 255), "252.0xFD.0177377"},
		{tup4(252, 253, 254, 255), "252.16645887"},
		{tup4(252, 253, 254, 255), "00374.0XFDFEFF"},
		{tup4(252, 253, 254, 255), "4244504319"},
		{tup4(252, 253, 254, 255), "0xfcfdfeff"},
		{tup4(252, 253, 254, 255), "00000000000037477377377"},
		{tup4(0x12, 0x34, 0x56, 0x78), "0x12345678"},
		{tup4(0x12, 0x34, 0x56, 0x78), "0x12.0x345678"},
		{tup4(0x12, 0x34, 0x56, 0x78), "0x12.0X34.0x5678"},
		{tup4(0x12, 0x34, 0x56, 0x78), "0x12.0X34.0x56.0X78"},
		{tup4(0, 0, 0, 0), "0"},
		{tup4(0, 0, 0, 0), "00"},
		{tup4(0, 0, 0, 0), "0.0"},
		{tup4(0, 0, 0, 0), "00.00.00"},
		{tup4(0, 0, 0, 0), "0.00.0.0"},
		{tup4(0, 0, 0, 0), "0.0.000000000000.0"},
	}
	suiteV6Sloppy = append([]addrCase{
		{tup6(0xa, 0xb, 0xc, 0, 0, 0xd, 0xe, 0xf), "A:B:C::d:e:f"},
		{tup6(0xfe80, 0, 0, 0, 0, 0, 0, 0x12), "fe80::12%XXXXXXX"},
	}, suiteV6SloppyFromV4()...)
	suiteV4Err = []string{
		"0.256.0.1", "1.2.3.4.5", "256.255.65535", "4294967296", "0x100000000",
		"040000000000", "1.2.3.-4", "1.2.-3.4", "1.-2.3.4", "-1.2.3.4",
		"10.", "172.16.", "198.168.0.", "127.0.0.1.",
	}
	suiteV6Err = []string{
		":::", "f:::2", "::-1", "::g", "f:f11::10100:2", "f:f11::01100:2",
		"::17000", "::01700", "10000::", "01000::", "::8:7:6:5:4:3:2:1",
		"8:7:6:5:4:3:2:1::", "8:7:6:5:4::3:2:1", "::1.2.3.4.5", "::1.2.3.04",
		"::1.256.3.4", "::-5.4.3.2", "::5.-4.3.2", "::5.4.-3.2", "::5.4.3.-2",
		"::FFFF:1.2.3.4.5", "::10.", "::FFFF:172.16.", "fe80::198.168.0.",
		"fec0::fFfF:127.0.0.1.",
	}
)

// suiteV6FromV4 is the comprehension at the end of V6Reversable: each
// V4Reversable but the first, IPv4-mapped and IPv4-compatible.
func suiteV6FromV4() []addrCase {
	var cs []addrCase
	for _, c := range suiteV4Reversable[1:] {
		w := v4Words(c.addr)
		cs = append(cs,
			addrCase{tup6(0, 0, 0, 0, 0, 0xffff, w[0], w[1]), "::ffff:" + c.s},
			addrCase{tup6(0, 0, 0, 0, 0, 0, w[0], w[1]), "::" + c.s})
	}
	return cs
}

// suiteV6SloppyFromV4 is V6Sloppy's comprehension: each V4Reversable
// after a prefix and its second byte in upper-case hex.
func suiteV6SloppyFromV4() []addrCase {
	var cs []addrCase
	for _, c := range suiteV4Reversable {
		b := c.addr.As4()
		w := v4Words(c.addr)
		for _, p := range []struct {
			w uint16
			s string
		}{{0x2001, "2001::"}, {0x177, "177::"}, {0xff0, "Ff0::"}} {
			d2 := uint16(b[1])
			cs = append(cs, addrCase{
				tup6(p.w, 0, 0, 0, 0, d2, w[0], w[1]),
				p.s + strings.ToUpper(strconv.FormatUint(uint64(d2), 16)) + ":" + c.s,
			})
		}
	}
	return cs
}

func caseStrings(cs []addrCase) []string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.s
	}
	return s
}

// TestParseAddressInetSuite is inet_SUITE:parse_address/1: t_parse_address
// of each parse function over its good rows (parsed, and printed back by
// Ntoa when reversible) and its bad rows (einval).
func TestParseAddressInetSuite(t *testing.T) {
	cat := func(css ...[]addrCase) []addrCase {
		var all []addrCase
		for _, cs := range css {
			all = append(all, cs...)
		}
		return all
	}
	bad := func(ss ...[]string) []string {
		var all []string
		for _, s := range ss {
			all = append(all, s...)
		}
		return all
	}
	tests := []struct {
		name       string
		parse      func(string) (netip.Addr, error)
		reversible bool
		good       []addrCase
		bad        []string
	}{
		{"parse_ipv6_address", ParseIPv6Address, false,
			cat(suiteV6Reversable, suiteV6Sloppy), bad(suiteV6Err, suiteV4Err)},
		{"parse_ipv6strict_address", ParseIPv6StrictAddress, true,
			suiteV6Reversable, bad(suiteV6Err, suiteV4Err)},
		{"parse_ipv4_address", ParseIPv4Address, false,
			cat(suiteV4Reversable, suiteV4Sloppy), bad(suiteV4Err, suiteV6Err, caseStrings(suiteV6Reversable))},
		{"parse_ipv4strict_address", ParseIPv4StrictAddress, true,
			suiteV4Reversable, bad(suiteV4Err, suiteV6Err, caseStrings(suiteV4Sloppy), caseStrings(suiteV6Reversable))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.good {
				got, err := tt.parse(c.s)
				if err != nil || got != c.addr {
					t.Errorf("%s(%q) = %s, %v; want %s", tt.name, c.s, addrTerm(got), err, addrTerm(c.addr))
					continue
				}
				if s := Ntoa(got); tt.reversible && s != c.s {
					t.Errorf("Ntoa(%s) = %q, want %q", addrTerm(got), s, c.s)
				}
			}
			for _, s := range tt.bad {
				if got, err := tt.parse(s); !errors.Is(err, syscall.EINVAL) {
					t.Errorf("%s(%q) = %s, %v; want einval", tt.name, s, addrTerm(got), err)
				}
			}
		})
	}
}

// TestParseStrictAddressInetSuite is inet_SUITE:parse_strict_address/1.
func TestParseStrictAddressInetSuite(t *testing.T) {
	for _, c := range []addrCase{
		{tup4(127, 0, 0, 1), "127.0.0.1"},
		{tup6(3089, 3106, 23603, 50240, 21952, 50796, 119, 136), "c11:0c22:5c33:c440:55c0:c66c:77:0088"},
		{tup6(3089, 3106, 23603, 50240, 0, 0, 119, 136), "c11:0c22:5c33:c440::077:0088"},
	} {
		if got, err := ParseStrictAddress(c.s); err != nil || got != c.addr {
			t.Errorf("ParseStrictAddress(%q) = %s, %v; want %s", c.s, addrTerm(got), err, addrTerm(c.addr))
		}
	}
}

// TestNtoaInetSuite is inet_SUITE:ntoa/1: addresses whose parts are zero,
// a random value or the maximum print to text that parses back to them.
// (The suite's out-of-range parts, -1 and 256, have no netip.Addr.)
func TestNtoaInetSuite(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var addrs []netip.Addr
	r4 := [4]byte{byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
	for i := range 81 {
		var b [4]byte
		for j := range b {
			b[j] = [3]byte{0, r4[j], 255}[i/[4]int{1, 3, 9, 27}[j]%3]
		}
		addrs = append(addrs, netip.AddrFrom4(b))
	}
	r6 := [4]uint16{uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), uint16(rng.IntN(65536))}
	for i := range 81 {
		var x [4]uint16
		for j := range x {
			x[j] = [3]uint16{0, r6[j], 65535}[i/[4]int{1, 3, 9, 27}[j]%3]
		}
		e, f, g, h := x[0], x[1], x[2], x[3]
		addrs = append(addrs, tup6(e, f, g, h, g, g, e, f))
	}
	for _, a := range addrs {
		s := Ntoa(a)
		if got, err := ParseAddress(s); err != nil || got != a {
			t.Errorf("ParseAddress(Ntoa(%s) = %q) = %s, %v", addrTerm(a), s, addrTerm(got), err)
		}
	}
}

// TestIPv4MappedIPv6AddressInetSuite is inet_SUITE:ipv4_mapped_ipv6_address/1.
func TestIPv4MappedIPv6AddressInetSuite(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		a := tup4(byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)))
		w := v4Words(a)
		if got, want := IPv4MappedIPv6Address(a), tup6(0, 0, 0, 0, 0, 0xffff, w[0], w[1]); got != want {
			t.Fatalf("IPv4MappedIPv6Address(%s) = %s, want %s", a, got, want)
		}
		b := tup6(uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), uint16(rng.IntN(65536)),
			uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), uint16(rng.IntN(65536)), w[0], w[1])
		if got := IPv4MappedIPv6Address(b); got != a {
			t.Fatalf("IPv4MappedIPv6Address(%s) = %s, want %s", b, got, a)
		}
	}
	if got := IPv4MappedIPv6Address(netip.Addr{}); got.IsValid() {
		t.Errorf("IPv4MappedIPv6Address(zero) = %s", got)
	}
}

// TestParseQuirks holds OTP's less obvious answers, each checked against
// Erlang/OTP 25 by hand; TestErlangParseAddress checks thousands more.
func TestParseQuirks(t *testing.T) {
	ok := func(a netip.Addr) string { return addrTerm(a) }
	const e = "einval"
	tests := []struct {
		parse func(string) (netip.Addr, error)
		in    string
		want  string
	}{
		{ParseIPv4Address, "+1.2.3.4", ok(tup4(1, 2, 3, 4))},
		{ParseIPv4Address, "1.2.3.-0", ok(tup4(1, 2, 3, 0))},
		{ParseIPv4Address, "0x+7", ok(tup4(0, 0, 0, 7))},
		{ParseIPv4Address, "0x0+1", ok(tup4(0, 0, 0, 1))}, // zeros stripped, then "+1"
		{ParseIPv4Address, "0x0", e},                      // zeros stripped, no digit left
		{ParseIPv4Address, "0x", e},
		{ParseIPv4Address, "0x00.1", e},
		{ParseIPv4Address, "08", e},
		{ParseIPv4Address, "0.0x1", ok(tup4(0, 0, 0, 1))},
		{ParseIPv4Address, "01.1", ok(tup4(1, 0, 0, 1))},
		{ParseIPv4Address, "127.1", ok(tup4(127, 0, 0, 1))},
		{ParseIPv4Address, " 1.2.3.4", e},
		{ParseIPv4Address, "1.2.3.4 ", e},
		{ParseIPv4Address, "", e},
		{ParseIPv4Address, ".", e},
		{ParseIPv4StrictAddress, "+1.2.3.4", ok(tup4(1, 2, 3, 4))},
		{ParseIPv4StrictAddress, "-0.1.2.3", ok(tup4(0, 1, 2, 3))},
		{ParseIPv4StrictAddress, "01.2.3.4", e},
		{ParseIPv4StrictAddress, "00.0.0.0", e},
		{ParseIPv4StrictAddress, "1.2.3.0.", e},
		{ParseIPv6Address, "::1.+2.3.4", ok(tup6(0, 0, 0, 0, 0, 0, 258, 772))},
		{ParseIPv6Address, "1.2.3.4", ok(tup6(0, 0, 0, 0, 0, 0xffff, 258, 772))},
		{ParseIPv6Address, "127.1", ok(tup6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1))},
		{ParseIPv6Address, "fe80::1%eth0", ok(tup6(0xfe80, 0, 0, 0, 0, 0, 0, 1))},
		{ParseIPv6Address, "fe80::1%05", ok(tup6(0xfe80, 5, 0, 0, 0, 0, 0, 1))},
		{ParseIPv6Address, "fe80::1:2:3:4:5:6%05", ok(tup6(0xfe80, 5, 1, 2, 3, 4, 5, 6))},
		{ParseIPv6Address, "fe80:0:0:0:0:0:0:1%eth0", ok(tup6(0xfe80, 0, 0, 0, 0, 0, 0, 1))},
		{ParseIPv6Address, "fe80::%1", ok(tup6(0xfe80, 0, 0, 0, 0, 0, 0, 0))},
		{ParseIPv6Address, "ff02::1%0", ok(tup6(0xff02, 0, 0, 0, 0, 0, 0, 1))},
		{ParseIPv6Address, "fe80:1::1%5", e},
		{ParseIPv6Address, "1::%eth0", e},
		{ParseIPv6Address, "ff02::1%099999", e},
		{ParseIPv6Address, "::%1", e},
		{ParseAddress, "::", ok(tup6(0, 0, 0, 0, 0, 0, 0, 0))},
		{ParseAddress, "127.1", ok(tup4(127, 0, 0, 1))},
		{ParseAddress, "::ffff:1.2.3.4", ok(tup6(0, 0, 0, 0, 0, 0xffff, 258, 772))},
		{ParseStrictAddress, "127.1", e},
	}
	for _, tt := range tests {
		a, err := tt.parse(tt.in)
		got := ok(a)
		if err != nil {
			got = Reason(err)
		}
		if got != tt.want {
			t.Errorf("%s: parse(%q) = %s, want %s", parseOp(tt.parse), tt.in, got, tt.want)
		}
	}
}

func parseOp(f func(string) (netip.Addr, error)) string {
	_, err := f("not an address")
	var e *Error
	if errors.As(err, &e) {
		return e.Op
	}
	return "?"
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		parse func(string) (netip.Addr, error)
		op    string
	}{
		{ParseAddress, "parse_address"},
		{ParseStrictAddress, "parse_strict_address"},
		{ParseIPv4Address, "parse_ipv4_address"},
		{ParseIPv4StrictAddress, "parse_ipv4strict_address"},
		{ParseIPv6Address, "parse_ipv6_address"},
		{ParseIPv6StrictAddress, "parse_ipv6strict_address"},
	} {
		a, err := tt.parse("1.2.3.")
		var e *Error
		if !errors.As(err, &e) || e.Op != tt.op || e.Err != syscall.EINVAL || a.IsValid() {
			t.Errorf("%s(\"1.2.3.\") = %v, %#v; want the zero Addr and an *Error with einval", tt.op, a, err)
			continue
		}
		if got, want := err.Error(), "socket: "+tt.op+": einval"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}

func TestNtoa(t *testing.T) {
	tests := []struct {
		addr netip.Addr
		want string
	}{
		{netip.Addr{}, ""},
		{tup4(192, 168, 42, 2), "192.168.42.2"},
		{netip.MustParseAddr("fe80::1%eth0"), "fe80::1"}, // the zone is ignored
		{tup6(0xfe80, 5, 0, 0, 0, 0, 0, 1), "fe80::1%05"},
		{tup6(0xff02, 1, 0, 0, 0, 0, 0, 0), "ff02::%01"},
		{tup6(0xfe81, 5, 0, 0, 0, 0, 0, 1), "fe81:5::1"}, // fe80:: only, not fe80::/10
		{tup6(0, 0, 0, 0, 0, 0, 0, 5), "::0.0.0.5"},
		{tup6(0, 0, 0, 0, 0, 0, 1, 0), "::0.1.0.0"},
		{tup6(0, 0, 0, 0, 0, 0xffff, 0, 0), "::ffff:0.0.0.0"},
		{tup6(0, 0, 0, 0, 0, 1, 0, 0), "::1:0:0"},
		{tup6(1, 0, 0, 1, 0, 0, 1, 0), "1::1:0:0:1:0"}, // the first of equal runs
		{tup6(0, 0, 1, 0, 0, 0, 1, 0), "0:0:1::1:0"},   // the longest run
		{tup6(1, 0, 2, 0, 3, 0, 4, 0), "1:0:2:0:3:0:4:0"},
		{tup6(0xABCD, 0, 0, 0, 0, 0, 0, 0xEF), "abcd::ef"},
		{netip.MustParseAddr("::ffff:10.0.0.1"), "::ffff:10.0.0.1"},
	}
	for _, tt := range tests {
		if got := Ntoa(tt.addr); got != tt.want {
			t.Errorf("Ntoa(%s) = %q, want %q", addrTerm(tt.addr), got, tt.want)
		}
	}
}

func TestFamilyString(t *testing.T) {
	for f, want := range map[Family]string{Inet: "inet", Inet6: "inet6", Local: "local", 7: "Family(7)"} {
		if got := f.String(); got != want {
			t.Errorf("Family(%d).String() = %q, want %q", int(f), got, want)
		}
	}
	var zero Family
	if zero != Inet {
		t.Error("the zero Family is not Inet")
	}
}

// FuzzParseAddress checks that parsing never panics, that what parses
// prints back to the same address, and that strict parsers accept a
// subset of what the others do.
func FuzzParseAddress(f *testing.F) {
	for _, c := range append(append(append([]addrCase{}, suiteV4Reversable...), suiteV6Reversable...), suiteV4Sloppy...) {
		f.Add(c.s)
	}
	for _, s := range append(append([]string{"fe80::1%05", "0x0+1", ""}, suiteV4Err...), suiteV6Err...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err == nil {
			if b, err := ParseAddress(Ntoa(a)); err != nil || b != a {
				t.Errorf("ParseAddress(Ntoa(%s) = %q) = %s, %v", addrTerm(a), Ntoa(a), addrTerm(b), err)
			}
		}
		if b, err := ParseStrictAddress(s); err == nil && b != a {
			t.Errorf("ParseStrictAddress(%q) = %s but ParseAddress gives %s", s, addrTerm(b), addrTerm(a))
		}
		if b, err := ParseIPv6StrictAddress(s); err == nil {
			if c, err := ParseIPv6Address(s); err != nil || !(c == b || a.Is4()) {
				t.Errorf("ParseIPv6StrictAddress(%q) = %s, ParseIPv6Address = %s, %v", s, addrTerm(b), addrTerm(c), err)
			}
		}
	})
}

// fakeResolver answers from its maps and records what it is asked. A host
// named "slow" answers only when the context is done.
type fakeResolver struct {
	mu    sync.Mutex
	calls []string
	ips   map[string][]netip.Addr // by "network host"
	cname map[string]string
	ptr   map[string][]string
}

func (r *fakeResolver) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

func dnsNotFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (r *fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.record("LookupNetIP " + network + " " + host)
	if host == "slow" {
		<-ctx.Done()
		return nil, &net.DNSError{Err: ctx.Err().Error(), Name: host, IsTimeout: true}
	}
	if a, ok := r.ips[network+" "+host]; ok {
		return a, nil
	}
	return nil, dnsNotFound(host)
}

func (r *fakeResolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	r.record("LookupCNAME " + host)
	if c, ok := r.cname[host]; ok {
		return c, nil
	}
	return "", dnsNotFound(host)
}

func (r *fakeResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	r.record("LookupAddr " + addr)
	if addr == "192.0.2.250" {
		<-ctx.Done()
		return nil, &net.DNSError{Err: ctx.Err().Error(), Name: addr, IsTimeout: true}
	}
	if n, ok := r.ptr[addr]; ok {
		return n, nil
	}
	return nil, dnsNotFound(addr)
}

// useFakes makes the look-ups ask r and see host as this machine's name
// until the test ends. Tests that call it must not run in parallel.
func useFakes(t *testing.T, r *fakeResolver, host string, hostErr error) {
	t.Helper()
	oldR, oldH := lookupResolver, osHostname
	lookupResolver = r
	osHostname = func() (string, error) { return host, hostErr }
	t.Cleanup(func() { lookupResolver, osHostname = oldR, oldH })
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{
		ips: map[string][]netip.Addr{
			"ip4 www.test":     {netip.MustParseAddr("::ffff:192.0.2.1"), tup4(192, 0, 2, 2)},
			"ip6 www.test":     {netip.MustParseAddr("2001:db8::1"), tup4(192, 0, 2, 9), netip.MustParseAddr("fe80::1%eth0")},
			"ip6 v4only.test":  {tup4(192, 0, 2, 1)},
			"ip4 Web.Test":     {tup4(192, 0, 2, 3)},
			"ip4 nocname.test": {tup4(192, 0, 2, 4)},
		},
		cname: map[string]string{"www.test": "web.test.", "Web.Test": "web.test."},
		ptr: map[string][]string{
			"192.0.2.1":   {"a.test.", "b.test."},
			"2001:db8::1": {"six.test."},
			"fe80::1":     {"link.test."},
		},
	}
}

func TestGetAddrs(t *testing.T) {
	r := newFakeResolver()
	useFakes(t, r, "myhost.example.org", nil)
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	tests := []struct {
		ctx    context.Context
		host   string
		family Family
		want   []netip.Addr
		err    error
		asks   bool // whether the resolver is asked
	}{
		// Literals resolve to themselves, as OTP's string method does.
		{nil, "127.1", Inet, []netip.Addr{tup4(127, 0, 0, 1)}, nil, false},
		{nil, "0x7f.1", Inet, []netip.Addr{tup4(127, 0, 0, 1)}, nil, false},
		{nil, "::ffff:1.2.3.4", Inet6, []netip.Addr{tup6(0, 0, 0, 0, 0, 0xffff, 258, 772)}, nil, false},
		{nil, "fe80::1%eth0", Inet6, []netip.Addr{tup6(0xfe80, 0, 0, 0, 0, 0, 0, 1)}, nil, false},
		// Literals of the other family resolve to nothing.
		{nil, "::1", Inet, nil, ErrNxdomain, false},
		{nil, "::ffff:1.2.3.4", Inet, nil, ErrNxdomain, false},
		{nil, "1.2.3.4", Inet6, nil, ErrNxdomain, false},
		{nil, "1::1%eth0", Inet6, nil, ErrNxdomain, false},
		// Names.
		{nil, "www.test", Inet, []netip.Addr{tup4(192, 0, 2, 1), tup4(192, 0, 2, 2)}, nil, true},
		{nil, "www.test", Inet6, []netip.Addr{netip.MustParseAddr("2001:db8::1"), tup6(0xfe80, 0, 0, 0, 0, 0, 0, 1)}, nil, true},
		{nil, "v4only.test", Inet6, nil, ErrNxdomain, true},
		{nil, "nosuch.test", Inet, nil, ErrNxdomain, true},
		{nil, "127.1", Inet6, nil, ErrNxdomain, true}, // not a literal for inet6: asked
		// This host's name, short or whole, any case.
		{nil, "MyHost", Inet, []netip.Addr{tup4(127, 0, 0, 1)}, nil, true},
		{nil, "myhost.example.org", Inet6, []netip.Addr{netip.IPv6Loopback()}, nil, true},
		{nil, "myhost.example", Inet, nil, ErrNxdomain, true},
		// Bad arguments.
		{nil, "", Inet, nil, syscall.EINVAL, false},
		{nil, "a b", Inet, nil, syscall.EINVAL, false},
		{nil, "tab\t", Inet6, nil, syscall.EINVAL, false},
		{nil, "caf\xc3\xa9", Inet, nil, syscall.EINVAL, false},
		{nil, "www.test", Local, nil, syscall.EINVAL, false},
		{nil, "127.0.0.1", Family(9), nil, syscall.EINVAL, false},
		// Contexts.
		{expired, "slow", Inet, nil, ErrTimeout, true},
		{canceled, "slow", Inet, nil, context.Canceled, true},
		{canceled, "::1", Inet, nil, context.Canceled, false},
		{expired, "127.0.0.1", Inet, []netip.Addr{tup4(127, 0, 0, 1)}, nil, false},
	}
	for _, tt := range tests {
		ctx := tt.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		r.calls = nil
		got, err := GetAddrsContext(ctx, tt.host, tt.family)
		name := fmt.Sprintf("GetAddrs(%q, %v)", tt.host, tt.family)
		if tt.err == nil {
			if err != nil || !addrsEqual(got, tt.want) {
				t.Errorf("%s = %v, %v; want %v", name, got, err, tt.want)
			}
		} else {
			var e *Error
			if !errors.Is(err, tt.err) || !errors.As(err, &e) || e.Op != "getaddrs" || got != nil {
				t.Errorf("%s = %v, %v; want an *Error with %v", name, got, err, tt.err)
			}
		}
		if asked := len(r.calls) > 0; asked != tt.asks {
			t.Errorf("%s asked the resolver %q", name, r.calls)
		}
		// GetAddr is the first of GetAddrs.
		a, err := GetAddrContext(ctx, tt.host, tt.family)
		if tt.err == nil && (err != nil || a != tt.want[0]) || tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("GetAddr(%q, %v) = %v, %v", tt.host, tt.family, a, err)
		}
	}
}

func addrsEqual(a, b []netip.Addr) bool {
	return cmp.Equal(a, b, cmp.Comparer(func(x, y netip.Addr) bool { return x == y }))
}

func TestGetHostByName(t *testing.T) {
	r := newFakeResolver()
	useFakes(t, r, "myhost.example.org", nil)
	tests := []struct {
		name   string
		family Family
		want   *Hostent
		err    error
	}{
		{"127.1", Inet, &Hostent{Name: "127.1", AddrType: Inet, Length: 4, AddrList: []netip.Addr{tup4(127, 0, 0, 1)}}, nil},
		{"::1", Inet6, &Hostent{Name: "::1", AddrType: Inet6, Length: 16, AddrList: []netip.Addr{netip.IPv6Loopback()}}, nil},
		{"www.test", Inet, &Hostent{Name: "web.test", Aliases: []string{"www.test"}, AddrType: Inet, Length: 4,
			AddrList: []netip.Addr{tup4(192, 0, 2, 1), tup4(192, 0, 2, 2)}}, nil},
		{"Web.Test", Inet, &Hostent{Name: "web.test", AddrType: Inet, Length: 4, AddrList: []netip.Addr{tup4(192, 0, 2, 3)}}, nil},
		{"nocname.test", Inet, &Hostent{Name: "nocname.test", AddrType: Inet, Length: 4, AddrList: []netip.Addr{tup4(192, 0, 2, 4)}}, nil},
		{"MYHOST", Inet6, &Hostent{Name: "myhost", AddrType: Inet6, Length: 16, AddrList: []netip.Addr{netip.IPv6Loopback()}}, nil},
		{"a b", Inet, nil, ErrNxdomain}, // OTP checks the characters only in getaddr(s)
		{"nosuch.test", Inet6, nil, ErrNxdomain},
		{"www.test", Local, nil, syscall.EINVAL},
	}
	for _, tt := range tests {
		got, err := GetHostByName(tt.name, tt.family)
		if tt.err != nil {
			var e *Error
			if !errors.Is(err, tt.err) || !errors.As(err, &e) || e.Op != "gethostbyname" {
				t.Errorf("GetHostByName(%q, %v) = %+v, %v; want %v", tt.name, tt.family, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("GetHostByName(%q, %v): %v", tt.name, tt.family, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
			t.Errorf("GetHostByName(%q, %v) (-want +got):\n%s", tt.name, tt.family, diff)
		}
	}
}

func TestGetHostByAddr(t *testing.T) {
	r := newFakeResolver()
	useFakes(t, r, "myhost.example.org", nil)
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	tests := []struct {
		ctx  context.Context
		addr netip.Addr
		want *Hostent
		err  error
	}{
		{nil, tup4(192, 0, 2, 1), &Hostent{Name: "a.test", Aliases: []string{"b.test"}, AddrType: Inet, Length: 4,
			AddrList: []netip.Addr{tup4(192, 0, 2, 1)}}, nil},
		{nil, netip.MustParseAddr("2001:db8::1"), &Hostent{Name: "six.test", AddrType: Inet6, Length: 16,
			AddrList: []netip.Addr{netip.MustParseAddr("2001:db8::1")}}, nil},
		{nil, netip.MustParseAddr("fe80::1%eth0"), &Hostent{Name: "link.test", AddrType: Inet6, Length: 16,
			AddrList: []netip.Addr{tup6(0xfe80, 0, 0, 0, 0, 0, 0, 1)}}, nil},
		{nil, tup4(127, 0, 0, 1), &Hostent{Name: "myhost", AddrType: Inet, Length: 4, AddrList: []netip.Addr{tup4(127, 0, 0, 1)}}, nil},
		{nil, netip.IPv6Loopback(), &Hostent{Name: "myhost", AddrType: Inet6, Length: 16, AddrList: []netip.Addr{netip.IPv6Loopback()}}, nil},
		{nil, tup4(192, 0, 2, 99), nil, ErrNxdomain},
		{nil, netip.MustParseAddr("::ffff:127.0.0.1"), nil, ErrNxdomain}, // not {0,0,0,0,0,0,0,1}
		{nil, netip.Addr{}, nil, syscall.EINVAL},
		{expired, tup4(192, 0, 2, 250), nil, ErrTimeout},
	}
	for _, tt := range tests {
		ctx := tt.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		got, err := GetHostByAddrContext(ctx, tt.addr)
		if tt.err != nil {
			var e *Error
			if !errors.Is(err, tt.err) || !errors.As(err, &e) || e.Op != "gethostbyaddr" {
				t.Errorf("GetHostByAddr(%v) = %+v, %v; want %v", tt.addr, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("GetHostByAddr(%v): %v", tt.addr, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
			t.Errorf("GetHostByAddr(%v) (-want +got):\n%s", tt.addr, diff)
		}
	}
}

func TestGetHostname(t *testing.T) {
	useFakes(t, newFakeResolver(), "myhost.example.org", nil)
	if got, err := GetHostname(); got != "myhost" || err != nil {
		t.Errorf("GetHostname() = %q, %v; want \"myhost\"", got, err)
	}
	useFakes(t, newFakeResolver(), "", &os.SyscallError{Syscall: "uname", Err: syscall.EPERM})
	got, err := GetHostname()
	if got != "nohost.nodomain" || !errors.Is(err, syscall.EPERM) || Reason(err) != "eperm" {
		t.Errorf("GetHostname() = %q, %v; want \"nohost.nodomain\" and eperm", got, err)
	}
	// Without a host name nothing resolves to the loopback address.
	if _, err := GetAddr("nohost.nodomain", Inet); !errors.Is(err, ErrNxdomain) {
		t.Errorf("GetAddr(\"nohost.nodomain\") = %v, want nxdomain", err)
	}
}

// TestGetAddrsResolver asks Go's real resolver for localhost, which every
// hosts file names.
func TestGetAddrsResolver(t *testing.T) {
	addrs, err := GetAddrs("localhost", Inet)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if !a.Is4() || !a.IsLoopback() {
			t.Errorf("GetAddrs(\"localhost\", inet) = %v, want IPv4 loopback addresses", addrs)
		}
	}
}
