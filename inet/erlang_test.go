package inet

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/otpnet/otpnet/internal/erltest"
)

// inetOracle runs testdata/inet.escript in mode on the given input lines and
// returns its output lines, one per input line (see the escript).
func inetOracle(t *testing.T, mode string, in []string) []string {
	t.Helper()
	var input []byte
	if in != nil {
		input = []byte{}
		for _, l := range in {
			input = append(append(input, l...), '\n')
		}
	}
	out := erltest.Batch(t, "testdata/inet.escript", []string{mode}, input)()
	if in != nil && len(out) != len(in) {
		t.Fatalf("escript %s gave %d lines for %d inputs", mode, len(out), len(in))
	}
	return out
}

// compareWithErlang reports the lines where Go and Erlang differ, at most 20,
// each under its label.
func compareWithErlang(t *testing.T, labels, goLines, erlLines []string) {
	t.Helper()
	bad := 0
	for i := range goLines {
		if goLines[i] != erlLines[i] {
			if bad++; bad <= 20 {
				t.Errorf("%s\n  erlang: %s\n      go: %s", labels[i], erlLines[i], goLines[i])
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d results differ from Erlang", bad, len(goLines))
	}
}

// TestErlangFormatError holds FormatError to inet:format_error/1: every
// atom of its table, every errno's and sentinel's atom, and atoms Erlang
// does not know.
func TestErlangFormatError(t *testing.T) {
	t.Parallel()
	set := map[string]bool{"unknown": true, "eilseq": true, "foo": true, "ok": true}
	for a := range posixMessages {
		set[a] = true
	}
	var errs []error
	for e := syscall.Errno(0); e < 256; e++ {
		errs = append(errs, e)
	}
	errs = append(errs, reasonSentinels[:]...)
	errs = append(errs, &SendTimeoutError{})
	for _, err := range errs {
		set[Reason(err)] = true
	}
	atoms := slices.Sorted(func(yield func(string) bool) {
		for a := range set {
			if !yield(a) {
				return
			}
		}
	})
	want := inetOracle(t, "format_error", atoms)
	byAtom := make(map[string]string)
	got := make([]string, len(atoms))
	labels := make([]string, len(atoms))
	for i, a := range atoms {
		byAtom[a] = want[i]
		got[i] = formatAtom(a)
		labels[i] = "format_error(" + a + "):"
	}
	compareWithErlang(t, labels, got, want)
	for _, err := range errs {
		if got, want := FormatError(err), byAtom[Reason(err)]; got != want {
			t.Errorf("FormatError(%v) = %q, Erlang says %q", err, got, want)
		}
	}
	t.Logf("%d atoms, %d errors: identical to Erlang's", len(atoms), len(errs))
}

// parseCorpus returns inet_SUITE's address strings, OTP's corner cases,
// and near misses of them: mutations and random assemblies of address
// tokens, about 3000 strings in all.
func parseCorpus() []string {
	seeds := []string{
		"+1.2.3.4", "1.2.3.-0", "0x+7", "0x0+1", "0x0", "0x", "0x00.1", "08", "0.0x1", "01.1",
		"127.1", "1.2.3", "0", "4294967295", "037777777777", "0xffffffff", "255.255.255.255",
		"-0.1.2.3", "00.0.0.0", "::1.+2.3.4", "fe80::1%eth0", "fe80::1%05", "fe80::1:2:3:4:5:6%05",
		"fe80:1::1%5", "1::%eth0", "ff02::1%0", "ff02::1%099999", "ff02::1%065535", "fe80::%1",
		"::%1", "fe80:0:0:0:0:0:0:1%eth0", "fe80::1%", "ff02:0::1%01", "::ffff:0.0.0.0",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7::",
		"1::2:3:4:5:6:7", "::", ":", "", ".", "..", "1..2", "0x1.0x2.0x3.0x4", "0X.1",
		"1.2.3.4\xff", "caf\xc3\xa9::1", "fe80::1%\xc3\xa9", "1.2.3.\x00",
	}
	for _, cs := range [][]addrCase{suiteV4Reversable, suiteV6Reversable, suiteV4Sloppy, suiteV6Sloppy} {
		seeds = append(seeds, caseStrings(cs)...)
	}
	seeds = append(append(seeds, suiteV4Err...), suiteV6Err...)

	rng := rand.New(rand.NewPCG(0x696e6574, 25))
	const alphabet = "0123456789abcdefABCDEFxX.:%+- g"
	suffixes := []string{"%eth0", "%05", "%0", "%099999", ".", ":", "::", "0", "x", "%"}
	tokens := []string{"0", "1", "7", "9", "00", "08", "12", "255", "256", "65535", "0x", "0X", "ff", "FFFF",
		"fe80", "ff02", "ffff", "a", "g", ".", ".", ":", ":", "::", "%", "%0", "%05", "+", "-"}
	seen := make(map[string]bool)
	var corpus []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			corpus = append(corpus, s)
		}
	}
	for _, s := range seeds {
		add(s)
	}
	for _, s := range seeds {
		for range 10 {
			b := []byte(s)
			i := 0
			if len(b) > 0 {
				i = rng.IntN(len(b))
			}
			switch op := rng.IntN(7); {
			case op == 0 && len(b) > 0: // delete
				b = slices.Delete(b, i, i+1)
			case op == 1: // insert
				b = slices.Insert(b, i, alphabet[rng.IntN(len(alphabet))])
			case op == 2 && len(b) > 0: // replace
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case op == 3: // truncate
				b = b[:i]
			case op == 4: // append
				b = append(b, suffixes[rng.IntN(len(suffixes))]...)
			case op == 5 && len(b) > 1: // duplicate a piece
				j := i + rng.IntN(len(b)-i)
				b = slices.Insert(b, j, b[i:j]...)
			default: // swap neighbours
				if i+1 < len(b) {
					b[i], b[i+1] = b[i+1], b[i]
				}
			}
			add(string(b))
		}
	}
	for range 600 {
		var b strings.Builder
		for range 1 + rng.IntN(9) {
			b.WriteString(tokens[rng.IntN(len(tokens))])
		}
		add(b.String())
	}
	return corpus
}

