package framing

import "strings"

// maxName is HTTP_MAX_NAME_LEN: OTP puts header names of up to 50 bytes in
// normal form and looks them up; longer names are left as sent.
const maxName = 50

// tspecial is packet_parser.c's is_tspecial: the bytes that end a method or
// header name. They are the controls, space, the separators of RFC 2616 and
// every byte from 128 up. DEL (127) is not one: OTP's table stops at 126.
var tspecial = func() (t [256]bool) {
	for c := range t {
		t[c] = c <= ' ' || c >= 128
	}
	for _, c := range []byte("()<>@,;:\\\"/[]?={} \t") {
		t[c] = true
	}
	return t
}()

// parseHTTP decodes one http packet (a line with any folded lines) as
// packet_parse_http does, with an unparsable line becoming an HTTPError.
// header is the state: whether a request or status line has been seen. It
// returns the packet and the state after it: true after a request or status
// line, false after the blank line that ends the headers, unchanged after an
// error.
func parseHTTP(b []byte, header bool) (HTTPPacket, bool) {
	// Drop the line break. Every packet ends in '\n'; OTP then drops the
	// byte before it only if that is '\r'.
	n := len(b)
	if n >= 2 && b[n-2] == '\r' {
		n -= 2
	} else if n >= 1 && b[n-1] == '\n' {
		n--
	}
	if header && n == 0 {
		return HTTPEOH{}, false
	}
	// One copy of the line; every string of the packet is part of it.
	s := string(b)
	var p HTTPPacket
	var ok bool
	switch {
	case header:
		p, ok = parseHeader(s, n)
	case n >= 5 && s[:5] == "HTTP/":
		p, ok = parseStatusLine(s, n)
	default:
		p, ok = parseRequestLine(s, n)
	}
	if !ok {
		return HTTPError{Line: s}, header
	}
	return p, true
}

// parseStatusLine parses s[:n], which starts with "HTTP/":
// HTTP/Major.Minor, blanks, a status of zero or more digits, then, after at
// least one blank unless the line ends, the phrase.
func parseStatusLine(s string, n int) (HTTPPacket, bool) {
	v, p, ok := parseVersion(s, 5, n)
	if !ok {
		return nil, false
	}
	q := skipBlanks(s, p, n)
	if q == p {
		return nil, false
	}
	status, p, _ := digits(s, q, n)
	q = skipBlanks(s, p, n)
	if q == p && q < n {
		return nil, false
	}
	return HTTPResponse{Version: v, Status: status, Phrase: s[q:n]}, true
}

// parseRequestLine parses s[:n]: a method token, blanks, a target of
// anything but blanks, then either the end of the line (HTTP/0.9) or
// blanks and "HTTP/Major.Minor". OTP ignores whatever follows the version.
func parseRequestLine(s string, n int) (HTTPPacket, bool) {
	p := 0
	for p < n && !tspecial[s[p]] {
		p++
	}
	if p == 0 || p == n || !isBlank(s[p]) {
		return nil, false
	}
	m := method(s[:p])
	u := skipBlanks(s, p, n)
	p = u
	for p < n && !isBlank(s[p]) {
		p++
	}
	if p == u {
		return nil, false
	}
	uri := parseURI(s[u:p])
	p = skipBlanks(s, p, n)
	if p == n {
		return HTTPRequest{Method: m, URI: uri, Version: Version{0, 9}}, true
	}
	if n-p < 8 || s[p:p+5] != "HTTP/" {
		return nil, false
	}
	v, _, ok := parseVersion(s, p+5, n)
	if !ok {
		return nil, false
	}
	return HTTPRequest{Method: m, URI: uri, Version: v}, true
}

// parseVersion parses "Major.Minor" at s[p:n], each at least one digit, and
// returns where it ends.
func parseVersion(s string, p, n int) (Version, int, bool) {
	major, q, ok := digits(s, p, n)
	if !ok || q == n || s[q] != '.' {
		return Version{}, 0, false
	}
	minor, q, ok := digits(s, q+1, n)
	if !ok {
		return Version{}, 0, false
	}
	return Version{major, minor}, q, true
}

// parseHeader parses s[:n], which is not empty: a name of token bytes, a
// colon (no blanks before it), blanks, the value. It puts the name in
// normal form as it goes, as OTP does: the first byte up, a byte after '-'
// up (unless it is the first), the others down.
func parseHeader(s string, n int) (HTTPPacket, bool) {
	var norm [maxName]byte
	up := true
	p := 0
	for !tspecial[s[p]] {
		if p < maxName {
			c := s[p]
			if up {
				c = upper(c)
				up = false
			} else if c == '-' {
				up = true
			} else {
				c = lower(c)
			}
			norm[p] = c
		}
		p++
		if p == n { // OTP gives up before the byte at n: the name needs its colon
			return nil, false
		}
	}
	if s[p] != ':' {
		return nil, false
	}
	name := s[:p]
	h := HTTPHeader{Name: name, Field: Field(name), Value: s[skipBlanks(s, p+1, n):n]}
	if p <= maxName {
		h.Field, h.Bit = field(name, norm[:p])
	}
	return h, true
}

// field returns the Field and Bit of a name whose normal form is norm,
// without copying it when it is a table constant or already normal.
func field(name string, norm []byte) (Field, int) {
	if bit := fieldBits[string(norm)]; bit != 0 {
		return fields[bit-1], bit
	}
	if name == string(norm) {
		return Field(name), 0
	}
	return Field(norm), 0
}

// parseURI sorts a request-target as OTP 25's http_parse_uri does.
func parseURI(u string) URI {
	switch {
	case u == "*":
		return URI{Kind: URIStar, Raw: u}
	case len(u) <= 1 || u[0] == '/':
		return URI{Kind: URIAbsPath, Raw: u, Path: u}
	case hasPrefixFold(u, "http://"):
		return absoluteURI("http", u, u[7:])
	case hasPrefixFold(u, "https://"):
		return absoluteURI("https", u, u[8:])
	}
	if i := strings.IndexByte(u, ':'); i >= 0 {
		return URI{Kind: URIScheme, Raw: u, Scheme: u[:i], Opaque: u[i+1:]}
	}
	return URI{Kind: URIString, Raw: u}
}

// absoluteURI splits rest, an http(s) target after its "scheme://", into
// host, port and path. The port counts only when all of it is digits and it
// is not 0; it is read into a C int, which may wrap around.
func absoluteURI(scheme, raw, rest string) URI {
	u := URI{Kind: URIAbsolute, Raw: raw, Scheme: scheme, Host: rest, Path: "/"}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		u.Host, u.Path = rest[:i], rest[i:]
	}
	if i := strings.IndexByte(u.Host, ':'); i >= 0 {
		port := u.Host[i+1:]
		u.Host = u.Host[:i]
		if v, end, _ := digits(port, 0, len(port)); end == len(port) {
			u.Port = v
		}
	}
	return u
}

// digits reads the decimal digits at s[p:n] as OTP does, into a C int
// that wraps around. It returns the value, where the digits end, and
// whether there was at least one.
func digits(s string, p, n int) (int, int, bool) {
	var v int32
	q := p
	for q < n && '0' <= s[q] && s[q] <= '9' {
		v = v*10 + int32(s[q]-'0')
		q++
	}
	return int(v), q, q > p
}

// skipBlanks returns the index of the first non-blank at or after p in
// s[:n].
func skipBlanks(s string, p, n int) int {
	for p < n && isBlank(s[p]) {
		p++
	}
	return p
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case
// (C's strncasecmp in the C locale).
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != prefix[i] {
			return false
		}
	}
	return true
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}
