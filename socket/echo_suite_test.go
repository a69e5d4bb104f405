package socket

// Port of OTP's lib/kernel/test/gen_tcp_echo_SUITE.erl: its nine cases,
// one Go test each, named after it. Each case connects an otpnet socket
// to an Erlang echo server (testdata/echo_suite.escript: the suite's
// echo_server and slow_echo_server) once per packet type, sends packets
// of many sizes, and checks that each comes back as one packet, or as
// emsgsize where packet_size forbids it; then it does it all again with
// {delay_send, true}, as echo_test/3 does.
//
// The packet types are the suite's (1, 2, 4, sunrm, cdr big and little
// endian, line, http, http_bin, tpkt, and asn1 with short and long tags
// and lengths) and the others otpnet supports: raw, fcgi, httph and
// httph_bin. Without packet_size, the line and http types run too, as in
// the suite; with it, raw runs too and must come through whole, since raw
// ignores packet_size. The HTTP messages are otpnet's own, with what the
// suite's have: request lines with each kind of URI, a status line, known
// and unknown header fields, a folded field and a line that is no header.
// The packets' expected echo is computed as the suite computes it: the
// packet itself, with the header stripped for 1, 2 and 4 (and, for fcgi,
// the padding), and for the http types the decode_packet results of its
// lines (package framing, held to a real Erlang by its own tests).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/unix"
)

// active_echo: every packet type through the echo server and back, the
// socket in {active, true}.
func TestActiveEcho(t *testing.T) {
	echoTest(t, nil, echoActive, false, 0)
}

// passive_echo: the same, the socket passive, with recv.
func TestPassiveEcho(t *testing.T) {
	echoTest(t, []Option{Active(False)}, echoPassive, false, 0)
}

// active_once_echo: the same in {active, once}, set again after each
// packet.
func TestActiveOnceEcho(t *testing.T) {
	echoTest(t, []Option{Active(Once)}, echoOnce, false, 0)
}

// slow_active_echo: active, from an echo server that sends a byte at a
// time, 1 ms apart; packets of at most 7 bytes (and the HTTP messages).
func TestSlowActiveEcho(t *testing.T) {
	echoTest(t, nil, echoActive, true, 0)
}

// slow_passive_echo: the same, passive.
func TestSlowPassiveEcho(t *testing.T) {
	echoTest(t, []Option{Active(False)}, echoPassive, true, 0)
}

// limit_active_echo: active with {packet_size, 10}: packets of 9 and 10
// bytes come back, one of 11 is emsgsize.
func TestLimitActiveEcho(t *testing.T) {
	echoTest(t, []Option{PacketSize(10)}, echoActive, false, 10)
}

// limit_passive_echo: the same, passive.
func TestLimitPassiveEcho(t *testing.T) {
	echoTest(t, []Option{PacketSize(10), Active(False)}, echoPassive, false, 10)
}

// large_limit_active_echo: as the suite has it, the socket's packet_size is
// 10 here too; the large limit, 2^32-1, is only the test's, and it tests
// sizes up to 10 for any limit of 10 or more. So this is limit_active_echo
// again.
func TestLargeLimitActiveEcho(t *testing.T) {
	echoTest(t, []Option{PacketSize(10)}, echoActive, false, 1<<32-1)
}

// large_limit_passive_echo: limit_passive_echo again, as above.
func TestLargeLimitPassiveEcho(t *testing.T) {
	echoTest(t, []Option{PacketSize(10), Active(False)}, echoPassive, false, 1<<32-1)
}

// echoMode is how the test reads the echo: echo_suite's active_echo/4,
// passive_echo/4 or active_once_echo/4.
type echoMode int

const (
	echoActive echoMode = iota
	echoPassive
	echoOnce
)