// ntoaCorpus returns addresses for inet:ntoa: random ones with runs of
// zeros, IPv4-compatible and -mapped ones, and scoped link-local ones.
func ntoaCorpus() []netip.Addr {
	rng := rand.New(rand.NewPCG(0x6e746f61, 25))
	word := func() uint16 {
		switch rng.IntN(6) {
		case 0, 1, 2:
			return 0
		case 3:
			return 1
		case 4:
			return 0xffff
		}
		return uint16(rng.IntN(65536))
	}
	var as []netip.Addr
	for range 400 {
		var w [8]uint16
		for i := range w {
			w[i] = word()
		}
		switch rng.IntN(5) {
		case 0:
			w[0], w[1], w[2], w[3], w[4], w[5] = 0, 0, 0, 0, 0, 0
		case 1:
			w[0], w[1], w[2], w[3], w[4], w[5] = 0, 0, 0, 0, 0, 0xffff
		case 2:
			w[0] = [2]uint16{0xfe80, 0xff02}[rng.IntN(2)]
		}
		as = append(as, addrFromWords(w))
	}
	for range 100 {
		as = append(as, netip.AddrFrom4([4]byte{byte(rng.IntN(256)), byte(rng.IntN(3)), byte(rng.IntN(256)), 255}))
	}
	return as
}

func parseResult(a netip.Addr, err error) string {
	if err != nil {
		return "e"
	}
	return addrTerm(a)
}

func ntoaResult(a netip.Addr, err error) string {
	if err != nil {
		return "-"
	}
	return Ntoa(a)
}

// TestErlangParseAddress holds the six parse functions and Ntoa to OTP's
// inet:parse_*address/1 and inet:ntoa/1 on parseCorpus and ntoaCorpus,
// in one escript run.
func TestErlangParseAddress(t *testing.T) {
	t.Parallel()
	corpus := parseCorpus()
	addrs := ntoaCorpus()
	var in, what, got []string
	for _, s := range corpus {
		in = append(in, "p "+hex.EncodeToString([]byte(s)))
		what = append(what, "parse "+strconv.Quote(s)+":")
		pa, pae := ParseAddress(s)
		p6, p6e := ParseIPv6Address(s)
		got = append(got, strings.Join([]string{
			parseResult(pa, pae),
			parseResult(ParseStrictAddress(s)),
			parseResult(ParseIPv4Address(s)),
			parseResult(ParseIPv4StrictAddress(s)),
			parseResult(p6, p6e),
			parseResult(ParseIPv6StrictAddress(s)),
			ntoaResult(pa, pae),
			ntoaResult(p6, p6e),
		}, " "))
	}
	for _, a := range addrs {
		term := addrTerm(a)
		in = append(in, "n "+strings.ReplaceAll(strings.Trim(term, "{}"), ",", " "))
		what = append(what, "ntoa "+term+":")
		got = append(got, Ntoa(a))
	}
	want := inetOracle(t, "parse", in)
	compareWithErlang(t, what, got, want)
	ok := 0
	for _, l := range got[:len(corpus)] {
		if !strings.HasPrefix(l, "e ") {
			ok++
		}
	}
	if len(corpus) < 2000 || ok < 300 || len(corpus)-ok < 300 {
		t.Errorf("corpus of %d strings, %d addresses: too small or lopsided", len(corpus), ok)
	}
	t.Logf("%d strings (%d parse_address accepts) and %d addresses: identical to Erlang's", len(corpus), ok, len(addrs))
}

