package framing

import "bytes"

// An HTTPPacket is a decoded packet of the http types, Erlang's HttpPacket:
// an HTTPRequest, HTTPResponse, HTTPHeader, HTTPEOH or HTTPError.
//
// http and http_bin decode to the same values, as do httph and httph_bin:
// Erlang's choice between strings (lists) and binaries has no Go
// counterpart, since a Go string is already an immutable byte sequence. The
// strings in a packet are copied out of the buffer (one copy per packet,
// shared by its fields), so they stay valid when the buffer is reused.
type HTTPPacket interface{ httpPacket() }

// An HTTPRequest is a request line:
// {http_request, Method, Uri, Version}.
type HTTPRequest struct {
	Method  Method
	URI     URI
	Version Version // {0, 9} when the line has no version
}

// An HTTPResponse is a status line:
// {http_response, Version, Status, Phrase}.
type HTTPResponse struct {
	Version Version
	Status  int    // 0 when the line has none
	Phrase  string // may be empty
}

// An HTTPHeader is a header line, with any folded continuation lines:
// {http_header, Bit, Field, UnmodifiedField, Value}.
type HTTPHeader struct {
	// Bit is the field's position in OTP's header table plus one (1..52),
	// or 0 for a field outside the table.
	Bit int
	// Field is the name in normal form: a Field constant when Bit > 0. A
	// name over 50 bytes is left as sent, as OTP leaves it.
	Field Field
	// Name is the name as sent.
	Name string
	// Value is the value without leading blanks; folded lines stay in it,
	// line breaks included, and so do trailing blanks.
	Value string
}

// HTTPEOH is the blank line that ends the headers: http_eoh.
type HTTPEOH struct{}

// An HTTPError is a line that does not parse: {http_error, Line}. Line is
// the packet as received, line break included.
type HTTPError struct {
	Line string
}

func (HTTPRequest) httpPacket()  {}
func (HTTPResponse) httpPacket() {}
func (HTTPHeader) httpPacket()   {}
func (HTTPEOH) httpPacket()      {}
func (HTTPError) httpPacket()    {}

// A Version is a protocol version {Major, Minor}. OTP reads HTTP version
// digits into a C int, so an absurdly long number wraps around as it does
// there.
type Version struct {
	Major, Minor int
}

// A URIKind says which form of Erlang's HttpUri a URI has.
type URIKind uint8

// The forms of a request URI, as OTP's http_parse_uri sorts them.
const (
	URIString   URIKind = iota // "text": none of the forms below
	URIStar                    // '*'
	URIAbsPath                 // {abs_path, Path}: starts with '/', or is one byte long
	URIAbsolute                // {absoluteURI, http | https, Host, Port, Path}
	URIScheme                  // {scheme, Scheme, Opaque}: any other "scheme:..."
)

// A URI is a request-target as OTP 25 parses it. Which fields are set
// depends on Kind; Raw always holds the target as sent.
type URI struct {
	Kind   URIKind
	Raw    string // the whole target
	Scheme string // URIAbsolute: "http" or "https" (matched in any case); URIScheme: before the first ':'
	Host   string // URIAbsolute: up to the first ':' or '/'; bracketed IPv6 is not understood (OTP 26 does)
	Port   int    // URIAbsolute: 0 when absent or not all digits (Erlang's undefined)
	Path   string // URIAbsPath: the target; URIAbsolute: from the first '/', or "/"
	Opaque string // URIScheme: after the first ':'
}

// String returns the target as sent.
func (u URI) String() string { return u.Raw }

// httpLength finds the end of an http packet as packet_get_length does: a
// line up to '\n'. In header mode a line followed by a blank or tab is
// folded into the next, so the packet ends only once the byte after the
// newline has arrived and is neither; a lone "\n" or "\r\n" ends at once.
// Without PacketSize, LineLength is the limit. A line longer than the limit
// is invalid, and so is a buffer of limit bytes or more without a newline
// (where line waits at exactly PacketSize bytes).
func httpLength(b []byte, max, trunc uint32, header bool) int {
	n := len(b)
	if (n == 1 && b[0] == '\n') || (n == 2 && b[0] == '\r' && b[1] == '\n') {
		return n
	}
	if max == 0 {
		max = trunc
	}
	from := 0
	for {
		i := bytes.IndexByte(b[from:], '\n')
		if i < 0 {
			if max != 0 && uint64(n) >= uint64(max) {
				return -1
			}
			return 0
		}
		l := from + i + 1
		switch {
		case !header, l < n && (!isBlank(b[l]) || l <= 2):
			if over(l, max) {
				return -1
			}
			return l
		case l < n: // a folded header line: look for the next newline
			from = l
		default: // the byte after the newline has not arrived
			if over(l, max) {
				return -1
			}
			return 0
		}
	}
}

// over reports whether a line of l bytes is over the limit max (0: none).
func over(l int, max uint32) bool { return max != 0 && uint64(l) > uint64(max) }

// isBlank is packet_parser.c's SP: a space or a tab.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }
