package framing

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// An outcome is what a decode_packet call returns, written as a test
// expects it.
type outcome struct {
	done         bool // {ok, Packet, Rest}
	packet, rest string
	more         int // {more, More}; 0 is undefined
	err          error
}

func ok(packet, rest string) outcome { return outcome{done: true, packet: packet, rest: rest} }
func more(n int) outcome             { return outcome{more: n} }

var invalid = outcome{err: ErrInvalid}

func (o outcome) String() string {
	switch {
	case o.err != nil:
		return "{error," + o.err.Error() + "}"
	case o.done:
		return "{ok," + strconv.Quote(o.packet) + "," + strconv.Quote(o.rest) + "}"
	case o.more == 0:
		return "{more,undefined}"
	}
	return "{more," + strconv.Itoa(o.more) + "}"
}

func outcomeOf(r Result, err error) outcome {
	if err != nil {
		return outcome{err: err}
	}
	if r.Complete() {
		return ok(string(r.Packet), string(r.Rest))
	}
	return more(r.More)
}

// decodeTests are decode_packet calls whose results a real Erlang/OTP 25
// gave (erl -eval 'erlang:decode_packet(Type, Bin, Opts)').
var decodeTests = []struct {
	typ  Type
	opts []Option
	in   string
	want outcome
}{
	// raw ignores packet_size.
	{Raw, nil, "", more(0)},
	{Raw, nil, "abc", ok("abc", "")},
	{Raw, []Option{PacketSize(1)}, "abc", ok("abc", "")},

	{One, nil, "", more(0)},
	{One, nil, "\x00", ok("", "")},
	{One, nil, "\x03ab", more(4)},
	{One, nil, "\x03abcd", ok("abc", "d")},
	// packet_size is checked before "more" is answered.
	{One, []Option{PacketSize(2)}, "\x03ab", invalid},
	{One, []Option{PacketSize(3)}, "\x03ab", more(4)},
	{One, []Option{LineLength(1)}, "\x01\x02\x03", ok("\x02", "\x03")},
	{Two, nil, "\x01", more(0)},
	{Two, nil, "\x00\x02abc", ok("ab", "c")},
	{Two, nil, "\xff\xff", more(65537)},
	{Four, nil, "\x00\x00\x00\x01a", ok("a", "")},
	// A packet must fit a C int: 2^31-1 bytes, header included.
	{Four, nil, "\x7f\xff\xff\xfb\x00", more(math.MaxInt32)},
	{Four, nil, "\x7f\xff\xff\xfc\x00", invalid},
	{Four, []Option{PacketSize(math.MaxUint32)}, "\xff\xff\xff\xfe\x00\x00", invalid},

	// sunrm: bit 31 marks the last fragment and is no part of the length.
	{SunRM, nil, "\x80\x00\x00\x02\x01\x02\x03", ok("\x80\x00\x00\x02\x01\x02", "\x03")},
	{SunRM, nil, "\x00\x00\x00\x02\x01", more(6)},
	{SunRM, nil, "\x80\x00\x00", more(0)},

	{ASN1, nil, "\x30", more(0)},
	{ASN1, nil, "\x30\x03abcX", ok("\x30\x03abc", "X")},
	{ASN1, nil, "\x30\x03a", more(5)},
	{ASN1, nil, "\x30\x82\x00\x03abc", ok("\x30\x82\x00\x03abc", "")},
	{ASN1, nil, "\x30\x82\x00", more(0)},
	{ASN1, nil, "\x30\x84\x00\x00\x00\x01", more(7)},
	// Long tag: low five bits set, then octets with bit 8 set, then the last.
	{ASN1, nil, "\x1f\x81\x81\x01\x02\x00\x00", ok("\x1f\x81\x81\x01\x02\x00\x00", "")},
	{ASN1, nil, "\x1f\x81\x81", more(0)},
	// The indefinite form counts as length 0.
	{ASN1, nil, "\x30\x80\x01\x02", ok("\x30\x80", "\x01\x02")},
	// More than 4 length octets is invalid, once they have all arrived.
	{ASN1, nil, "\x30\x85\x01\x02\x03\x04", more(0)},
	{ASN1, nil, "\x30\x85\x01\x02\x03\x04\x05", invalid},
	{ASN1, []Option{PacketSize(2)}, "\x30\x03abc", invalid},

	// cdr: the size is little-endian when flags bit 0 is set.
	{CDR, nil, "GIOP\x01\x02\x01\x00\x03\x00\x00\x00abcd", ok("GIOP\x01\x02\x01\x00\x03\x00\x00\x00abc", "d")},
	{CDR, nil, "GIOP\x01\x02\x00\x00\x00\x00\x00\x03abcd", ok("GIOP\x01\x02\x00\x00\x00\x00\x00\x03abc", "d")},
	{CDR, nil, "GIOP\x01\x02\x00\x00\x00\x00\x00\x05ab", more(17)},
	{CDR, nil, "GIOp\x01\x02\x00\x00\x00\x00\x00\x03abcd", invalid},
	{CDR, nil, "GIO", more(0)},
	{CDR, nil, "XXXXXXXXXXX", more(0)}, // the magic is checked only with a whole header

	// fcgi: version 1; the packet leaves out the padding.
	{FCGI, nil, "\x01\x01\x00\x01\x00\x02\x03\x00abpadrest", ok("\x01\x01\x00\x01\x00\x02\x03\x00ab", "rest")},
	{FCGI, nil, "\x01\x01\x00\x01\x00\x02\x03\x00ab", more(13)},
	{FCGI, nil, "\x02\x01\x00\x01\x00\x02\x03\x00", invalid},
	{FCGI, nil, "\x02\x01\x00", more(0)},
	{FCGI, []Option{PacketSize(4)}, "\x01\x01\x00\x01\x00\x02\x03\x00\x01\x02\x03\x04\x05", invalid},
	{FCGI, []Option{PacketSize(5)}, "\x01\x01\x00\x01\x00\x02\x03\x00\x01\x02\x03\x04\x05", ok("\x01\x01\x00\x01\x00\x02\x03\x00\x01\x02", "")},

	// tpkt: version 3; the length counts the header.
	{TPKT, nil, "\x03\x00\x00\x04\t\t", ok("\x03\x00\x00\x04", "\t\t")},
	{TPKT, nil, "\x03\x00\x00\x06a", more(6)},
	{TPKT, nil, "\x03\x00\x00\x02\t\t", invalid},
	{TPKT, []Option{PacketSize(math.MaxUint32)}, "\x03\x00\x00\x02\t\t", invalid},
	{TPKT, nil, "\x02\x00\x00\x04", invalid},

	{Line, nil, "abc\ndef", ok("abc\n", "def")},
	{Line, nil, "abc", more(0)},
	{Line, nil, "\n", ok("\n", "")},
	// line_length: a longer line comes out in pieces.
	{Line, []Option{LineLength(3)}, "abcdef\n", ok("abc", "def\n")},
	{Line, []Option{LineLength(3)}, "abc", ok("abc", "")},
	{Line, []Option{LineLength(3)}, "ab", more(0)},
	{Line, []Option{LineLength(4)}, "abc\n", ok("abc\n", "")},
	// packet_size: without a delimiter, more than packet_size is invalid.
	{Line, []Option{PacketSize(2)}, "ab", more(0)},
	{Line, []Option{PacketSize(2)}, "abc", invalid},
	{Line, []Option{PacketSize(3), LineLength(4)}, "abcd", invalid},
	// packet_size is checked before line_length.
	{Line, []Option{PacketSize(2), LineLength(1)}, "abc\n", invalid},
	{Line, []Option{LineDelimiter(2)}, "\x01\x02\x03", ok("\x01\x02", "\x03")},
	{Line, []Option{LineDelimiter(0)}, "a\nb\x00c", ok("a\nb\x00", "c")},

	{HTTP, nil, "GET / HTTP/1.1\r\nHost: x\r\n", ok("GET / HTTP/1.1\r\n", "Host: x\r\n")},
	{HTTP, nil, "GET / HTTP/1.1\r\n", ok("GET / HTTP/1.1\r\n", "")},
	{HTTP, nil, "GET / HTTP/1.1", more(0)},
	// For http, a buffer of packet_size bytes without a newline is invalid.
	{HTTP, []Option{PacketSize(15)}, "GET / HTTP/1.1\r", invalid},
	{HTTP, []Option{PacketSize(16)}, "GET / HTTP/1.1\r", more(0)},
	{HTTPBin, []Option{LineLength(15)}, "GET / HTTP/1.1\r", invalid},
	// httph needs the byte after the newline: is the line folded?
	{HTTPH, nil, "A: 1\r\n", more(0)},
	{HTTPH, nil, "A: 1\r\nX", ok("A: 1\r\n", "X")},
	{HTTPH, nil, "A: 1\r\n b\r\n\r\n", ok("A: 1\r\n b\r\n", "\r\n")},
	{HTTPH, nil, "A: 1\r\n\tb\r\n", more(0)},
	{HTTPH, nil, "\r\n", ok("\r\n", "")},
	{HTTPH, nil, "\n", ok("\n", "")},
	{HTTPH, nil, "\r\n ", ok("\r\n", " ")}, // a blank line is never folded
	{HTTPH, []Option{PacketSize(6)}, "A: 1\r\n", more(0)},
	{HTTPH, []Option{PacketSize(5)}, "A: 1\r\n", invalid},
	{HTTPH, []Option{PacketSize(5)}, "A: 1\r\nX", invalid},
	{HTTPHBin, []Option{LineLength(4)}, "A: 1", invalid},
	{HTTPHBin, []Option{LineLength(5)}, "A: 1", more(0)},
	{HTTPHBin, []Option{PacketSize(4), LineLength(100)}, "A: 1", invalid},
	// A buffer of exactly a blank line is a packet before any limit is
	// checked; with bytes after it, the same line is over the limit.
	{HTTPH, []Option{LineLength(1)}, "\r\n", ok("\r\n", "")},
	{HTTPH, []Option{LineLength(1)}, "\r\nX", invalid},
	{HTTP, []Option{PacketSize(1)}, "\r\n", ok("\r\n", "")},
	{HTTPBin, []Option{PacketSize(1)}, "\r\nGET", invalid},
	{HTTPHBin, []Option{PacketSize(1)}, "\nx", ok("\n", "x")},

	{SSLTLS, nil, "\x16\x03\x01\x00\x02\x01\x02\x03", ok("\x16\x03\x01\x00\x02\x01\x02", "\x03")},
	{SSLTLS, nil, "\x16\x03\x01\x00\x02\x01", more(7)},
	{SSLTLS, nil, "\x16\x03\x01\x00", more(0)},
	{SSLTLS, nil, "\x80\x03\x01\x03\x01", ok("\x80\x03\x01\x03\x01", "")},
	{SSLTLS, nil, "\x80\x02\x01\x03\x01", invalid}, // SSL 2.0 length below 3
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		r, err := DecodePacket(tt.typ, []byte(tt.in), tt.opts...)
		if got := outcomeOf(r, err); got != tt.want {
			t.Errorf("decode_packet(%s, %q, %s) = %v, want %v", tt.typ, tt.in, optString(tt.opts), got, tt.want)
		}
	}
}