// TestErlangGetIfAddrs holds GetIfAddrs to inet:getifaddrs/0 on this
// machine: every interface, every option, in order.
func TestErlangGetIfAddrs(t *testing.T) {
	t.Parallel()
	render := func() []string {
		ifs, err := GetIfAddrs()
		if err != nil {
			t.Fatal(err)
		}
		var ls []string
		for _, ifa := range ifs {
			opts := make([]string, len(ifa.Opts))
			for i, o := range ifa.Opts {
				opts[i] = o.String()
			}
			ls = append(ls, strings.ToUpper(hex.EncodeToString([]byte(ifa.Name)))+" ["+strings.Join(opts, ",")+"]")
		}
		return ls
	}
	before := render()
	want := inetOracle(t, "getifaddrs", nil)
	after := render()
	if !slices.Equal(before, want) && !slices.Equal(after, want) {
		t.Errorf("GetIfAddrs differs from inet:getifaddrs() (-erlang +go):\n%s", cmp.Diff(want, after))
	}
	lo := strings.ToUpper(hex.EncodeToString([]byte("lo"))) + " "
	if !slices.ContainsFunc(want, func(l string) bool { return strings.HasPrefix(l, lo) }) {
		t.Errorf("Erlang lists no lo: %q", want)
	}
	t.Logf("%d interfaces", len(want))
}

// TestErlangGetHostname holds GetHostname to inet:gethostname/0.
func TestErlangGetHostname(t *testing.T) {
	t.Parallel()
	want := inetOracle(t, "gethostname", nil)
	got, err := GetHostname()
	if err != nil || len(want) != 1 || got != want[0] {
		t.Errorf("GetHostname() = %q, %v; Erlang says %q", got, err, want)
	}
}

// erlString writes a string as ~w writes an Erlang string: a list of
// character codes.
func erlString(s string) string {
	codes := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		codes[i] = strconv.Itoa(int(s[i]))
	}
	return "[" + strings.Join(codes, ",") + "]"
}

func erlAddrs(as []netip.Addr) string {
	ts := make([]string, len(as))
	for i, a := range as {
		ts[i] = addrTerm(a)
	}
	return "[" + strings.Join(ts, ",") + "]"
}

func erlError(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return "{error,{not_an_Error," + strconv.Quote(err.Error()) + "}}"
	}
	return "{error," + Reason(err) + "}"
}

// TestErlangResolve holds GetAddrs and GetHostByName to inet:getaddrs/2
// and inet:gethostbyname/2, run with the string method first as OTP's
// default configuration has it, on the inputs that need no resolver: the
// parse corpus's address literals of either family, hosts with characters
// OTP refuses, and a family OTP refuses.
func TestErlangResolve(t *testing.T) {
	t.Parallel()
	type query struct {
		host   string
		family Family
	}
	var qs []query
	for _, s := range parseCorpus() {
		_, goLiteral := netip.ParseAddr(s)
		_, ok4 := parseIPv4(s)
		_, ok6 := parseIPv6(s)
		if ok4 || goLiteral == nil || !visibleString(s) {
			qs = append(qs, query{s, Inet})
		}
		if ok6 || goLiteral == nil || !visibleString(s) {
			qs = append(qs, query{s, Inet6})
		}
	}
	qs = append(qs, query{"127.0.0.1", Local}, query{"localhost", Local})
	var in, what, got []string
	for _, q := range qs {
		in = append(in, q.family.String()+" "+hex.EncodeToString([]byte(q.host)))
		what = append(what, "getaddrs/gethostbyname "+strconv.Quote(q.host)+" "+q.family.String()+":")
		var ga, gh string
		if as, err := GetAddrs(q.host, q.family); err != nil {
			ga = erlError(err)
		} else {
			ga = "{ok," + erlAddrs(as) + "}"
		}
		if h, err := GetHostByName(q.host, q.family); err != nil {
			gh = erlError(err)
		} else {
			aliases := make([]string, len(h.Aliases))
			for i, a := range h.Aliases {
				aliases[i] = erlString(a)
			}
			gh = "{ok,{hostent," + erlString(h.Name) + ",[" + strings.Join(aliases, ",") + "]," +
				h.AddrType.String() + "," + strconv.Itoa(h.Length) + "," + erlAddrs(h.AddrList) + "}}"
		}
		got = append(got, ga+" "+gh)
	}
	want := inetOracle(t, "resolve", in)
	compareWithErlang(t, what, got, want)
	t.Logf("%d queries: identical to Erlang's", len(qs))
}
