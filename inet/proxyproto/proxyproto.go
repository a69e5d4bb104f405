// Package proxyproto reads and writes the header of HAProxy's PROXY
// protocol, versions 1 (text) and 2 (binary), Ranch's ranch_proxy_header:
// the line or block a proxy or load balancer sends first on a connection
// it forwards, which gives the server the client's address.
//
// Parse takes the first bytes of a connection and answers in three ways,
// as a bufio.SplitFunc does: a header and how many bytes it took, need
// more (ErrIncomplete: read on and call again), or a *HeaderError (not a
// header, or a bad one: close the connection). It never waits for bytes a
// header cannot have: a connection that does not start as a header fails
// on its first byte that differs, and a version 1 line longer than 107
// bytes fails.
//
// Version 2's TLVs are all kept, in order, in Header.TLVs; Header.TLV
// finds one, and ALPN, Authority, UniqueID, NetNS and SSL read the ones the
// protocol defines. A CRC32C TLV is checked, as Ranch checks it.
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
)

// Command is what a header says of its connection.
type Command uint8

const (
	// Proxy connections are forwarded for a client: the header's addresses
	// are the client's and the one it connected to.
	Proxy Command = iota
	// Local connections are the proxy's own (health checks): a version 2
	// header with no addresses, whose connection's own endpoints are the
	// ones to use.
	Local
)

// String returns "PROXY" or "LOCAL".
func (c Command) String() string {
	if c == Local {
		return "LOCAL"
	}
	return "PROXY"
}

// Family is a header's address family.
type Family uint8

const (
	// Unspec is version 1's UNKNOWN and version 2's AF_UNSPEC: no
	// addresses, the connection's own endpoints are the ones to use.
	Unspec Family = iota
	// INET is TCP4 (version 1) and AF_INET (version 2).
	INET
	// INET6 is TCP6 (version 1) and AF_INET6 (version 2).
	INET6
	// UNIX is AF_UNIX (version 2 only): the addresses are paths.
	UNIX
)

// String returns "UNSPEC", "INET", "INET6" or "UNIX".
func (f Family) String() string {
	switch f {
	case INET:
		return "INET"
	case INET6:
		return "INET6"
	case UNIX:
		return "UNIX"
	}
	return "UNSPEC"
}

// Transport is a header's transport protocol.
type Transport uint8

const (
	// UnspecTransport is version 2's UNSPEC (and version 1's UNKNOWN).
	UnspecTransport Transport = iota
	// Stream is TCP, or a SOCK_STREAM UNIX socket; version 1's TCP4 and
	// TCP6.
	Stream
	// Dgram is UDP, or a SOCK_DGRAM UNIX socket.
	Dgram
)

// The TLV types version 2 defines (PP2_TYPE_*).
const (
	TypeALPN      byte = 0x01
	TypeAuthority byte = 0x02
	TypeCRC32C    byte = 0x03
	TypeNoop      byte = 0x04
	TypeUniqueID  byte = 0x05
	TypeSSL       byte = 0x20
	TypeNetNS     byte = 0x30
)

// The sub-types of a TypeSSL TLV (PP2_SUBTYPE_SSL_*).
const (
	SubtypeSSLVersion byte = 0x21
	SubtypeSSLCN      byte = 0x22
	SubtypeSSLCipher  byte = 0x23
	SubtypeSSLSigAlg  byte = 0x24
	SubtypeSSLKeyAlg  byte = 0x25
)

// The bits of SSL.Client (PP2_CLIENT_*).
const (
	ClientSSL      byte = 0x01
	ClientCertConn byte = 0x02
	ClientCertSess byte = 0x04
)

// Sizes of headers.
const (
	// MaxV1 is the longest version 1 line, "\r\n" included.
	MaxV1 = 107
	// MaxV2 is the longest version 2 header: 16 bytes and a length of
	// 65535.
	MaxV2 = 16 + 65535
)

// Header is a PROXY protocol header, Ranch's proxy_info().
type Header struct {
	Version   int // 1 or 2
	Command   Command
	Family    Family
	Transport Transport
	// Source and Destination are the client's address and the one it
	// connected to, for INET and INET6.
	Source, Destination netip.AddrPort
	// SourcePath and DestinationPath are the addresses of UNIX.
	SourcePath, DestinationPath string
	// TLVs are version 2's type-length-values, in the header's order, the
	// known types and the unknown ones alike (Ranch's raw_tlvs holds the
	// unknown ones only). Their values share the bytes given to Parse.
	TLVs []TLV
}

// TLV is one type-length-value of a version 2 header.
type TLV struct {
	Type  byte
	Value []byte
}

// SSL is a TypeSSL TLV: what the proxy knows of the client's TLS
// connection.
type SSL struct {
	// Client holds the ClientSSL, ClientCertConn and ClientCertSess bits.
	Client byte
	// Verified reports whether the client's certificate was verified
	// (the TLV's verify field is 0).
	Verified bool
	// Version, CN, Cipher, SigAlg and KeyAlg are the sub-TLVs' values
	// ("TLSv1.3", ...), empty when absent.
	Version, CN, Cipher, SigAlg, KeyAlg string
	// TLVs are all the sub-TLVs, in order, the unknown ones included.
	TLVs []TLV
}

// ErrIncomplete is Parse's answer to bytes that begin a header and do not
// finish it: read more and call Parse again with all of them.
var ErrIncomplete = errors.New("proxyproto: incomplete header")

// HeaderError is a bad header, or bytes that are not one: its Reason says
// what, with the section of the specification, as Ranch's do.
type HeaderError struct {
	Reason string
}

func (e *HeaderError) Error() string { return "proxyproto: " + e.Reason }

func bad(reason string) error { return &HeaderError{Reason: reason} }

var (
	sigV1 = []byte("PROXY ")
	sigV2 = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// Parse reads the header at the start of b: it returns it and the number
// of bytes it takes; ErrIncomplete if b is the start of a header and more
// bytes are needed; or a *HeaderError. The header's TLVs share b's bytes.
func Parse(b []byte) (*Header, int, error) {
	for _, v := range [...]struct {
		sig   []byte
		parse func([]byte) (*Header, int, error)
	}{{sigV1, parseV1}, {sigV2, parseV2}} {
		n := min(len(b), len(v.sig))
		switch {
		case !bytes.Equal(b[:n], v.sig[:n]):
		case n < len(v.sig):
			return nil, 0, ErrIncomplete // b is empty, or the start of the signature
		default:
			return v.parse(b)
		}
	}
	return nil, 0, bad("The PROXY protocol header signature was not recognized. (PP 2.1, PP 2.2)")
}

// parseV1 reads a version 1 line, b beginning with "PROXY ".
func parseV1(b []byte) (*Header, int, error) {
	end := bytes.Index(b[:min(len(b), MaxV1)], []byte("\r\n"))
	if end < 0 {
		if len(b) >= MaxV1 || bytes.IndexByte(b[:min(len(b), MaxV1)], '\n') >= 0 {
			return nil, 0, bad("Malformed or incomplete PROXY protocol header line. (PP 2.1)")
		}
		return nil, 0, ErrIncomplete
	}
	n := end + 2
	line := b[len(sigV1):end]
	h := &Header{Version: 1, Command: Proxy}
	var fields [6][]byte // the protocol, 4 more, and what is too many
	nf := 0
	for rest := line; nf < len(fields); nf++ {
		f, after, more := bytes.Cut(rest, []byte(" "))
		fields[nf] = f
		if !more {
			nf++
			break
		}
		rest = after
	}
	switch string(fields[0]) {
	case "UNKNOWN":
		return h, n, nil // the rest of the line is to be ignored
	case "TCP4":
		h.Family, h.Transport = INET, Stream
	case "TCP6":
		h.Family, h.Transport = INET6, Stream
	default:
		return nil, 0, bad("The INET protocol and family string was not recognized. (PP 2.1)")
	}
	if nf != 5 {
		return nil, 0, bad("Malformed or incomplete PROXY protocol header line. (PP 2.1)")
	}
	src, ok1 := parseIP(fields[1], h.Family)
	dst, ok2 := parseIP(fields[2], h.Family)
	if !ok1 || !ok2 {
		if h.Family == INET {
			return nil, 0, bad("Failed to parse an IPv4 address in the PROXY protocol header line. (PP 2.1)")
		}
		return nil, 0, bad("Failed to parse an IPv6 address in the PROXY protocol header line. (PP 2.1)")
	}
	sp, ok1 := parsePort(fields[3])
	dp, ok2 := parsePort(fields[4])
	if !ok1 || !ok2 {
		return nil, 0, bad("Failed to parse a port number in the PROXY protocol header line. (PP 2.1)")
	}
	h.Source, h.Destination = netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)
	return h, n, nil
}

// parseIP reads an address of family f: dotted-quad for INET, IPv6 text
// without a zone for INET6. An IPv4-mapped address in its dotted form
// ("::ffff:192.0.2.1") is read too, though the specification asks for hex
// groups: HAProxy 2.6 writes it so (inet_ntop's form), as in "PROXY TCP6
// ::ffff:127.0.0.1 ::ffff:127.0.0.1 ..." for an IPv4 client of a v4v6
// listener, and HAProxy and Ranch read it. Append writes it so too.
func parseIP(s []byte, f Family) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(string(s))
	switch {
	case err != nil, ip.Zone() != "":
		return netip.Addr{}, false
	case f == INET:
		return ip, ip.Is4()
	default:
		return ip, ip.Is6()
	}
}

// parsePort reads a port: 1 to 5 decimal digits, at most 65535, without a
// leading zero, which the specification refuses (Ranch reads "0080" as
// 80). The specification allows 0, which Ranch refuses.
func parsePort(s []byte) (uint16, bool) {
	if len(s) == 0 || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	p := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		p = p*10 + int(c-'0')
	}
	if p > 65535 {
		return 0, false
	}
	return uint16(p), true
}

// parseV2 reads a version 2 header, b beginning with its signature.
func parseV2(b []byte) (*Header, int, error) {
	if len(b) < 16 {
		return nil, 0, ErrIncomplete
	}
	verCmd, famProto := b[12], b[13]
	local := verCmd&0xf == 0 // LOCAL is 0 on the wire, PROXY 1
	switch {
	case verCmd>>4 != 2:
		return nil, 0, bad("Invalid version in the PROXY protocol binary header. (PP 2.2)")
	case verCmd&0xf > 1:
		return nil, 0, bad("Invalid command in the PROXY protocol binary header. (PP 2.2)")
	case local:
		// The family and transport of LOCAL are ignored, whatever they
		// are, as the specification says and HAProxy and Ranch do.
	case famProto>>4 > 3:
		return nil, 0, bad("Invalid address family in the PROXY protocol binary header. (PP 2.2)")
	case famProto&0xf > 2:
		return nil, 0, bad("Invalid transport protocol in the PROXY protocol binary header. (PP 2.2)")
	}
	length := int(binary.BigEndian.Uint16(b[14:16]))
	n := 16 + length
	if len(b) < n {
		return nil, 0, ErrIncomplete
	}
	h := &Header{Version: 2}
	if local {
		h.Command = Local
		// The addresses, if any, are to be ignored: the connection's own
		// endpoints are the ones to use.
		return h, n, nil
	}
	h.Family, h.Transport = Family(famProto>>4), Transport(famProto&0xf)
	if h.Family == Unspec || h.Transport == UnspecTransport {
		// Either unknown makes both so, as Ranch's: the rest is skipped.
		h.Family, h.Transport = Unspec, UnspecTransport
		return h, n, nil
	}
	body := b[16:n]
	var addrLen int
	switch h.Family {
	case INET:
		addrLen = 12
		if len(body) >= addrLen {
			h.Source = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:10]))
			h.Destination = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[4:8])), binary.BigEndian.Uint16(body[10:12]))
		}
	case INET6:
		addrLen = 36
		if len(body) >= addrLen {
			h.Source = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])), binary.BigEndian.Uint16(body[32:34]))
			h.Destination = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[16:32])), binary.BigEndian.Uint16(body[34:36]))
		}
	case UNIX:
		addrLen = 216
		if len(body) >= addrLen {
			src, dst := cString(body[0:108]), cString(body[108:216])
			if src == "" || dst == "" {
				return nil, 0, bad("Invalid UNIX address in PROXY protocol binary header. (PP 2.2)")
			}
			h.SourcePath, h.DestinationPath = src, dst
		}
	}
	if len(body) < addrLen {
		return nil, 0, bad("Invalid length in the PROXY protocol binary header. (PP 2.2)")
	}
	tlvs, err := parseTLVs(body[addrLen:])
	if err != nil {
		return nil, 0, err
	}
	h.TLVs = tlvs
	at := 16 + addrLen
	for _, t := range tlvs {
		if err := checkTLV(b[:n], at, t); err != nil {
			return nil, 0, err
		}
		at += 3 + len(t.Value)
	}
	return h, n, nil
}

// cString is the text of a NUL-padded path; empty if it has no NUL.
func cString(b []byte) string {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return ""
	}
	return string(b[:i])
}

// parseTLVs splits b into its TLVs. It counts them first and allocates
// the slice once, of their exact number: a 64 KB header can hold 21845
// empty TLVs, whose slice grown by append would cost megabytes.
func parseTLVs(b []byte) ([]TLV, error) {
	n := 0
	for rest := b; len(rest) > 0; n++ {
		if len(rest) < 3 {
			return nil, bad("Invalid TLV length in the PROXY protocol binary header. (PP 2.2)")
		}
		l := int(binary.BigEndian.Uint16(rest[1:3]))
		if len(rest) < 3+l {
			return nil, bad("Invalid TLV length in the PROXY protocol binary header. (PP 2.2)")
		}
		rest = rest[3+l:]
	}
	if n == 0 {
		return nil, nil
	}
	tlvs := make([]TLV, n)
	for i := range tlvs {
		l := int(binary.BigEndian.Uint16(b[1:3]))
		tlvs[i] = TLV{Type: b[0], Value: b[3 : 3+l : 3+l]}
		b = b[3+l:]
	}
	return tlvs, nil
}

