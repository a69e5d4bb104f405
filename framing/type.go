package framing

import "strconv"

// Type is a packet type: the value of inet's {packet, Type} option and the
// first argument of erlang:decode_packet/3.
type Type int

// The packet types, in the order of OTP's enum PacketParseType. The zero Type
// is Raw, as {packet, 0} is the default of a socket.
const (
	Raw      Type = iota // raw, 0: no framing
	One                  // 1: 1-byte big-endian length, then the body
	Two                  // 2: 2-byte big-endian length, then the body
	Four                 // 4: 4-byte big-endian length, then the body
	ASN1                 // asn1: one ASN.1 BER TLV
	SunRM                // sunrm: Sun RPC record marking (bit 31 ends the record)
	CDR                  // cdr: one CORBA GIOP message
	FCGI                 // fcgi: one FastCGI record
	TPKT                 // tpkt: one TPKT (RFC 1006) packet
	Line                 // line: one line, delimiter included
	HTTP                 // http: a request or status line, parsed
	HTTPH                // httph: a header line or the blank line, parsed
	HTTPBin              // http_bin: as HTTP (Erlang gives binaries, not lists)
	HTTPHBin             // httph_bin: as HTTPH (Erlang gives binaries, not lists)
	SSLTLS               // ssl_tls: one TLS record or SSL 2.0 ClientHello, parsed
	numTypes
)

var typeNames = [numTypes]string{
	Raw: "raw", One: "1", Two: "2", Four: "4", ASN1: "asn1", SunRM: "sunrm",
	CDR: "cdr", FCGI: "fcgi", TPKT: "tpkt", Line: "line", HTTP: "http",
	HTTPH: "httph", HTTPBin: "http_bin", HTTPHBin: "httph_bin", SSLTLS: "ssl_tls",
}

// String returns the type as Erlang writes it: "raw", "1", "asn1",
// "http_bin", ...
func (t Type) String() string {
	if t.valid() {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

func (t Type) valid() bool { return t >= 0 && t < numTypes }

// isHTTP reports whether t is one of the four http types.
func (t Type) isHTTP() bool { return t >= HTTP && t <= HTTPHBin }

// ParseType returns the Type that Erlang calls name: "raw" or "0", "1",
// "2", "4", "asn1", "sunrm", "cdr", "fcgi", "tpkt", "line", "http",
// "httph", "http_bin", "httph_bin" or "ssl_tls". Any other name is an
// *OptionError.
func ParseType(name string) (Type, error) {
	if name == "0" {
		return Raw, nil
	}
	for t, n := range typeNames {
		if n == name {
			return Type(t), nil
		}
	}
	return 0, &OptionError{Type: -1, Option: Option{kind: optPacket, name: name}, Reason: "unknown packet type"}
}

// HeaderLen returns the length of the header that sending adds for t: 1, 2
// or 4 for One, Two and Four, and 0 for every other type, which "only have
// effect on receiving" (inet): the application writes their headers itself.
func (t Type) HeaderLen() int {
	switch t {
	case One:
		return 1
	case Two:
		return 2
	case Four:
		return 4
	}
	return 0
}