// TestDecodeResult checks the parts of a Result that the table does not:
// N, and that Packet and Rest alias the buffer.
func TestDecodeResult(t *testing.T) {
	buf := []byte("\x00\x03abcdef")
	d, err := New(Two)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Decode(buf)
	if err != nil || r.N != 5 || r.More != 0 {
		t.Fatalf("Decode = %+v, %v; want N 5", r, err)
	}
	if &r.Packet[0] != &buf[2] || &r.Rest[0] != &buf[5] {
		t.Error("Packet and Rest do not alias the buffer")
	}
	if cap(r.Packet) != len(r.Packet) {
		t.Errorf("cap(Packet) = %d, want %d: appending to it would overwrite Rest", cap(r.Packet), len(r.Packet))
	}
	if d.Type() != Two {
		t.Errorf("Type() = %v, want 2", d.Type())
	}
}

func TestZeroDecoderIsRaw(t *testing.T) {
	var d Decoder
	r, err := d.Decode([]byte("xyz"))
	if got := outcomeOf(r, err); got != ok("xyz", "") {
		t.Errorf("zero Decoder: %v, want %v", got, ok("xyz", ""))
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		typ  Type
		opts []Option
		want string
	}{
		{Four, []Option{PacketSize(-1)}, "framing: {packet_size,-1} with packet type 4: value out of range 0..4294967295: badarg"},
		{Line, []Option{LineLength(math.MaxUint32 + 1)}, "{line_length,4294967296}"},
		{Four, []Option{LineDelimiter('\n')}, "framing: {line_delimiter,10} with packet type 4: only packet type line takes a delimiter: badarg"},
		{HTTP, []Option{LineDelimiter('\n')}, "{line_delimiter,10}"},
		{Raw, []Option{{}}, "not an option"},
		{Type(99), nil, "framing: {packet,99}: unknown packet type: badarg"},
		{Type(-1), nil, "{packet,-1}"},
	}
	for _, tt := range tests {
		_, err := New(tt.typ, tt.opts...)
		var oe *OptionError
		if !errors.As(err, &oe) || !errors.Is(err, ErrBadArg) {
			t.Errorf("New(%v, %s) = %v, want an *OptionError that is ErrBadArg", tt.typ, optString(tt.opts), err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) {
			t.Errorf("New(%v, %s): error %q does not contain %q", tt.typ, optString(tt.opts), msg, tt.want)
		}
		if _, err := DecodePacket(tt.typ, []byte("x"), tt.opts...); !errors.Is(err, ErrBadArg) {
			t.Errorf("DecodePacket(%v, %s) = %v, want ErrBadArg", tt.typ, optString(tt.opts), err)
		}
	}
	// The limits themselves are fine, and later options override earlier.
	d, err := New(Line, PacketSize(math.MaxUint32), LineLength(0), LineDelimiter(';'), LineDelimiter('!'))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := d.Decode([]byte("a;b!c")); string(r.Packet) != "a;b!" {
		t.Errorf("last LineDelimiter should win: packet %q", r.Packet)
	}
}

func TestErrorsPrintAsErlang(t *testing.T) {
	for err, want := range map[error]string{ErrInvalid: "invalid", ErrMsgSize: "emsgsize", ErrBadArg: "badarg"} {
		if err.Error() != want {
			t.Errorf("%v prints %q, want %q", err, err.Error(), want)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for typ := Raw; typ < numTypes; typ++ {
		got, err := ParseType(typ.String())
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v; want %v", typ.String(), got, err, typ)
		}
	}
	if got, err := ParseType("0"); err != nil || got != Raw {
		t.Errorf("ParseType(\"0\") = %v, %v; want raw", got, err)
	}
	if _, err := ParseType("3"); !errors.Is(err, ErrBadArg) || err.Error() != "framing: {packet,3}: unknown packet type: badarg" {
		t.Errorf("ParseType(\"3\") error = %v", err)
	}
	if s := Type(42).String(); s != "Type(42)" {
		t.Errorf("Type(42).String() = %q", s)
	}
}
