package framing

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
)

// This file generates the inputs of the differential test: for each packet
// type, well-formed packets and their near misses, with options around the
// boundaries that matter.

// A sample is generated data and its "natural" length: the announced body
// length or the line length, around which options are chosen.
type sample struct {
	data []byte
	hint int
}

var generators = [numTypes]func(*rand.Rand) sample{
	Raw:      func(r *rand.Rand) sample { return sample{randBytes(r, r.IntN(40)), r.IntN(40)} },
	One:      func(r *rand.Rand) sample { return genPrefix(r, 1) },
	Two:      func(r *rand.Rand) sample { return genPrefix(r, 2) },
	Four:     func(r *rand.Rand) sample { return genPrefix(r, 4) },
	ASN1:     genASN1,
	SunRM:    genSunRM,
	CDR:      genCDR,
	FCGI:     genFCGI,
	TPKT:     genTPKT,
	Line:     nil, // genLine also picks the delimiter: see generate
	HTTP:     genHTTP,
	HTTPH:    genHTTPH,
	HTTPBin:  genHTTP,
	HTTPHBin: genHTTPH,
	SSLTLS:   genTLS,
}

// generate returns one input for typ: a tenth random bytes, the rest from
// the type's generator, with options.
func generate(r *rand.Rand, typ Type) oracleCase {
	c := oracleCase{typ: typ}
	var s sample
	switch {
	case r.IntN(10) == 0:
		s = sample{randBytes(r, r.IntN(24)), r.IntN(24)}
	case typ == Line:
		s = genLine(r, &c)
	default:
		s = generators[typ](r)
	}
	c.data = s.data
	pickOptions(r, &c, s.hint)
	return c
}

// pickOptions gives c no options a third of the time; otherwise
// packet_size and line_length near hint, and rarely a value Erlang refuses
// or a line_delimiter on a type that takes none.
func pickOptions(r *rand.Rand, c *oracleCase, hint int) {
	if r.IntN(3) == 0 {
		return
	}
	if r.IntN(2) == 0 {
		c.flags |= 1
		c.ps = sizeNear(r, hint)
	}
	if r.IntN(3) == 0 || (c.typ == Line || c.typ.isHTTP()) && r.IntN(2) == 0 {
		c.flags |= 2
		c.ll = sizeNear(r, hint)
	}
	if c.typ != Line && r.IntN(100) == 0 {
		c.flags |= 4
		c.ld = int64(r.IntN(256))
	}
}

