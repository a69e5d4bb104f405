package inet

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// einvalError is the {error, einval} of a parse or look-up called op.
func einvalError(op string) error { return &Error{Op: op, Err: syscall.EINVAL} }

// ParseAddress is inet:parse_address/1: an IPv4 address in any form
// ParseIPv4Address accepts, or else an IPv6 address as
// ParseIPv6StrictAddress accepts it. Anything else is an *Error with reason
// einval (syscall.EINVAL).
//
// netip.Addr is this package's spelling of inet's ip_address(). A 4-byte
// Addr (netip.AddrFrom4, Addr.Is4) is an ip4_address() {A,B,C,D}; a
// 16-byte Addr (netip.AddrFrom16, Addr.Is6) is an ip6_address(), the
// 8-tuple of its big-endian 16-bit words. An IPv4-mapped IPv6 address such
// as {0,0,0,0,0,16#FFFF,16#0102,16#0304} is the 16-byte Addr
// ::ffff:1.2.3.4, never the 4-byte 1.2.3.4: Is4In6 reports it, and
// IPv4MappedIPv6Address converts between the two as inet does. An
// ip_address() has no zone, so the functions here ignore an Addr's zone
// and never return one. Instead, as in OTP, a numeric scope of a link-local
// fe80:: or multicast ff02:: address lives in the address's second word:
// ParseAddress("fe80::1%05") is fe80:5::1, which Ntoa prints back as
// "fe80::1%05".
func ParseAddress(s string) (netip.Addr, error) {
	if a, ok := parseIPv4(s); ok {
		return a, nil
	}
	if a, ok := parseIPv6(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_address")
}

// ParseStrictAddress is inet:parse_strict_address/1: an IPv4 address as
// ParseIPv4StrictAddress accepts it, or else an IPv6 address as
// ParseIPv6StrictAddress does; einval otherwise.
func ParseStrictAddress(s string) (netip.Addr, error) {
	if a, ok := parseIPv4Strict(s); ok {
		return a, nil
	}
	if a, ok := parseIPv6(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_strict_address")
}

// ParseIPv4Address is inet:parse_ipv4_address/1, which accepts the BSD
// inet_aton forms: "d1.d2.d3.d4", "d1.d2.d4", "d1.d4" and "d4", where the
// last part fills the remaining bytes ("127.1" is 127.0.0.1) and each part
// is decimal, octal with a leading 0, or hexadecimal with a leading 0x or
// 0X. Like OTP it also takes a sign on a decimal or hexadecimal part
// ("+1.2.3.4", "1.2.3.-0") and refuses "0x" with no digit but zeros
// ("0x0"). Anything else is einval.
func ParseIPv4Address(s string) (netip.Addr, error) {
	if a, ok := parseIPv4(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_ipv4_address")
}

// ParseIPv4StrictAddress is inet:parse_ipv4strict_address/1: exactly four
// decimal parts of 0..255 without leading zeros. Like OTP, it takes a sign
// on a part ("+1.2.3.4").
func ParseIPv4StrictAddress(s string) (netip.Addr, error) {
	if a, ok := parseIPv4Strict(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_ipv4strict_address")
}

// ParseIPv6Address is inet:parse_ipv6_address/1: an IPv4 address in any
// form ParseIPv4Address accepts, returned IPv4-mapped (::ffff:a.b.c.d), or
// else an IPv6 address as ParseIPv6StrictAddress accepts it.
func ParseIPv6Address(s string) (netip.Addr, error) {
	if a, ok := parseIPv4(s); ok {
		return IPv4MappedIPv6Address(a), nil
	}
	if a, ok := parseIPv6(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_ipv6_address")
}

// ParseIPv6StrictAddress is inet:parse_ipv6strict_address/1: RFC 4291
// text, up to eight groups of one to four hex digits with at most one "::",
// optionally ending in a dotted IPv4 address ("::ffff:1.2.3.4"), and
// optionally followed by a scope: "%" and any text. OTP accepts a scope
// only on an fe80::/16 or ff02::/16 address whose second word is zero, and
// puts a scope of the form "0" followed by a decimal number ("%05") in that
// word; any other scope ("%eth0") counts as zero. Anything else is einval.
func ParseIPv6StrictAddress(s string) (netip.Addr, error) {
	if a, ok := parseIPv6(s); ok {
		return a, nil
	}
	return netip.Addr{}, einvalError("parse_ipv6strict_address")
}

// IPv4MappedIPv6Address is inet:ipv4_mapped_ipv6_address/1: an IPv4
// address becomes the IPv4-mapped IPv6 address ::ffff:a.b.c.d, and an IPv6
// address becomes the IPv4 address of its last 32 bits (whatever its first
// 96 are, as in OTP). The zero Addr stays zero.
func IPv4MappedIPv6Address(a netip.Addr) netip.Addr {
	switch {
	case a.Is4():
		return netip.AddrFrom16(a.As16())
	case a.Is6():
		b := a.As16()
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.Addr{}
}

// Ntoa is inet:ntoa/1: an IPv4 address in dotted decimal; an IPv6 address
// in lower-case hex words with the longest run of two or more zero words
// (the first of equally long runs) written "::", except that ::a.b.c.d
// (IPv4-compatible, other than :: and ::1) and ::ffff:a.b.c.d
// (IPv4-mapped) end in dotted decimal, and a nonzero second word of an
// fe80::/16 or ff02::/16 address is printed as a scope: fe80:5::1 is
// "fe80::1%05". The zone of a is ignored. The zero Addr, which is no
// ip_address() (inet:ntoa returns {error, einval}), gives "".
func Ntoa(a netip.Addr) string {
	switch {
	case a.Is4():
		b := a.As4()
		return strconv.Itoa(int(b[0])) + "." + strconv.Itoa(int(b[1])) + "." +
			strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[3]))
	case !a.Is6():
		return ""
	}
	w := addrWords(a)
	if w[0]|w[1]|w[2]|w[3]|w[4] == 0 {
		switch {
		case w[5]|w[6] == 0 && w[7] <= 1:
			if w[7] == 0 {
				return "::"
			}
			return "::1"
		case w[5] == 0:
			return "::" + dottedWords(w[6], w[7])
		case w[5] == 0xffff:
			return "::ffff:" + dottedWords(w[6], w[7])
		}
	}
	if (w[0] == 0xfe80 || w[0] == 0xff02) && w[1] != 0 {
		scope := w[1]
		w[1] = 0
		return compressWords(w) + "%0" + strconv.Itoa(int(scope))
	}
	return compressWords(w)
}

// addrWords returns the eight 16-bit words of a 16-byte address.
func addrWords(a netip.Addr) [8]uint16 {
	b := a.As16()
	var w [8]uint16
	for i := range w {
		w[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return w
}

// dottedWords writes two words as the dotted decimal of their four bytes.
func dottedWords(hi, lo uint16) string {
	return strconv.Itoa(int(hi>>8)) + "." + strconv.Itoa(int(hi&0xff)) + "." +
		strconv.Itoa(int(lo>>8)) + "." + strconv.Itoa(int(lo&0xff))
}

// compressWords writes eight words in hex, replacing the longest run of at
// least two zero words, the first one if several are as long, with "::",
// as inet_parse:ntoa/1's state machine does.
func compressWords(w [8]uint16) string {
	start, n := -1, 1
	for i := 0; i < len(w); {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < len(w) && w[j] == 0 {
			j++
		}
		if j-i > n {
			start, n = i, j-i
		}
		i = j
	}
	hex := func(ws []uint16) string {
		s := make([]string, len(ws))
		for i, x := range ws {
			s[i] = strconv.FormatUint(uint64(x), 16)
		}
		return strings.Join(s, ":")
	}
	if start < 0 {
		return hex(w[:])
	}
	return hex(w[:start]) + "::" + hex(w[start+n:])
}

// parseIPv4 is inet_parse:ipv4_address/1.
func parseIPv4(s string) (netip.Addr, bool) {
	var ds []uint64 // the parts, in order
	rest := s
	for {
		if len(ds) == 4 {
			return netip.Addr{}, false // extra characters after four parts
		}
		var base, max int
		var prefix string
		switch {
		case strings.HasPrefix(rest, "0x"), strings.HasPrefix(rest, "0X"):
			rest, base, max = strip0(rest[2:]), 16, 8
		case strings.HasPrefix(rest, "0"):
			rest, base, max, prefix = strip0(rest[1:]), 8, 11, "0"
		default:
			base, max = 10, 10
		}
		d, after, ok := ipv4Field(rest, max, prefix, base)
		if !ok {
			return netip.Addr{}, false
		}
		ds = append(ds, d)
		if after == "" {
			break
		}
		if len(after) < 2 { // a lone trailing "."
			return netip.Addr{}, false
		}
		rest = after[1:]
	}
	var b [4]byte
	switch len(ds) {
	case 1:
		if ds[0] >= 1<<32 {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(ds[0] >> 24), byte(ds[0] >> 16), byte(ds[0] >> 8), byte(ds[0])}
	case 2:
		if ds[0] >= 1<<8 || ds[1] >= 1<<24 {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(ds[0]), byte(ds[1] >> 16), byte(ds[1] >> 8), byte(ds[1])}
	case 3:
		if ds[0] >= 1<<8 || ds[1] >= 1<<8 || ds[2] >= 1<<16 {
			return netip.Addr{}, false
		}
		b = [4]byte{byte(ds[0]), byte(ds[1]), byte(ds[2] >> 8), byte(ds[2])}
	case 4:
		for i, d := range ds {
			if d >= 1<<8 {
				return netip.Addr{}, false
			}
			b[i] = byte(d)
		}
	}
	return netip.AddrFrom4(b), true
}

// strip0 drops leading '0's.
func strip0(s string) string { return strings.TrimLeft(s, "0") }

// parseIPv4Strict is inet_parse:ipv4strict_address/1.
func parseIPv4Strict(s string) (netip.Addr, bool) {
	var b [4]byte
	n := 0
	rest := s
	for {
		if n == 4 {
			return netip.Addr{}, false
		}
		var d uint64
		after := ""
		switch {
		case rest == "0":
		case strings.HasPrefix(rest, "0."):
			after = rest[1:]
		default:
			var ok bool
			if d, after, ok = ipv4Field(rest, 3, "", 10); !ok || d > 255 {
				return netip.Addr{}, false
			}
		}
		b[n] = byte(d)
		n++
		if after == "" {
			break
		}
		// OTP takes "0." without looking past it, and then fails on an
		// empty part; other parts need a character after the '.'.
		rest = after[1:]
	}
	if n != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}

// ipv4Field is inet_parse:ipv4_field/4: the part of s up to the next '.',
// at most max characters after prefix, as an integer in base, and what
// follows it (empty or starting with '.'). As in OTP, a part may not start
// with '0' unless prefix is given, and may carry a sign.
func ipv4Field(s string, max int, prefix string, base int) (uint64, string, bool) {
	i := 0
	for i < len(s) && s[i] != '.' {
		if s[i] == '0' && i == 0 && prefix == "" {
			return 0, "", false
		}
		if i == max {
			return 0, "", false
		}
		i++
	}
	d, ok := listToInteger(prefix+s[:i], base)
	return d, s[i:], ok
}

// listToInteger is erlang:list_to_integer/2 for a non-negative result: an
// optional sign and at least one digit of base. "-0" is 0.
func listToInteger(s string, base int) (uint64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var d uint64
	for i := 0; i < len(s); i++ {
		v, ok := hexDigit(s[i])
		if !ok || v >= base {
			return 0, false
		}
		d = d*uint64(base) + uint64(v) // at most 12 characters: no overflow
	}
	if neg && d != 0 {
		return 0, false
	}
	return d, true
}

// hexDigit is the value of a digit or letter, for bases up to 16.
func hexDigit(c byte) (int, bool) {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0'), true
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// parseIPv6 is inet_parse:ipv6strict_address/1.
func parseIPv6(s string) (netip.Addr, bool) {
	switch {
	case s == "::":
		return netip.IPv6Unspecified(), true
	case strings.HasPrefix(s, "::"):
		return ipv6After(s[2:], nil, nil)
	}
	return ipv6Before(s, nil)
}

// hex4 reads one to four hex digits: their value, their text, and the rest.
func hex4(s string) (uint16, string, string, bool) {
	var v uint16
	i := 0
	for ; i < len(s) && i < 4; i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			break
		}
		v = v<<4 | uint16(d)
	}
	return v, s[:i], s[i:], i > 0
}

// ipv6Before reads the words before a "::" (inet_parse:ipv6_addr/3); a
// holds the words read so far.
func ipv6Before(s string, a []uint16) (netip.Addr, bool) {
	for {
		h, digits, rest, ok := hex4(s)
		if !ok {
			return netip.Addr{}, false
		}
		n := len(a)
		switch {
		case strings.HasPrefix(rest, "%") && n == 7:
			return ipv6Scope(rest[1:], append(a, h), nil)
		case rest == "" && n == 7:
			return ipv6Done(append(a, h), nil)
		case strings.HasPrefix(rest, "::%") && n <= 6:
			return ipv6Scope(rest[3:], append(a, h), nil)
		case rest == "::" && n <= 6:
			return ipv6Done(append(a, h), nil)
		case strings.HasPrefix(rest, "::") && n <= 5:
			return ipv6After(rest[2:], append(a, h), nil)
		case strings.HasPrefix(rest, ":") && n <= 6:
			s, a = rest[1:], append(a, h)
		case strings.HasPrefix(rest, ".") && n == 6:
			v4, ok := parseIPv4Strict(digits + rest)
			if !ok {
				return netip.Addr{}, false
			}
			return ipv6Done(a, v4Words(v4))
		default:
			return netip.Addr{}, false
		}
	}
}

// ipv6After reads the words after a "::" (inet_parse:ipv6_addr/4): a holds
// the words before it, b those read after it so far.
func ipv6After(s string, a, b []uint16) (netip.Addr, bool) {
	for {
		h, digits, rest, ok := hex4(s)
		if !ok {
			return netip.Addr{}, false
		}
		n := len(a) + len(b)
		switch {
		case strings.HasPrefix(rest, "%") && n <= 6:
			return ipv6Scope(rest[1:], a, append(b, h))
		case rest == "" && n <= 6:
			return ipv6Done(a, append(b, h))
		case strings.HasPrefix(rest, ":") && n <= 5:
			s, b = rest[1:], append(b, h)
		case strings.HasPrefix(rest, ".") && n <= 5:
			v4, ok := parseIPv4Strict(digits + rest)
			if !ok {
				return netip.Addr{}, false
			}
			return ipv6Done(a, append(b, v4Words(v4)...))
		default:
			return netip.Addr{}, false
		}
	}
}

// v4Words returns an IPv4 address as two words.
func v4Words(a netip.Addr) []uint16 {
	b := a.As4()
	return []uint16{uint16(b[0])<<8 | uint16(b[1]), uint16(b[2])<<8 | uint16(b[3])}
}

// ipv6Words fills the gap between a and b with zero words.
func ipv6Words(a, b []uint16) ([8]uint16, bool) {
	var w [8]uint16
	if len(a)+len(b) > 8 {
		return w, false
	}
	copy(w[:], a)
	copy(w[8-len(b):], b)
	return w, true
}

// ipv6Done is inet_parse:ipv6_addr_done/3.
func ipv6Done(a, b []uint16) (netip.Addr, bool) {
	w, ok := ipv6Words(a, b)
	if !ok {
		return netip.Addr{}, false
	}
	return addrFromWords(w), true
}

// ipv6Scope is inet_parse:ipv6_addr_scope/5: scope is the text after '%',
// a and b the words before and after "::".
func ipv6Scope(scope string, a, b []uint16) (netip.Addr, bool) {
	var id uint16
	if strings.HasPrefix(scope, "0") {
		v := 0
		for i := 1; i < len(scope); i++ {
			c := scope[i]
			if c < '0' || c > '9' {
				return netip.Addr{}, false
			}
			if v = 10*v + int(c-'0'); v > 0xffff {
				return netip.Addr{}, false
			}
		}
		id = uint16(v)
	}
	// OTP's first clause, for a single word before "::", gives the same
	// address as this: the second word is then one the "::" fills.
	w, ok := ipv6Words(a, b)
	if !ok || w[0] != 0xfe80 && w[0] != 0xff02 || w[1] != 0 {
		return netip.Addr{}, false
	}
	w[1] = id
	return addrFromWords(w), true
}

// addrFromWords builds a 16-byte Addr.
func addrFromWords(w [8]uint16) netip.Addr {
	var b [16]byte
	for i, x := range w {
		b[2*i], b[2*i+1] = byte(x>>8), byte(x)
	}
	return netip.AddrFrom16(b)
}

// addrTerm writes an address as Erlang writes its tuple: "{127,0,0,1}",
// "{0,0,0,0,0,0,0,1}".
func addrTerm(a netip.Addr) string {
	var parts []string
	switch {
	case a.Is4():
		for _, x := range a.As4() {
			parts = append(parts, strconv.Itoa(int(x)))
		}
	case a.Is6():
		for _, x := range addrWords(a) {
			parts = append(parts, strconv.Itoa(int(x)))
		}
	default:
		return "undefined"
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Hostent is inet's hostent record (#hostent{} of kernel's inet.hrl), as
// GetHostByName and GetHostByAddr return it.
type Hostent struct {
	Name     string       // h_name: the official name of the host
	Aliases  []string     // h_aliases: other names, nil if none
	AddrType Family       // h_addrtype: Inet or Inet6
	Length   int          // h_length: 4 for Inet, 16 for Inet6
	AddrList []netip.Addr // h_addr_list: 4-byte addresses for Inet, 16-byte for Inet6
}

// hostResolver is the part of *net.Resolver the look-ups use; tests replace
// lookupResolver and osHostname.
type hostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupCNAME(ctx context.Context, host string) (string, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

var (
	lookupResolver hostResolver = net.DefaultResolver
	osHostname                  = os.Hostname
)

// GetAddr is inet:getaddr/2: the first address GetAddrs returns.
func GetAddr(host string, family Family) (netip.Addr, error) {
	return GetAddrContext(context.Background(), host, family)
}

// GetAddrContext is GetAddr with a context, as inet:getaddr/3 takes a
// timeout.
func GetAddrContext(ctx context.Context, host string, family Family) (netip.Addr, error) {
	addrs, err := getAddrs(ctx, "getaddr", host, family)
	if err != nil {
		return netip.Addr{}, err
	}
	return addrs[0], nil
}

// GetAddrs is inet:getaddrs/2: the addresses of host for family (Inet or
// Inet6). An address literal of the family returns itself, parsed as
// ParseIPv4Address (for Inet) or ParseIPv6StrictAddress (for Inet6) does:
// "127.1" is 127.0.0.1. A host that is empty or holds a character outside
// ASCII '!'..'~', and a family other than Inet and Inet6, are einval; a
// host that does not resolve, including a literal of the other family, is
// nxdomain (ErrNxdomain).
//
// The look-ups (GetAddr, GetAddrs, GetHostByName, GetHostByAddr) follow
// OTP's resolution chain as it runs with the string method first, OTP's
// default unless lookup is configured native-only: an address literal
// resolves to itself without asking any resolver; other names go to the
// resolver; when that finds nothing, this machine's host name resolves to
// the loopback address; and every other failure is nxdomain. What OTP asks
// its configured methods (native getaddrinfo, its own DNS client inet_res,
// the hosts file), this package asks Go's resolver, net.DefaultResolver,
// which reads /etc/hosts and DNS as its documentation says; so for the same
// name the two can give other aliases, or addresses in another order. OTP's
// native method also takes literals as getaddrinfo does, which for example
// refuses "+1.2.3.4".
func GetAddrs(host string, family Family) ([]netip.Addr, error) {
	return GetAddrsContext(context.Background(), host, family)
}

// GetAddrsContext is GetAddrs with a context, as inet:getaddrs/3 takes a
// timeout: when ctx's deadline passes first, the error is timeout
// (ErrTimeout); when ctx is canceled, it wraps ctx.Err().
func GetAddrsContext(ctx context.Context, host string, family Family) ([]netip.Addr, error) {
	return getAddrs(ctx, "getaddrs", host, family)
}

func getAddrs(ctx context.Context, op, host string, family Family) ([]netip.Addr, error) {
	if !visibleString(host) {
		return nil, einvalError(op)
	}
	h, err := getHostByName(ctx, op, host, family, false)
	if err != nil {
		return nil, err
	}
	return h.AddrList, nil
}

// visibleString is inet_parse:visible_string/1: non-empty, all of '!'..'~'.
func visibleString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

// GetHostByName is inet:gethostbyname/2: the host entry of name for family
// (Inet or Inet6). An address literal of the family returns itself, with
// name as Hostent.Name. For other names, Hostent.Name is the canonical name
// Go's resolver reports (net.Resolver.LookupCNAME, without its final dot),
// and Aliases holds name when it differs from that. Errors are as for
// GetAddrs, except that any name is looked up (OTP checks the characters
// only in getaddr and getaddrs).
func GetHostByName(name string, family Family) (*Hostent, error) {
	return GetHostByNameContext(context.Background(), name, family)
}

// GetHostByNameContext is GetHostByName with a context, as
// inet:gethostbyname/3 takes a timeout. See GetAddrsContext.
func GetHostByNameContext(ctx context.Context, name string, family Family) (*Hostent, error) {
	return getHostByName(ctx, "gethostbyname", name, family, true)
}

func getHostByName(ctx context.Context, op, name string, family Family, canonical bool) (*Hostent, error) {
	var network string
	switch family {
	case Inet:
		network = "ip4"
		if a, ok := parseIPv4(name); ok {
			return newHostent(name, nil, family, a), nil
		}
	case Inet6:
		network = "ip6"
		if a, ok := parseIPv6(name); ok {
			return newHostent(name, nil, family, a), nil
		}
	default:
		return nil, einvalError(op)
	}
	if _, err := netip.ParseAddr(name); err == nil {
		// An address literal OTP does not take for this family, such as
		// "::1" for Inet, resolves to nothing with any of OTP's methods;
		// Go's resolver would return "::ffff:1.2.3.4" for "ip4".
		if h := selfHostent(name, family); h != nil {
			return h, nil
		}
		return nil, lookupError(ctx, op)
	}
	addrs, err := lookupResolver.LookupNetIP(ctx, network, name)
	var list []netip.Addr
	for _, a := range addrs {
		a = a.WithZone("")
		if family == Inet {
			// Go's resolver may return IPv4 addresses in 16 bytes.
			a = a.Unmap()
		}
		if a.Is4() == (family == Inet) && a.IsValid() {
			list = append(list, a)
		}
	}
	if err == nil && len(list) > 0 {
		h := newHostent(name, nil, family, list...)
		if canonical {
			if c, err := lookupResolver.LookupCNAME(ctx, name); err == nil && c != "" {
				h.Name = strings.TrimSuffix(c, ".")
				if !asciiEqualFold(h.Name, name) {
					h.Aliases = []string{name}
				}
			}
		}
		return h, nil
	}
	if h := selfHostent(name, family); h != nil {
		return h, nil
	}
	return nil, lookupError(ctx, op)
}

// lookupError is the error of a failed look-up: timeout when ctx's
// deadline passed, ctx's error when it was canceled, and nxdomain
// otherwise, as OTP turns the failure of its last lookup method into
// nxdomain.
func lookupError(ctx context.Context, op string) error {
	switch err := ctx.Err(); {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Op: op, Err: ErrTimeout}
	case err != nil:
		return &Error{Op: op, Err: err}
	}
	return &Error{Op: op, Err: ErrNxdomain}
}

// selfHostent is OTP's gethostbyname_self: this machine's host name, short
// or as the kernel has it, resolves to the loopback address. OTP compares
// with its own idea of the fully qualified name (the host name and the
// resolver's domain); this compares with what os.Hostname returns.
func selfHostent(name string, family Family) *Hostent {
	full, err := osHostname()
	if err != nil {
		return nil
	}
	short, _, _ := strings.Cut(full, ".")
	for _, self := range []string{short, full} {
		if self != "" && asciiEqualFold(name, self) {
			return newHostent(self, nil, family, loopbackAddr(family))
		}
	}
	return nil
}

// loopback is inet's translate_ip(loopback, Family).
func loopbackAddr(family Family) netip.Addr {
	if family == Inet6 {
		return netip.IPv6Loopback()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// asciiEqualFold compares as inet_db:tolower/1 does: ASCII letters only.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	lower := func(c byte) byte {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func newHostent(name string, aliases []string, family Family, addrs ...netip.Addr) *Hostent {
	n := 4
	if family == Inet6 {
		n = 16
	}
	return &Hostent{Name: name, Aliases: aliases, AddrType: family, Length: n, AddrList: addrs}
}

// GetHostByAddr is inet:gethostbyaddr/1: the host entry of addr, found by
// a reverse look-up (net.Resolver.LookupAddr: /etc/hosts, then DNS PTR
// records). Name is the first name found and Aliases the others; AddrType
// is Inet for a 4-byte addr and Inet6 for a 16-byte one. As in OTP, when
// nothing is found 127.0.0.1 and ::1 resolve to this machine's host name;
// other addresses are nxdomain. The zero Addr is einval.
func GetHostByAddr(addr netip.Addr) (*Hostent, error) {
	return GetHostByAddrContext(context.Background(), addr)
}

// GetHostByAddrContext is GetHostByAddr with a context, as
// inet:gethostbyaddr/2 takes a timeout. See GetAddrsContext.
func GetHostByAddrContext(ctx context.Context, addr netip.Addr) (*Hostent, error) {
	const op = "gethostbyaddr"
	if !addr.IsValid() {
		return nil, einvalError(op)
	}
	addr = addr.WithZone("")
	family := Inet
	if addr.Is6() {
		family = Inet6
	}
	var names []string
	found, _ := lookupResolver.LookupAddr(ctx, addr.String())
	for _, n := range found {
		if n = strings.TrimSuffix(n, "."); n != "" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		var aliases []string
		if len(names) > 1 {
			aliases = names[1:]
		}
		return newHostent(names[0], aliases, family, addr), nil
	}
	if addr == loopbackAddr(family) {
		if name, err := GetHostname(); err == nil {
			return newHostent(name, nil, family, addr), nil
		}
	}
	return nil, lookupError(ctx, op)
}

// GetHostname is inet:gethostname/0: this machine's host name up to its
// first '.'. inet:gethostname never fails (it answers "nohost.nodomain"
// when it cannot ask the kernel); GetHostname returns the kernel's error
// wrapped in an *Error, with "nohost.nodomain" as the name.
func GetHostname() (string, error) {
	name, err := osHostname()
	if err != nil {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			err = errno
		}
		return "nohost.nodomain", &Error{Op: "gethostname", Err: err}
	}
	short, _, _ := strings.Cut(name, ".")
	return short, nil
}
