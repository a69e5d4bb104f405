package framing

import (
	"math"
	"strconv"
)

// An Option is one of decode_packet's options. Make it with PacketSize,
// LineLength or LineDelimiter; New checks it once, against the packet type,
// as decode_packet does on every call.
type Option struct {
	kind  optKind
	value int
	name  string // optPacket from ParseType: the name that was not a type
}

type optKind uint8

const (
	optPacket optKind = iota // the packet type itself, in errors only
	optPacketSize
	optLineLength
	optLineDelimiter
)

var optNames = [...]string{
	optPacket:        "packet",
	optPacketSize:    "packet_size",
	optLineLength:    "line_length",
	optLineDelimiter: "line_delimiter",
}

// PacketSize is {packet_size, n}: the longest packet body accepted; a
// longer one is invalid. 0, the default, means no limit. For line and the
// http types n limits the whole line. Raw ignores it, as OTP does. n must
// be in 0..4294967295.
func PacketSize(n int) Option { return Option{kind: optPacketSize, value: n} }

// LineLength is {line_length, n}: for line, a longer line comes out as
// pieces of n bytes; for the http types, when PacketSize is 0, the longest
// line accepted (OTP keeps this for old users of decode_packet). Other types
// ignore it. 0, the default, means no limit; n must be in 0..4294967295.
func LineLength(n int) Option { return Option{kind: optLineLength, value: n} }

// LineDelimiter is {line_delimiter, c}: the byte that ends a line, '\n' by
// default. Only the line type takes it; for any other type it is an error,
// as decode_packet raises badarg.
func LineDelimiter(c byte) Option { return Option{kind: optLineDelimiter, value: int(c)} }

// String returns the option as Erlang writes it, e.g. "{packet_size,1024}".
func (o Option) String() string {
	v := o.name
	if o.kind != optPacket || v == "" {
		v = strconv.Itoa(o.value)
	}
	return "{" + optNames[o.kind] + "," + v + "}"
}

// An OptionError reports a packet type or option that decode_packet would
// refuse with badarg. It unwraps to ErrBadArg.
type OptionError struct {
	Type   Type   // the packet type the option was given with
	Option Option // the offending option; {packet,T} for a bad type
	Reason string // why it was refused
}

// Error returns the option, the type and the reason, ending in "badarg".
func (e *OptionError) Error() string {
	if e.Option.kind == optPacket {
		return "framing: " + e.Option.String() + ": " + e.Reason + ": badarg"
	}
	return "framing: " + e.Option.String() + " with packet type " + e.Type.String() + ": " + e.Reason + ": badarg"
}

// Unwrap returns ErrBadArg.
func (e *OptionError) Unwrap() error { return ErrBadArg }

// newDecoder checks t and opts as decode_packet_3 does and returns the
// decoder they describe. Later options override earlier ones, as in OTP.
func newDecoder(t Type, opts []Option) (Decoder, error) {
	if !t.valid() {
		return Decoder{}, &OptionError{Type: t, Option: Option{kind: optPacket, value: int(t)}, Reason: "unknown packet type"}
	}
	d := Decoder{typ: t, delim: '\n'}
	for _, o := range opts {
		switch o.kind {
		case optPacketSize, optLineLength:
			// OTP takes any value that fits a C unsigned int.
			if o.value < 0 || uint64(o.value) > math.MaxUint32 {
				return Decoder{}, &OptionError{Type: t, Option: o, Reason: "value out of range 0..4294967295"}
			}
			if o.kind == optPacketSize {
				d.size = uint32(o.value)
			} else {
				d.trunc = uint32(o.value)
			}
		case optLineDelimiter:
			if t != Line {
				return Decoder{}, &OptionError{Type: t, Option: o, Reason: "only packet type line takes a delimiter"}
			}
			d.delim = byte(o.value)
		default:
			return Decoder{}, &OptionError{Type: t, Option: o, Reason: "not an option; use PacketSize, LineLength or LineDelimiter"}
		}
	}
	return d, nil
}