// castagnoli is CRC32C's table.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkTLV checks a TLV whose type the protocol defines: header is the
// whole header, at is where t starts in it.
func checkTLV(header []byte, at int, t TLV) error {
	switch t.Type {
	case TypeCRC32C:
		if len(t.Value) != 4 {
			return bad("Invalid TLV length in the PROXY protocol binary header. (PP 2.2)")
		}
		// The checksum of the whole header with the checksum's field
		// zeroed.
		c := crc32.Update(0, castagnoli, header[:at+3])
		c = crc32.Update(c, castagnoli, []byte{0, 0, 0, 0})
		c = crc32.Update(c, castagnoli, header[at+7:])
		if c != binary.BigEndian.Uint32(t.Value) {
			return bad("Failed CRC32C verification in PROXY protocol binary header. (PP 2.2)")
		}
	case TypeUniqueID:
		if len(t.Value) > 128 {
			return bad("Invalid TLV length in the PROXY protocol binary header. (PP 2.2, PP 2.2.5)")
		}
	case TypeSSL:
		if _, err := parseSSL(t.Value); err != nil {
			return err
		}
	}
	return nil
}

// parseSSL reads a TypeSSL TLV's value. Unknown sub-types are kept, not
// refused as Ranch refuses them: the specification tells receivers to
// ignore what they do not know.
func parseSSL(v []byte) (*SSL, error) {
	if len(v) < 5 {
		return nil, bad("Invalid TLV length in the PROXY protocol binary header. (PP 2.2)")
	}
	s := &SSL{Client: v[0], Verified: binary.BigEndian.Uint32(v[1:5]) == 0}
	subs, err := parseTLVs(v[5:])
	if err != nil {
		return nil, err
	}
	s.TLVs = subs
	for _, t := range subs {
		switch t.Type {
		case SubtypeSSLVersion:
			s.Version = string(t.Value)
		case SubtypeSSLCN:
			s.CN = string(t.Value)
		case SubtypeSSLCipher:
			s.Cipher = string(t.Value)
		case SubtypeSSLSigAlg:
			s.SigAlg = string(t.Value)
		case SubtypeSSLKeyAlg:
			s.KeyAlg = string(t.Value)
		}
	}
	return s, nil
}

// TLV returns the value of the first TLV of type t, and whether there is
// one.
func (h *Header) TLV(t byte) ([]byte, bool) {
	for _, x := range h.TLVs {
		if x.Type == t {
			return x.Value, true
		}
	}
	return nil, false
}

// ALPN returns the TypeALPN TLV: the protocol the client negotiated with
// the proxy ("h2", ...), or "".
func (h *Header) ALPN() string { v, _ := h.TLV(TypeALPN); return string(v) }

// Authority returns the TypeAuthority TLV: the host name the client asked
// for (TLS's SNI), or "".
func (h *Header) Authority() string { v, _ := h.TLV(TypeAuthority); return string(v) }

// UniqueID returns the TypeUniqueID TLV, the proxy's identifier of the
// connection, or nil.
func (h *Header) UniqueID() []byte { v, _ := h.TLV(TypeUniqueID); return v }

// NetNS returns the TypeNetNS TLV, the network namespace's name, or "".
func (h *Header) NetNS() string { v, _ := h.TLV(TypeNetNS); return string(v) }

// SSL returns the TypeSSL TLV, or nil if there is none.
func (h *Header) SSL() *SSL {
	v, ok := h.TLV(TypeSSL)
	if !ok {
		return nil
	}
	s, _ := parseSSL(v) // checked by Parse
	return s
}

// String returns the header as version 1 writes it, less its "\r\n"
// ("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443"), with "UDP4" or "UDP6"
// for a Dgram transport, which version 1 has not; "LOCAL" for a LOCAL
// header, "PROXY UNIX" and the paths for UNIX, and "PROXY <invalid: ...>"
// with the reason for a header Append cannot write (addresses not of the
// family, an unknown command or family).
func (h *Header) String() string {
	switch {
	case h.Command == Local:
		return "LOCAL"
	case h.Command != Proxy:
		return invalid(bad("Bad command."))
	case h.Family == Unspec:
		return "PROXY UNKNOWN"
	case h.Family == UNIX:
		return "PROXY UNIX " + h.SourcePath + " " + h.DestinationPath
	case h.Family != INET && h.Family != INET6:
		return invalid(bad("Bad family."))
	}
	b, err := h.appendLine(nil)
	if err != nil {
		return invalid(err)
	}
	return string(b)
}

// invalid is String's text for a header it cannot show.
func invalid(err error) string { return "PROXY <invalid: " + err.Error() + ">" }
