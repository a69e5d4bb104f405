package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// v2 builds a version 2 header: the signature, then the bytes given.
func v2(rest ...byte) []byte { return append(append([]byte{}, sigV2...), rest...) }

var (
	ap    = netip.MustParseAddrPort
	get11 = []byte("GET / HTTP/1.1\r\n")
)

// parseTests are Ranch's parse_v1_test and parse_v2_test cases (theirs
// from the specification and tomciopp/proxy_protocol), and more.
var parseTests = []struct {
	name string
	in   []byte
	want *Header // nil: an error
	rest string  // the bytes after the header
}{
	{"v1 TCP4 max", []byte("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
		&Header{Version: 1, Family: INET, Transport: Stream, Source: ap("255.255.255.255:65535"), Destination: ap("255.255.255.255:65535")}, ""},
	{"v1 TCP6 max", []byte("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
		&Header{Version: 1, Family: INET6, Transport: Stream, Source: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), Destination: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")}, ""},
	{"v1 UNKNOWN", []byte("PROXY UNKNOWN\r\n"), &Header{Version: 1}, ""},
	{"v1 UNKNOWN with addresses", []byte("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"), &Header{Version: 1}, ""},
	{"v1 TCP4 then data", []byte("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n"),
		&Header{Version: 1, Family: INET, Transport: Stream, Source: ap("192.168.0.1:56324"), Destination: ap("192.168.0.11:443")}, "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n"},
	{"v1 TCP4 then partial", []byte("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r"),
		&Header{Version: 1, Family: INET, Transport: Stream, Source: ap("192.168.0.1:56324"), Destination: ap("192.168.0.11:443")}, "GET / HTTP/1.1\r"},
	{"v1 bad IPv4", []byte("PROXY TCP4 192.1638.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r"), nil, ""},
	{"v1 bad port", []byte("PROXY TCP4 192.168.0.1 192.168.0.11 1111111 443\r\nGET / HTTP/1.1\r"), nil, ""},
	{"v1 TCP6", []byte("PROXY TCP6 2001:0db8:0000:0042:0000:8a2e:0370:7334 2001:0db8:0000:0042:0000:8a2e:0370:7335 4124 443\r\nGET / HTTP/1.1\r"),
		&Header{Version: 1, Family: INET6, Transport: Stream, Source: ap("[2001:db8:0:42:0:8a2e:370:7334]:4124"), Destination: ap("[2001:db8:0:42:0:8a2e:370:7335]:443")}, "GET / HTTP/1.1\r"},
	{"v1 bad IPv6", []byte("PROXY TCP6 2001:0db8:0000:0042:0000:8a2e:0370:7334 2001:0db8:00;0:0042:0000:8a2e:0370:7335 4124 443\r\nGET / HTTP/1.1\r"), nil, ""},
	{"v1 port not a number", []byte("PROXY TCP6 2001:0db8:0000:0042:0000:8a2e:0370:7334 2001:0db8:0000:0042:0000:8a2e:0370:7335 4124 foo\r\nGET / HTTP/1.1\r"), nil, ""},
	{"v1 UNKNOWN with ports", []byte("PROXY UNKNOWN 4124 443\r\nGET / HTTP/1.1\r"), &Header{Version: 1}, "GET / HTTP/1.1\r"},
	{"v1 UNKNOWN then data", []byte("PROXY UNKNOWN\r\nGET / HTTP/1.1\r"), &Header{Version: 1}, "GET / HTTP/1.1\r"},
	{"v1 IPv6 in TCP4", []byte("PROXY TCP4 ::1 ::1 1 2\r\n"), nil, ""},
	{"v1 IPv4 in TCP6", []byte("PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n"), nil, ""},
	{"v1 zone", []byte("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), nil, ""},
	{"v1 leading zero octet", []byte("PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n"), nil, ""},
	{"v1 a field missing", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"), nil, ""},
	{"v1 a field too many", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"), nil, ""},
	{"v1 two spaces", []byte("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n"), nil, ""},
	{"v1 signed port", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 +1 2\r\n"), nil, ""},
	{"v1 port 65536", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n"), nil, ""},
	{"v1 port leading zero", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 0080 2\r\n"), nil, ""},
	{"v1 port 00", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 1 00\r\n"), nil, ""},
	{"v1 port 0", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 0 80\r\n"),
		&Header{Version: 1, Family: INET, Transport: Stream, Source: ap("1.2.3.4:0"), Destination: ap("1.2.3.4:80")}, ""},
	{"v1 TCP6 IPv4-mapped, hex", []byte("PROXY TCP6 ::ffff:102:304 ::1 1 2\r\n"),
		&Header{Version: 1, Family: INET6, Transport: Stream, Source: ap("[::ffff:1.2.3.4]:1"), Destination: ap("[::1]:2")}, ""},
	{"v1 TCP6 IPv4-mapped, dotted as HAProxy writes it", []byte("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"),
		&Header{Version: 1, Family: INET6, Transport: Stream, Source: ap("[::ffff:1.2.3.4]:1"), Destination: ap("[::1]:2")}, ""},
	{"v1 bare LF", []byte("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"), nil, ""},
	{"v1 UDP4", []byte("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"), nil, ""},
	{"v1 too long", []byte("PROXY UNKNOWN " + strings.Repeat("x", 100) + "\r\n"), nil, ""},
	{"not a header", []byte("GET / HTTP/1.1\r\n"), nil, ""},
	{"not PROXY", []byte("PROXZ TCP4"), nil, ""},
	{"v2 TCP4", append(v2(0x21, 0x11, 0, 12, 127, 0, 0, 1, 192, 168, 0, 1, 1, 188, 1, 187), get11...),
		&Header{Version: 2, Family: INET, Transport: Stream, Source: ap("127.0.0.1:444"), Destination: ap("192.168.0.1:443")}, string(get11)},
	{"v2 UDP4", append(v2(0x21, 0x12, 0, 12, 127, 0, 0, 1, 192, 168, 0, 1, 1, 188, 1, 187), get11...),
		&Header{Version: 2, Family: INET, Transport: Dgram, Source: ap("127.0.0.1:444"), Destination: ap("192.168.0.1:443")}, string(get11)},
	{"v2 TCP6", v2(append([]byte{0x21, 0x21, 0, 36,
		21, 156, 16, 144, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		32, 1, 13, 184, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 188, 1, 187}, get11...)...),
		&Header{Version: 2, Family: INET6, Transport: Stream, Source: ap("[159c:1090:1::]:444"), Destination: ap("[2001:db8:1::]:443")}, string(get11)},
	{"v2 UNIX stream", v2(append(append([]byte{0x21, 0x31, 0, 216}, unixAddrs("/var/pgsql_sock")...), get11...)...),
		&Header{Version: 2, Family: UNIX, Transport: Stream, SourcePath: "/var/pgsql_sock", DestinationPath: "/var/pgsql_sock"}, string(get11)},
	{"v2 UNIX dgram", v2(append(append([]byte{0x21, 0x32, 0, 216}, unixAddrs("/var/pgsql_sock")...), get11...)...),
		&Header{Version: 2, Family: UNIX, Transport: Dgram, SourcePath: "/var/pgsql_sock", DestinationPath: "/var/pgsql_sock"}, string(get11)},
	{"v2 UNIX empty path", v2(append([]byte{0x21, 0x31, 0, 216}, make([]byte, 216)...)...), nil, ""},
	{"v2 LOCAL", v2(0x20, 0, 0, 0, 'x'), &Header{Version: 2, Command: Local}, "x"},
	{"v2 LOCAL with addresses skipped", v2(0x20, 0x11, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2), &Header{Version: 2, Command: Local}, ""},
	{"v2 LOCAL of family 4", v2(0x20, 0x41, 0, 0), &Header{Version: 2, Command: Local}, ""},
	{"v2 LOCAL of family and transport 15", v2(0x20, 0xff, 0, 1, 'z', 'x'), &Header{Version: 2, Command: Local}, "x"},
	{"v2 UNSPEC skipped", v2(0x21, 0x00, 0, 3, 1, 2, 3, 'y'), &Header{Version: 2}, "y"},
	{"v2 INET with UNSPEC transport", v2(0x21, 0x10, 0, 0), &Header{Version: 2}, ""},
	{"v2 version 1", v2(0x11, 0x11, 0, 0), nil, ""},
	{"v2 command 2", v2(0x22, 0x11, 0, 0), nil, ""},
	{"v2 family 4", v2(0x21, 0x41, 0, 0), nil, ""},
	{"v2 transport 3", v2(0x21, 0x13, 0, 0), nil, ""},
	{"v2 TCP4 short", v2(0x21, 0x11, 0, 11, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0), nil, ""},
	{"v2 TLV cut", v2(0x21, 0x11, 0, 14, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0xe0, 0), nil, ""},
	{"v2 TLV too long", v2(0x21, 0x11, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0xe0, 0, 2, 'a'), nil, ""},
	{"v2 unique id of 129", v2(append([]byte{0x21, 0x10 | 1, 0, 12 + 3 + 129, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, TypeUniqueID, 0, 129}, make([]byte, 129)...)...), nil, ""},
	{"v2 SSL too short", v2(0x21, 0x11, 0, 12+3+4, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, TypeSSL, 0, 4, 1, 0, 0, 0), nil, ""},
	{"v2 bad CRC32C", v2(0x21, 0x11, 0, 19, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, TypeCRC32C, 0, 4, 1, 2, 3, 4), nil, ""},
	{"v2 CRC32C of 3 bytes", v2(0x21, 0x11, 0, 18, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, TypeCRC32C, 0, 3, 1, 2, 3), nil, ""},
}

// unixAddrs is two copies of path, each NUL-padded to 108 bytes.
func unixAddrs(path string) []byte {
	b := make([]byte, 216)
	copy(b, path)
	copy(b[108:], path)
	return b
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := Parse(tt.in)
			if tt.want == nil {
				var he *HeaderError
				if !errors.As(err, &he) || h != nil || n != 0 {
					t.Fatalf("Parse = %v, %d, %v; want a *HeaderError", h, n, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Errorf("Parse = %+v\nwant    %+v", h, tt.want)
			}
			if rest := string(tt.in[n:]); rest != tt.rest {
				t.Errorf("rest = %q, want %q", rest, tt.rest)
			}
		})
	}
}

// TestParseIncomplete: each proper prefix of a header is incomplete,
// never an error and never a header; each prefix of something that is
// not a header fails as soon as it differs.
func TestParseIncomplete(t *testing.T) {
	for _, tt := range parseTests {
		if tt.want == nil {
			continue
		}
		_, n, _ := Parse(tt.in)
		for i := range n {
			if h, _, err := Parse(tt.in[:i]); err != ErrIncomplete {
				t.Fatalf("%s: Parse(%q) = %v, %v; want ErrIncomplete", tt.name, tt.in[:i], h, err)
			}
		}
	}
	for _, in := range []string{"G", "PROXZ", "\r\n\r\n\x00\r\nQUIx", "\r\r"} {
		if _, _, err := Parse([]byte(in)); err == ErrIncomplete || err == nil {
			t.Errorf("Parse(%q) = %v, want a *HeaderError", in, err)
		}
	}
	// A version 1 line with no end fails at 107 bytes, not later.
	long := []byte("PROXY TCP4 " + strings.Repeat("1", MaxV1))
	if _, _, err := Parse(long[:MaxV1-1]); err != ErrIncomplete {
		t.Errorf("106 bytes: %v, want ErrIncomplete", err)
	}
	if _, _, err := Parse(long[:MaxV1]); err == ErrIncomplete || err == nil {
		t.Errorf("107 bytes without CRLF: %v, want a *HeaderError", err)
	}
}

// TestParseAWS is Ranch's parse_v2_regression_test: a real header from
// AWS, with a CRC32C that must check, a vendor TLV (0xea) and a NOOP.
func TestParseAWS(t *testing.T) {
	in := []byte{
		13, 10, 13, 10, 0, 13, 10, 81, 85, 73, 84, 10, 33, 17, 0, 84,
		172, 31, 7, 113, 172, 31, 10, 31, 200, 242, 0, 80, 3, 0, 4,
		232, 214, 137, 45, 234, 0, 23, 1, 118, 112, 99, 101, 45, 48,
		56, 100, 50, 98, 102, 49, 53, 102, 97, 99, 53, 48, 48, 49, 99,
		57, 4, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	h, n, err := Parse(in)
	if err != nil || n != len(in) {
		t.Fatalf("Parse = %v, %d, %v", h, n, err)
	}
	if h.Source != ap("172.31.7.113:51442") || h.Destination != ap("172.31.10.31:80") {
		t.Errorf("addresses %v %v", h.Source, h.Destination)
	}
	if v, ok := h.TLV(0xea); !ok || string(v) != "\x01vpce-08d2bf15fac5001c9" {
		t.Errorf("TLV 0xea = %q, %v", v, ok)
	}
	if types := tlvTypes(h); !bytes.Equal(types, []byte{TypeCRC32C, 0xea, TypeNoop}) {
		t.Errorf("TLV types %x", types)
	}
	in[20]++ // the checksum no longer holds
	if _, _, err := Parse(in); err == nil || !strings.Contains(err.Error(), "CRC32C") {
		t.Errorf("a changed header: %v, want the CRC32C error", err)
	}
}

func tlvTypes(h *Header) []byte {
	var b []byte
	for _, t := range h.TLVs {
		b = append(b, t.Type)
	}
	return b
}

var common = Header{Version: 2, Family: INET, Transport: Stream, Source: ap("127.0.0.1:1234"), Destination: ap("10.11.12.13:23456")}

func with(tlvs ...TLV) *Header {
	h := common
	h.TLVs = tlvs
	return &h
}

// TestRoundTrip is Ranch's v1_test, v2_test, v2_tlvs_test and
// v2_checksum_test: what Append writes, Parse reads back the same.
func TestRoundTrip(t *testing.T) {
	v1 := func(h Header) *Header { h.Version = 1; return &h }
	ssl := []byte{ClientSSL | ClientCertConn | ClientCertSess, 0, 0, 0, 0}
	for _, sub := range []struct {
		t byte
		v string
	}{{SubtypeSSLVersion, "TLSv1.3"}, {SubtypeSSLCN, "example.com"}, {SubtypeSSLCipher, "ECDHE-RSA-AES128-GCM-SHA256"}, {SubtypeSSLSigAlg, "SHA256"}, {SubtypeSSLKeyAlg, "RSA2048"}} {
		ssl = append(append(ssl, sub.t, 0, byte(len(sub.v))), sub.v...)
	}
	six := Header{Version: 2, Family: INET6, Transport: Stream, Source: ap("[1:2:3:4:5:6:7:8]:1234"), Destination: ap("[ffff:d903:8ae:14d:1:270f:309:8]:23456")}
	for _, h := range []*Header{
		{Version: 1},
		v1(common),
		v1(six),
		{Version: 2, Command: Local},
		{Version: 2},
		&common,
		&six,
		{Version: 2, Family: UNIX, Transport: Dgram, SourcePath: "/run/source.sock", DestinationPath: "/run/destination.sock"},
		with(TLV{TypeALPN, []byte("h2")}),
		with(TLV{TypeAuthority, []byte("internal.example.org")}),
		with(TLV{TypeNetNS, []byte("/var/run/netns/example")}),
		with(TLV{TypeSSL, ssl}),
		with(TLV{0xea, []byte("\x01instance-id")}, TLV{0xff, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 0}}),
		with(TLV{TypeUniqueID, bytes.Repeat([]byte{7}, 128)}),
		with(TLV{TypeCRC32C, []byte{0, 0, 0, 0}}, TLV{TypeNoop, make([]byte, 120)}),
	} {
		b, err := h.Append([]byte("x"))
		if err != nil {
			t.Fatalf("%v: Append: %v", h, err)
		}
		got, n, err := Parse(append(b[1:], "rest"...))
		if err != nil || n != len(b)-1 {
			t.Fatalf("%v: Parse(%q) = %v, %d, %v", h, b, got, n, err)
		}
		if h.Version == 2 && h.TLVs != nil && got.TLVs[0].Type == TypeCRC32C {
			got.TLVs[0].Value = []byte{0, 0, 0, 0} // written with the checksum
		}
		if !reflect.DeepEqual(got, h) {
			t.Errorf("read back %+v\nwant      %+v", got, h)
		}
	}
	s := with(TLV{TypeSSL, ssl}, TLV{TypeALPN, []byte("h2")}, TLV{TypeAuthority, []byte("a.example")}, TLV{TypeUniqueID, []byte{1}}, TLV{TypeNetNS, []byte("ns")})
	want := &SSL{Client: 7, Verified: true, Version: "TLSv1.3", CN: "example.com", Cipher: "ECDHE-RSA-AES128-GCM-SHA256", SigAlg: "SHA256", KeyAlg: "RSA2048"}
	got := s.SSL()
	got.TLVs = nil
	if !reflect.DeepEqual(got, want) || s.ALPN() != "h2" || s.Authority() != "a.example" || !bytes.Equal(s.UniqueID(), []byte{1}) || s.NetNS() != "ns" {
		t.Errorf("SSL = %+v, ALPN %q, Authority %q, UniqueID %v, NetNS %q", got, s.ALPN(), s.Authority(), s.UniqueID(), s.NetNS())
	}
	if common.SSL() != nil || common.ALPN() != "" {
		t.Error("a header without TLVs has an SSL or an ALPN")
	}
}

func TestAppendErrors(t *testing.T) {
	for _, h := range []*Header{
		{Version: 3},
		{Version: 1, Command: Local},
		{Version: 1, Family: UNIX, SourcePath: "/a", DestinationPath: "/b"},
		{Version: 1, Family: INET, Source: ap("[::1]:1"), Destination: ap("1.2.3.4:2")},
		{Version: 1, Family: INET, Transport: Dgram, Source: ap("1.2.3.4:1"), Destination: ap("1.2.3.4:2")},
		{Version: 2, Family: INET6, Transport: Stream, Source: ap("1.2.3.4:1"), Destination: ap("1.2.3.4:2")},
		{Version: 2, Family: UNIX, Transport: Stream, SourcePath: strings.Repeat("a", 108), DestinationPath: "/b"},
		{Version: 2, Family: 9},
		with(TLV{1, make([]byte, 65536)}),
		with(TLV{1, make([]byte, 40000)}, TLV{2, make([]byte, 40000)}),
	} {
		b, err := h.Append([]byte("x"))
		var he *HeaderError
		if !errors.As(err, &he) || string(b) != "x" {
			t.Errorf("%+v: Append = %q, %v; want a *HeaderError and b unchanged", h, b, err)
		}
	}
}

func TestString(t *testing.T) {
	for h, want := range map[*Header]string{
		{Version: 1}:                 "PROXY UNKNOWN",
		{Version: 2, Command: Local}: "LOCAL",
		&common:                      "PROXY TCP4 127.0.0.1 10.11.12.13 1234 23456",
		{Version: 2, Family: UNIX, Transport: Stream, SourcePath: "/a", DestinationPath: "/b"}:                    "PROXY UNIX /a /b",
		{Version: 2, Family: INET6, Transport: Stream, Source: ap("[::1]:1"), Destination: ap("[2001:db8::2]:2")}: "PROXY TCP6 ::1 2001:db8::2 1 2",
		{Version: 2, Family: INET, Transport: Dgram, Source: ap("1.2.3.4:53"), Destination: ap("5.6.7.8:5353")}:   "PROXY UDP4 1.2.3.4 5.6.7.8 53 5353",
		{Version: 1, Family: INET6, Transport: Dgram, Source: ap("[::1]:1"), Destination: ap("[::2]:2")}:          "PROXY UDP6 ::1 ::2 1 2",
		// What Append refuses to write.
		{Version: 1, Family: INET, Source: ap("[::1]:1"), Destination: ap("1.2.3.4:2")}: "PROXY <invalid: proxyproto: The addresses are not of the header's family.>",
		{Version: 2, Family: INET6, Transport: Stream}:                                  "PROXY <invalid: proxyproto: The addresses are not of the header's family.>",
		{Version: 2, Command: 7, Family: INET}:                                          "PROXY <invalid: proxyproto: Bad command.>",
		{Version: 2, Family: 9}:                                                         "PROXY <invalid: proxyproto: Bad family.>",
	} {
		if got := h.String(); got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
}

// FuzzParse: Parse never panics, takes no more than it is given, and a
// header it reads is written back by Append to bytes it reads the same.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		h, n, err := Parse(in)
		if err != nil {
			if h != nil || n != 0 {
				t.Fatalf("an error with a header: %v %d %v", h, n, err)
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("n = %d of %d", n, len(in))
		}
		if h.Command == Local || h.Version == 1 {
			return // what LOCAL and UNKNOWN skip is not written back
		}
		if h.Family == Unspec {
			return
		}
		b, err := h.Append(nil)
		if err != nil {
			t.Fatalf("Append(%+v): %v", h, err)
		}
		h2, n2, err := Parse(b)
		if err != nil || n2 != len(b) || !reflect.DeepEqual(h, h2) {
			t.Fatalf("read back %+v, %v; want %+v", h2, err, h)
		}
	})
}

// TestParseManyEmptyTLVs: the longest header, all of it empty TLVs
// (21841 of them), costs Parse two allocations, the Header and a TLV
// slice of their exact number, not a slice grown by append to megabytes.
func TestParseManyEmptyTLVs(t *testing.T) {
	const n = (65535 - 12) / 3
	b := v2(0x21, 0x11, 0xff, 0xff, 127, 0, 0, 1, 10, 11, 12, 13, 0x04, 0xd2, 0x5b, 0xa0)
	b = append(b, bytes.Repeat([]byte{TypeNoop, 0, 0}, n)...)
	if len(b) != MaxV2 {
		t.Fatalf("header of %d bytes, want %d", len(b), MaxV2)
	}
	var h *Header
	allocs := testing.AllocsPerRun(5, func() {
		var err error
		if h, _, err = Parse(b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 2 {
		t.Errorf("Parse made %v allocations, want 2", allocs)
	}
	if len(h.TLVs) != n || cap(h.TLVs) != n {
		t.Errorf("TLVs len %d cap %d, want %d", len(h.TLVs), cap(h.TLVs), n)
	}
}