// echoTest is the suite's echo_test/3: echoTest1 with sockOpts, and with
// {delay_send, true} too. limit is the suite's packet_size, for the sizes
// it tests; sockOpts holds the socket's.
//
// The suite runs one after the other what this runs side by side: the two
// echoTest1s, and in each the packet types, each with an echo server
// process and a socket of its own. The slow echo spends seconds in its
// 1 ms sleeps, and subtests run as goroutines, not as parallel tests,
// hold none of go test's -parallel slots meanwhile.
func echoTest(t *testing.T, sockOpts []Option, mode echoMode, slow bool, limit int) {
	t.Parallel()
	concurrently(t, []string{"delay_send=false", "delay_send=true"}, func(t *testing.T, i int) {
		opts := sockOpts
		if i == 1 {
			opts = append([]Option{DelaySend(true)}, sockOpts...)
		}
		echoTest1(t, opts, mode, slow, min(limit, 10))
	})
}

// concurrently runs f as a subtest of t for each name, all at once, and
// returns when they have all returned.
func concurrently(t *testing.T, names []string, f func(t *testing.T, i int)) {
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(name, func(t *testing.T) { f(t, i) })
		}()
	}
	wg.Wait()
}

// echoTest1 is the suite's echo_test_1/3: an echo server, and a connection
// to it per packet type.
func echoTest1(t *testing.T, sockOpts []Option, mode echoMode, slow bool, limit int) {
	server := "echo"
	if slow {
		server = "slow"
	}
	types := echoTypes(limit > 0)
	next := erltest.Lines(t, "testdata/echo_suite.escript", server, strconv.Itoa(len(types)))
	port, err := strconv.Atoi(next())
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(types))
	for i, typ := range types {
		names[i] = typ.name
	}
	concurrently(t, names, func(t *testing.T, i int) {
		typ := types[i]
		p := newProc(t)
		r := rand.New(rand.NewPCG(uint64(i), uint64(mode)))
		s := connect(t, p, "localhost", port, append([]Option{Packet(typ.packet)}, sockOpts...)...)
		defer s.Close()
		if typ.http {
			echoHTTP(t, p, s, mode, typ)
			return
		}
		for _, size := range echoSizes(slow, limit) {
			if !echoPacket1(t, p, s, mode, typ, size, r) {
				break // emsgsize closed the socket
			}
		}
	})
}

// echoSize is a size of echo_packet0: n bytes of payload (-1: the suite's
// infinite, an ASN.1 indefinite length), against a packet_size of max
// when max > 0 (the suite's {N, Max}).
type echoSize struct{ n, max int }

// echoSizes are echo_packet0's sizes: small ones; then around the limit,
// or larger ones unless the echo is slow.
func echoSizes(slow bool, limit int) []echoSize {
	var sizes []echoSize
	for _, n := range []int{0, 1, 2, 3, 4, 7} {
		sizes = append(sizes, echoSize{n: n})
	}
	switch {
	case limit > 0:
		sizes = append(sizes, echoSize{limit - 1, limit}, echoSize{limit, limit}, echoSize{limit + 1, limit})
	case !slow:
		for _, n := range []int{10, 13, 126, 127, 128, 255, 256, 1023, 3747, 32767, 32768, 65531, 65535, 65536, 70000, -1} {
			sizes = append(sizes, echoSize{n: n})
		}
	}
	return sizes
}

// echoPacket1 is the suite's echo_packet1/4: a packet of size through the
// echo, which must come back unless it is longer than the packet_size,
// when it must be emsgsize. It reports whether the socket is still open.
func echoPacket1(t *testing.T, p proc, s *Socket, mode echoMode, typ echoType, size echoSize, r *rand.Rand) bool {
	t.Helper()
	pkt, want := typ.build(size.n, r)
	if pkt == nil {
		return true // the suite's packet(Size, Type) = false
	}
	if err := s.Send(pkt); err != nil {
		t.Fatalf("send %v: %v", size, err)
	}
	err := echoRecv(t, p, s, mode, typ, []echoed{{data: want}})
	tooLong := size.max > 0 && typ.bounded(size.n, pkt) > size.max
	switch {
	case err == nil && tooLong:
		t.Fatalf("packet_through %v: a packet longer than packet_size came through", size)
	case errors.Is(err, unix.EMSGSIZE) && !tooLong:
		t.Fatalf("packet_blocked %v", size)
	case err != nil && !errors.Is(err, unix.EMSGSIZE):
		t.Fatalf("size %v: %v", size, err)
	}
	return err == nil
}