func sizeNear(r *rand.Rand, hint int) int64 {
	switch r.IntN(40) {
	case 0, 1:
		return 0
	case 2:
		return math.MaxUint32
	case 3:
		return []int64{-1, math.MaxUint32 + 1, math.MinInt64}[r.IntN(3)] // badarg
	case 4, 5, 6, 7:
		return int64(1 + r.IntN(64))
	}
	return max(0, int64(hint)+int64(r.IntN(5))-2)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// oneOf returns a random element of xs.
func oneOf[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// mutate returns data as it is, or cut short, or with bytes after it, or
// with one byte changed.
func mutate(r *rand.Rand, data []byte) []byte {
	switch r.IntN(10) {
	case 0, 1, 2:
		return data[:r.IntN(len(data)+1)]
	case 3, 4:
		return append(data, randBytes(r, 1+r.IntN(8))...)
	case 5:
		if len(data) > 0 {
			data[r.IntN(len(data))] ^= byte(1 + r.IntN(255))
		}
	}
	return data
}

// body returns n random bytes give or take a few, at most 80.
func body(r *rand.Rand, n uint64) []byte {
	m := int(min(n, 80)) + r.IntN(5) - 2
	return randBytes(r, max(0, m))
}

// length returns a body length: usually small, sometimes the largest that
// fits bits, or one of the boundaries given.
func length(r *rand.Rand, bits int, boundaries ...uint64) uint64 {
	top := uint64(1)<<bits - 1
	switch r.IntN(12) {
	case 0:
		return top
	case 1:
		return r.Uint64() & top
	case 2, 3:
		if len(boundaries) > 0 {
			return oneOf(r, boundaries...) & top
		}
	}
	return uint64(r.IntN(48))
}

func putBE(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// big4 are 4-byte lengths around OTP's limit of 2^31-1 for a packet.
var big4 = []uint64{0x7ffffff0, 0x7ffffff3, 0x7ffffff4, 0x7ffffffa, 0x7ffffffb, 0x7ffffffc, 0x7fffffff, 0x80000000, 0xfffffffb, 0xfffffffc, 0xffffffff}

func genPrefix(r *rand.Rand, hlen int) sample {
	plen := length(r, 8*hlen, big4...)
	h := make([]byte, hlen)
	putBE(h, plen)
	return sample{mutate(r, append(h, body(r, plen)...)), int(min(plen, math.MaxInt32))}
}

func genSunRM(r *rand.Rand) sample {
	plen := length(r, 31, big4...)
	v := plen
	if r.IntN(2) == 0 {
		v |= 1 << 31 // last fragment
	}
	h := binary.BigEndian.AppendUint32(nil, uint32(v))
	return sample{mutate(r, append(h, body(r, plen)...)), int(plen)}
}

func genASN1(r *rand.Rand) sample {
	var b []byte
	if r.IntN(3) == 0 { // long tag: 0x1f, continuation octets, the last
		b = append(b, byte(r.Uint32())|0x1f)
		for range r.IntN(4) {
			b = append(b, byte(r.Uint32())|0x80)
		}
		if r.IntN(8) != 0 {
			b = append(b, byte(r.Uint32())&0x7f)
		}
	} else {
		t := byte(r.Uint32())
		if t&0x1f == 0x1f {
			t &^= 1
		}
		b = append(b, t)
	}
	var plen uint64
	switch r.IntN(3) {
	case 0:
		plen = uint64(r.IntN(0x80))
		if r.IntN(2) == 0 {
			plen = uint64(r.IntN(40))
		}
		b = append(b, byte(plen))
	case 1: // long form, 0 (indefinite) to 6 length octets
		n := oneOf(r, 0, 1, 1, 2, 2, 3, 4, 4, 5, 6)
		plen = length(r, 8*min(n, 4), big4...)
		if n == 0 {
			plen = 0
		}
		l := make([]byte, n)
		putBE(l, plen)
		b = append(append(b, 0x80|byte(n)), l...)
	default:
		b = append(b, 0x80)
	}
	return sample{mutate(r, append(b, body(r, plen)...)), int(min(plen, math.MaxInt32))}
}

func genCDR(r *rand.Rand) sample {
	b := []byte("GIOP")
	if r.IntN(7) == 0 {
		b[r.IntN(4)] = oneOf(r, byte('g'), 'i', 'o', 'p', 'X', 0, byte(r.Uint32()))
	}
	flags := byte(r.Uint32())
	b = append(b, byte(r.IntN(3)), byte(r.IntN(4)), flags, byte(r.Uint32()))
	plen := length(r, 32, big4...)
	le := flags&1 != 0
	if r.IntN(10) == 0 {
		le = !le // the size in the wrong byte order
	}
	if le {
		b = binary.LittleEndian.AppendUint32(b, uint32(plen))
	} else {
		b = binary.BigEndian.AppendUint32(b, uint32(plen))
	}
	return sample{mutate(r, append(b, body(r, plen)...)), int(min(plen, math.MaxInt32))}
}

func genFCGI(r *rand.Rand) sample {
	version := byte(1)
	if r.IntN(7) == 0 {
		version = oneOf(r, byte(0), 2, 3, byte(r.Uint32()))
	}
	content := length(r, 16, 0xfffe)
	padding := uint64(r.IntN(9))
	if r.IntN(8) == 0 {
		padding = uint64(oneOf(r, 255, r.IntN(256)))
	}
	b := []byte{version, byte(r.IntN(12)), byte(r.Uint32()), byte(r.Uint32()), byte(content >> 8), byte(content), byte(padding), byte(r.Uint32())}
	return sample{mutate(r, append(b, body(r, content+padding)...)), int(content + padding)}
}

func genTPKT(r *rand.Rand) sample {
	version := byte(3)
	if r.IntN(7) == 0 {
		version = oneOf(r, byte(0), 1, 2, 4, byte(r.Uint32()))
	}
	l := length(r, 16, 0, 1, 2, 3, 4, 5)
	if l < 48 {
		l += 4
	}
	if r.IntN(8) == 0 {
		l = uint64(r.IntN(4)) // shorter than the header: wraps around in OTP
	}
	b := []byte{version, byte(r.Uint32()), byte(l >> 8), byte(l)}
	plen := max(int(l)-4, 0)
	return sample{mutate(r, append(b, body(r, uint64(plen))...)), plen}
}

func genTLS(r *rand.Rand) sample {
	var b []byte
	var plen int
	if r.IntN(3) == 0 { // SSL 2.0 ClientHello: <<1:1, Len:15, 1:8, Major, Minor>>
		l := r.IntN(48)
		if r.IntN(6) == 0 {
			l = oneOf(r, 0, 1, 2, 3, 0x7fff, r.IntN(0x8000))
		}
		msg := byte(1)
		if r.IntN(8) == 0 {
			msg = byte(r.Uint32())
		}
		b = []byte{0x80 | byte(l>>8), byte(l), msg, 3, byte(r.IntN(4))}
		plen = max(l-3, 0)
	} else {
		l := length(r, 16, 0x4000, 0x4800)
		b = []byte{oneOf(r, byte(20), 21, 22, 23, byte(r.Uint32())), 3, byte(r.IntN(5)), byte(l >> 8), byte(l)}
		if r.IntN(8) == 0 {
			b[1] = byte(r.Uint32())
		}
		plen = int(l)
	}
	return sample{mutate(r, append(b, body(r, uint64(plen))...)), plen}
}

// genLine makes lines ended by a delimiter, which it sets in c when it is
// not '\n' (and sometimes when it is).
func genLine(r *rand.Rand, c *oracleCase) sample {
	delim := byte('\n')
	if r.IntN(5) < 2 {
		delim = oneOf(r, byte('\r'), ';', 0, 0xff, 'a', byte(r.Uint32()))
	}
	if delim != '\n' || r.IntN(3) == 0 {
		c.flags |= 4
		c.ld = int64(delim)
	}
	alphabet := []byte{'a', 'b', 'c', ' ', '\r', '\n', ';', 0, delim}
	var b []byte
	for range 1 + r.IntN(3) {
		for range r.IntN(30) {
			b = append(b, oneOf(r, alphabet...))
		}
		if r.IntN(10) != 0 {
			b = append(b, delim)
		}
	}
	b = mutate(r, b)
	hint := len(b)
	if i := bytes.IndexByte(b, delim); i >= 0 {
		hint = i + 1
	}
	return sample{b, hint}
}

var (
	httpMethods = []string{"GET", "POST", "OPTIONS", "HEAD", "PUT", "DELETE", "TRACE", "get", "Get", "PATCH", "CONNECT", "M-SEARCH", "GE(T", "G\x7fT", "GÉT", "", "GET:"}
	httpBlanks  = []string{" ", " ", " ", "\t", "  ", " \t ", ""}
	httpURIs    = []string{
		"*", "/", "/a/b?c=d#e", "/%20x", "x", "**", "*x",
		"http://host/p", "HTTP://Host:80", "https://h:443/x?y", "hTTps://h:0/", "http://h:12a/",
		"http://h:99999999999/", "http://h:4294967296/x", "http://h:2147483648", "http://[::1]:4000/x", "http://",
		"https://:8080", "http://a:b:c/d", "http:/x", "httpx://h/", "scheme:rest", "mailto:a@b", "a:b:c", ":x",
		"ab", "/\x00\x80\xff", "host:8080", "x\ry",
	}
	httpVersions = []string{
		"HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.", "HTTP/.1", "HTTP/x.1", "HTTP/12.345",
		"http/1.1", "HTTP/1.1garbage", "HTTP/1.1 ", "HTTP/99999999999.1", "HTTP/1.4294967297", "H", "HTTP/", "HTTP/1",
		"XTTP/1.1", "HTTP/1.1\x00",
	}
	statusLines = []string{
		"HTTP/1.1 200 OK", "HTTP/1.0 404 Not  Found", "HTTP/1.1 200", "HTTP/1.1 200 ", "HTTP/1.1  ", "HTTP/1.1 OK",
		"HTTP/1.0\t404\tX", "HTTP/1.0 404X", "HTTP/1.0", "HTTP/", "HTTP/1.1 99999999999 Big", "HTTP/x.y 200 OK",
		"HTTP/1.1 200 OK\x00\xff", "HTTP/11.22 301 Moved Permanently", "HTTP/1.1 -1 Neg", "HTTP 200 OK", "HTTP/1.1 200OK",
	}
	lineEnds = []string{"\r\n", "\r\n", "\r\n", "\r\n", "\n", "\n", "\r", "", "\r\r\n", "\n\r\n", " \r\n"}
)

// genHTTP makes request and status lines, right and nearly right, with
// various line ends, sometimes followed by a header line.
func genHTTP(r *rand.Rand) sample {
	var line string
	switch r.IntN(8) {
	case 0, 1:
		line = oneOf(r, statusLines...)
	case 2:
		line = headerLine(r)
	default:
		line = oneOf(r, httpMethods...) + oneOf(r, httpBlanks...) + oneOf(r, httpURIs...)
		if r.IntN(6) != 0 {
			line += oneOf(r, httpBlanks...) + oneOf(r, httpVersions...)
		}
	}
	if r.IntN(10) == 0 {
		line = oneOf(r, "", "\r", " ") // blank lines
	}
	line += oneOf(r, lineEnds...)
	hint := len(line)
	if r.IntN(3) == 0 {
		line += headerLine(r) + "\r\n"
	}
	return sample{mutate(r, []byte(line)), hint}
}

// genHTTPH makes header lines: known names in any case, unknown and long
// names, bad names, folded values, blank lines, and cuts at the newline
// that an httph packet needs one more byte after.
func genHTTPH(r *rand.Rand) sample {
	var b strings.Builder
	if r.IntN(8) == 0 { // a blank line first, perhaps followed by a blank
		b.WriteString(oneOf(r, "\r\n", "\n", "\r\n", "\r", " \r\n") + oneOf(r, "", "", " ", "\t"))
	}
	for range 1 + r.IntN(3) {
		b.WriteString(headerLine(r))
		end := oneOf(r, lineEnds...)
		b.WriteString(end)
		for r.IntN(5) == 0 && end != "" { // folded continuation lines
			b.WriteString(oneOf(r, " ", "\t", "  ") + headerValue(r))
			end = oneOf(r, lineEnds...)
			b.WriteString(end)
		}
	}
	if r.IntN(3) == 0 {
		b.WriteString(oneOf(r, "\r\n", "\n"))
	}
	data := []byte(b.String())
	hint := len(data)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		hint = i + 1
		if r.IntN(6) == 0 { // cut just after the first newline
			return sample{data[:i+1], hint}
		}
	}
	return sample{mutate(r, data), hint}
}

func headerLine(r *rand.Rand) string {
	return headerName(r) + oneOf(r, ":", ":", ":", ":", ":", " :", "\t:", "", ";") + oneOf(r, "", " ", " ", "  \t ") + headerValue(r)
}

func headerName(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0, 1, 2, 3: // a known field in random case
		f := []byte(fields[r.IntN(len(fields))])
		for i, c := range f {
			if r.IntN(3) == 0 {
				f[i] = oneOf(r, upper(c), lower(c))
			}
		}
		return string(f)
	case 4: // around OTP's 50-byte limit
		n := oneOf(r, 49, 50, 51, 52, 60)
		f := make([]byte, n)
		for i := range f {
			f[i] = oneOf(r, byte('a'), 'B', '-', 'c')
		}
		return string(f)
	case 5:
		return oneOf(r, "", "Fo o", "Fo(o", "a\x7fb", "\x80x", "Content-Length ", "X")
	}
	return oneOf(r, "X-Foo", "x-foo-BAR", "--x-y", "a--b", "-", "CONTENT-length", "x-forwarded-for", "Set-Cookie2", "set-cookie3", "Etag", "ETag", "Www-authenticate")
}

func headerValue(r *rand.Rand) string {
	return oneOf(r, "", "5", "text/html; charset=utf-8", "a b ", "\t x", "gzip, deflate", "\x00\xff", "::1", "x\ry")
}

// generateStream makes a stream of several packets of typ, some of them
// near misses, for a socket with a small buffer and perhaps packet_size.
func generateStream(r *rand.Rand, typ Type) streamCase {
	c := streamCase{typ: typ, buf: 1 + r.IntN(40)}
	if r.IntN(4) == 0 {
		c.buf = oneOf(r, 64, 256, 1460)
	}
	if r.IntN(3) == 0 {
		c.flags |= 1
		c.ps = int64(r.IntN(100))
	}
	var data []byte
	switch typ {
	case Line:
		var oc oracleCase
		for range 1 + r.IntN(4) {
			data = append(data, genLine(r, &oc).data...)
		}
		c.flags |= oc.flags & 4
		c.ld = oc.ld
	case HTTP, HTTPBin:
		for range 1 + r.IntN(2) {
			data = append(data, genHTTP(r).data...)
			for range r.IntN(4) {
				data = append(data, genHTTPH(r).data...)
			}
			data = append(data, oneOf(r, "\r\n", "\n", "")...)
		}
	case HTTPH, HTTPHBin:
		for range 1 + r.IntN(4) {
			data = append(data, genHTTPH(r).data...)
		}
	default:
		for range 1 + r.IntN(4) {
			data = append(data, generators[typ](r).data...)
		}
	}
	c.data = data
	return c
}
