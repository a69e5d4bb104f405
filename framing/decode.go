package framing

import "errors"

// Errors of this package. Each prints as Erlang prints the reason, so a port
// can report it unchanged; match them with errors.Is.
var (
	// ErrInvalid is decode_packet's {error, invalid}: the bytes cannot start
	// a packet of the type, or the packet is longer than PacketSize allows.
	ErrInvalid = errors.New("invalid")

	// ErrMsgSize is emsgsize: what a socket reports for a packet it cannot
	// take (see Stream), and what encoding reports for a payload too long
	// for its length header.
	ErrMsgSize = errors.New("emsgsize")

	// ErrBadArg is badarg: a packet type or option that decode_packet
	// refuses. *OptionError wraps it.
	ErrBadArg = errors.New("badarg")
)

// A Result is what decoding found at the start of a buffer: either a whole
// packet (Complete), as decode_packet's {ok, Packet, Rest}, or a request for
// more bytes, as {more, Length}. Invalid input is an error, not a Result.
//
// Packet, Rest and TLS.Data alias the decoded buffer: copy them before the
// buffer is reused. HTTP values are copies.
type Result struct {
	// N is how many bytes of the buffer the packet occupies, header and
	// padding included; 0 when the packet is incomplete.
	N int

	// Packet is the packet as decode_packet returns it: the body for 1, 2
	// and 4 (the header stripped), the record without its padding for fcgi,
	// the whole packet for the other types. For the http types it is the
	// raw line and HTTP holds its decoded value; for ssl_tls it is the whole
	// record and TLS holds its decoded value. Its capacity ends at its
	// length, so appending to it never overwrites Rest.
	Packet []byte

	// Rest is the buffer after the packet.
	Rest []byte

	// More is, when the packet is incomplete, the number of bytes the whole
	// packet needs, header included, or 0 when the header does not say yet
	// (Erlang's {more, undefined}).
	More int

	// HTTP is the decoded packet of the http types: an HTTPRequest,
	// HTTPResponse, HTTPHeader, HTTPEOH or HTTPError.
	HTTP HTTPPacket

	// TLS is the decoded packet of the ssl_tls type.
	TLS TLSRecord
}

// Complete reports whether r holds a whole packet.
func (r Result) Complete() bool { return r.N > 0 }

// A Decoder decodes packets of one type with fixed options, as
// erlang:decode_packet/3 does. New checks the options once, so Decode does
// no validation and, for every type but the http ones and SSL 2.0 hellos, no
// allocation. A Decoder is immutable: its methods may be called from
// multiple goroutines simultaneously. The zero Decoder decodes raw packets.
type Decoder struct {
	typ   Type
	size  uint32 // packet_size; 0 means no limit
	trunc uint32 // line_length; 0 means no limit
	delim byte   // line_delimiter
}

// New returns a Decoder for packets of type t with the given options. An
// unknown type, an option out of range, or LineDelimiter with a type other
// than Line is an *OptionError, where decode_packet raises badarg.
func New(t Type, opts ...Option) (*Decoder, error) {
	d, err := newDecoder(t, opts)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Type returns the packet type d decodes.
func (d *Decoder) Type() Type { return d.typ }

// PacketSize returns d's PacketSize option, 0 for no limit.
func (d *Decoder) PacketSize() int { return int(d.size) }

// Decode decodes the packet at the start of buf, as
// erlang:decode_packet(Type, Buf, Options) does. It returns a complete
// Result, an incomplete one (More), or ErrInvalid.
//
// Each call stands alone, as each decode_packet call does: http and
// http_bin expect a request or status line, httph and httph_bin a header
// line. Use a Stream to follow a connection from one to the other.
func (d *Decoder) Decode(buf []byte) (Result, error) {
	r, _, err := d.decode(buf, d.trunc, false)
	return r, err
}

// DecodePacket is erlang:decode_packet(Type, Bin, Options) in one call:
// New(t, opts...) then Decode(buf). A bad type or option is an
// *OptionError, where Erlang raises badarg.
func DecodePacket(t Type, buf []byte, opts ...Option) (Result, error) {
	d, err := newDecoder(t, opts)
	if err != nil {
		return Result{}, err
	}
	return d.Decode(buf)
}

// decode is decode_packet_3 after its option parsing: packet_get_length,
// then packet_get_body and packet_parse for a whole packet. trunc is the
// line_length in force (a socket passes its buffer size) and header the
// http state: whether the request or status line has been seen. It returns
// the http state after the packet.
func (d *Decoder) decode(buf []byte, trunc uint32, header bool) (Result, bool, error) {
	if d.typ == HTTPH || d.typ == HTTPHBin {
		header = true // packet_get_length sets *statep for httph
	}
	n := d.length(buf, trunc, header)
	switch {
	case n < 0:
		return Result{}, header, ErrInvalid
	case n == 0 || n > len(buf):
		return Result{More: n}, header, nil
	}
	r := Result{N: n, Packet: buf[:n:n], Rest: buf[n:]}
	switch d.typ {
	case One, Two, Four:
		r.Packet = buf[d.typ.HeaderLen():n:n]
	case FCGI:
		end := n - fcgiPadding(buf)
		r.Packet = buf[:end:end]
	case HTTP, HTTPH, HTTPBin, HTTPHBin:
		r.HTTP, header = parseHTTP(buf[:n], header)
	case SSLTLS:
		r.TLS = parseTLS(buf[:n])
	}
	return r, header, nil
}

// length is packet_get_length: the total length of the packet at the start
// of b (> 0), 0 when b does not say yet, or -1 when b cannot start a packet
// of the type.
func (d *Decoder) length(b []byte, trunc uint32, header bool) int {
	switch d.typ {
	case Raw:
		return len(b) // raw ignores packet_size
	case One, Two, Four:
		return prefixLength(b, d.typ.HeaderLen(), d.size)
	case SunRM:
		return sunrmLength(b, d.size)
	case ASN1:
		return asn1Length(b, d.size)
	case CDR:
		return cdrLength(b, d.size)
	case FCGI:
		return fcgiLength(b, d.size)
	case TPKT:
		return tpktLength(b, d.size)
	case Line:
		return lineLength(b, d.size, trunc, d.delim)
	case HTTP, HTTPH, HTTPBin, HTTPHBin:
		return httpLength(b, d.size, trunc, header)
	case SSLTLS:
		return tlsLength(b, d.size)
	}
	return -1
}