// echoHTTP is the suite's echo_packet_http/3: each HTTP message through
// the echo, coming back as the packets of its lines.
func echoHTTP(t *testing.T, p proc, s *Socket, mode echoMode, typ echoType) {
	t.Helper()
	for _, msg := range httpMessages(typ.packet) {
		if err := s.Send(msg); err != nil {
			t.Fatal(err)
		}
		if err := echoRecv(t, p, s, mode, typ, httpReply(t, typ.packet, msg)); err != nil {
			t.Fatalf("%q: %v", msg, err)
		}
	}
}

// echoed is a packet the echo should bring back: data, or for the http
// types a decoded HTTP packet.
type echoed struct {
	data []byte
	http framing.HTTPPacket
}

// echoRecv receives the packets of wants, as the suite's active_recv,
// passive_recv and active_once_recv do: a packet that differs fails the
// test, an error (tcp_error, or recv's) is returned. A raw packet may come
// back in pieces: they are put together.
func echoRecv(t *testing.T, p proc, s *Socket, mode echoMode, typ echoType, wants []echoed) error {
	t.Helper()
	const bound = 10 * time.Second // the slow echo's HTTP messages take half a second
	for _, want := range wants {
		var got echoed
		for {
			var piece echoed
			var err error
			switch {
			case mode == echoPassive && typ.http:
				piece.http, err = s.RecvHTTP(bound)
			case mode == echoPassive:
				n := 0 // a packet
				if typ.packet == framing.Raw {
					n = len(want.data) - len(got.data)
				}
				piece.data, err = s.Recv(n, bound)
			default:
				var m any
				m, err = p.Receive(s.Match, bound)
				switch m := m.(type) {
				case *TCP:
					piece.data = m.Data
				case *HTTP:
					piece.http = m.Packet
				case *TCPError:
					err = m.Reason
				default:
					t.Fatalf("unexpected_message %#v (%v), want %q", m, err, want.data)
				}
				if mode == echoOnce && err == nil {
					if err := s.SetOpts(Active(Once)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err != nil {
				return err
			}
			got.data, got.http = append(got.data, piece.data...), piece.http
			if typ.packet != framing.Raw || len(got.data) >= len(want.data) {
				break
			}
		}
		if !bytes.Equal(got.data, want.data) || !reflect.DeepEqual(got.http, want.http) {
			t.Fatalf("wrong_data %q %#v, want %q %#v", got.data, got.http, want.data, want.http)
		}
	}
	return nil
}

// echoType is a packet type as echo_test_1 runs it: the socket's packet
// option, and for a payload size the packet to send and the packet to
// get back; a nil packet when the type has none of that size (the
// suite's packet/2 = false).
type echoType struct {
	name   string
	packet framing.Type
	build  func(n int, r *rand.Rand) (pkt, want []byte)
	http   bool
}

// bounded is how long packet_size finds pkt, with n bytes of payload, as
// OTP 25 has it (testdata/otp_suites.escript, echo_limits): the payload
// for the suite's types; 0 for raw, which ignores packet_size; for fcgi
// the record's content and padding, not its header.
func (typ echoType) bounded(n int, pkt []byte) int {
	switch typ.packet {
	case framing.Raw:
		return 0
	case framing.FCGI:
		return int(binary.BigEndian.Uint16(pkt[4:6])) + int(pkt[6])
	}
	return n
}

// echoTypes are the packet types in echo_test_1's order, then otpnet's
// others; with a packet_size limit, without line and the http types.
func echoTypes(limited bool) []echoType {
	same := func(f func(n int, r *rand.Rand) []byte) func(int, *rand.Rand) (pkt, want []byte) {
		return func(n int, r *rand.Rand) ([]byte, []byte) {
			pkt := f(n, r)
			return pkt, pkt
		}
	}
	short, long := []byte{0xe0}, []byte{0x1f, 0x83, 0x27}
	types := []echoType{
		{"1", framing.One, same(bodyUpTo(255)), false},
		{"2", framing.Two, same(bodyUpTo(65535)), false},
		{"4", framing.Four, same(bodyUpTo(1 << 31)), false},
		{"sunrm", framing.SunRM, same(sunrmPacket), false},
		{"cdr_big", framing.CDR, same(cdrPacket(binary.BigEndian)), false},
		{"cdr_little", framing.CDR, same(cdrPacket(binary.LittleEndian)), false},
	}
	if !limited {
		types = append(types,
			echoType{"line", framing.Line, same(linePacket), false},
			echoType{"http", framing.HTTP, nil, true},
			echoType{"http_bin", framing.HTTPBin, nil, true})
	}
	types = append(types,
		echoType{"tpkt", framing.TPKT, same(tpktPacket), false},
		echoType{"asn1_short_short_tag", framing.ASN1, same(asn1Packet(false, short)), false},
		echoType{"asn1_long_short_tag", framing.ASN1, same(asn1Packet(true, short)), false},
		echoType{"asn1_short_long_tag", framing.ASN1, same(asn1Packet(false, long)), false},
		echoType{"asn1_long_long_tag", framing.ASN1, same(asn1Packet(true, long)), false},
		// otpnet's others
		echoType{"raw", framing.Raw, same(rawPacket), false},
		echoType{"fcgi", framing.FCGI, fcgiPacket, false})
	if !limited {
		types = append(types,
			echoType{"httph", framing.HTTPH, nil, true},
			echoType{"httph_bin", framing.HTTPHBin, nil, true})
	}
	return types
}

// randomPacket is the suite's random_packet/1: n printable characters in
// a row from a random one.
func randomPacket(n int, r *rand.Rand) []byte {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	c := chars[r.IntN(len(chars))]
	b := make([]byte, n)
	for i := range b {
		b[i] = c
		if c >= 126 {
			c = 33
		} else {
			c++
		}
	}
	return b
}

// bodyUpTo builds the body of a {packet, 1 | 2 | 4} packet, up to max
// bytes: Send adds the header.
func bodyUpTo(max int) func(int, *rand.Rand) []byte {
	return func(n int, r *rand.Rand) []byte {
		if n < 0 || n > max {
			return nil
		}
		return randomPacket(n, r)
	}
}

func sunrmPacket(n int, r *rand.Rand) []byte {
	if n < 0 {
		return nil
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(n)), randomPacket(n, r)...)
}

// cdrPacket builds a GIOP 1.0 message: magic, version, byte order flag,
// message type, body length in that byte order.
func cdrPacket(order binary.AppendByteOrder) func(int, *rand.Rand) []byte {
	return func(n int, r *rand.Rand) []byte {
		if n < 0 {
			return nil
		}
		flags := byte(0)
		if order == binary.LittleEndian {
			flags = 1
		}
		b := order.AppendUint32([]byte{'G', 'I', 'O', 'P', 1, 0, flags, 0}, uint32(n))
		return append(b, randomPacket(n, r)...)
	}
}

// linePacket is n characters and a newline, for lines up to 1023
// characters (the suite's LINE_LENGTH).
func linePacket(n int, r *rand.Rand) []byte {
	if n < 0 || n > 1023 {
		return nil
	}
	return append(randomPacket(n, r), '\n')
}

// tpktPacket is a TPKT packet (version 3) with n bytes of payload, if its
// length fits its 16-bit header.
func tpktPacket(n int, r *rand.Rand) []byte {
	if n < 0 || 4+n >= 65536 {
		return nil
	}
	return append(binary.BigEndian.AppendUint16([]byte{3, 0}, uint16(4+n)), randomPacket(n, r)...)
}

// asn1Packet builds a BER TLV with tag, the length in its short form
// under 128, else in the shortest long form (long: always in 4 bytes);
// size -1 is the indefinite length, with no contents.
func asn1Packet(long bool, tag []byte) func(int, *rand.Rand) []byte {
	return func(n int, r *rand.Rand) []byte {
		b := append([]byte(nil), tag...)
		switch {
		case n < 0:
			return append(b, 0x80)
		case n < 128:
			b = append(b, byte(n))
		case !long && n < 256:
			b = append(b, 0x81, byte(n))
		case !long && n < 65536:
			b = binary.BigEndian.AppendUint16(append(b, 0x82), uint16(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, 0x84), uint32(n))
		}
		return append(b, randomPacket(n, r)...)
	}
}

// rawPacket is n bytes; none of 0, which would send nothing.
func rawPacket(n int, r *rand.Rand) []byte {
	if n <= 0 {
		return nil
	}
	return randomPacket(n, r)
}

// fcgiPacket is a FastCGI stdin record with n bytes of content, padded to
// a multiple of 8: it comes back without its padding.
func fcgiPacket(n int, r *rand.Rand) (pkt, want []byte) {
	if n < 0 || n > 65535 {
		return nil, nil
	}
	pad := (8 - n%8) % 8
	b := binary.BigEndian.AppendUint16([]byte{1, 5, 0, 1}, uint16(n))
	b = append(append(b, byte(pad), 0), randomPacket(n, r)...)
	return append(b, make([]byte, pad)...), b
}

// httpMessages are the HTTP messages echo_packet_http sends on a socket
// of packet type t: a request for each kind of URI, then a response; for
// httph and httph_bin, their header blocks, each once (the requests'
// are all the same).
func httpMessages(t framing.Type) [][]byte {
	const headers = "Host: localhost:8000\r\n" +
		"Connection: close\r\n" +
		"User-Agent: otpnet's echo suite\r\n" +
		"Content-Length: 4\r\n" +
		"Content-Type: text/xml; charset=utf-8\r\n" +
		"X-Not-Known: a field outside the table\r\n" +
		"X-Folded: the first line of a value\r\n" +
		" that goes on on a second\r\n" +
		"\tand on a third\r\n" +
		"a line that is no header field\r\n" +
		"\r\n"
	var msgs []string
	for _, uri := range []string{
		"*",
		"http://example.org/doc/rfc3986",
		"http://www.example.com:8000/a/b/",
		"https://example.net:8443/over/there?name=ferret#nose",
		"ftp://ftp.example.com/pub/file.txt",
		"/an/absolute/path?q=1",
		"something_else",
		"something_else",
	} {
		msgs = append(msgs, "POST "+uri+" HTTP/1.1\r\n"+headers)
	}
	msgs = append(msgs, "HTTP/1.0 404 Object Not Found\r\n"+
		"Server: otpnet/1\r\n"+
		"Date: Fri, 04 Jul 2008 17:16:22 GMT\r\n"+
		"Content-Type: text/html\r\n"+
		"Content-Length: 207\r\n"+
		"\r\n")
	if t == framing.HTTPH || t == framing.HTTPHBin {
		msgs = []string{msgs[0], msgs[len(msgs)-1]}
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		if t == framing.HTTPH || t == framing.HTTPHBin {
			_, m, _ = strings.Cut(m, "\r\n") // the header block only
		}
		out[i] = []byte(m)
	}
	return out
}

// httpReply is the suite's http_reply/2: the packets decode_packet makes
// of msg, its first line as t (a request or status line for http and
// http_bin), the others as header lines.
func httpReply(tb testing.TB, t framing.Type, msg []byte) []echoed {
	tb.Helper()
	headers := map[framing.Type]framing.Type{framing.HTTP: framing.HTTPH, framing.HTTPBin: framing.HTTPHBin}[t]
	if headers == 0 {
		headers = t
	}
	var out []echoed
	for typ := t; len(msg) > 0; typ = headers {
		r, err := framing.DecodePacket(typ, msg)
		if err != nil || !r.Complete() {
			tb.Fatalf("decode_packet(%v, %q) = %+v, %v", typ, msg, r, err)
		}
		out = append(out, echoed{http: r.HTTP})
		msg = r.Rest
	}
	return out
}
