package framing

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/erltest"
)

// oracleCasesPerType is how many generated inputs per packet type the
// differential test compares with Erlang.
const oracleCasesPerType = 20480

// An oracleCase is one decode_packet call: a type, options as Erlang takes
// them (possibly out of range, to check that both refuse them), and data.
type oracleCase struct {
	typ   Type
	flags uint8 // 1: packet_size given, 2: line_length, 4: line_delimiter
	ps    int64
	ll    int64
	ld    int64 // 0..255: Go's LineDelimiter takes a byte
	data  []byte
}

func (c oracleCase) options() []Option {
	var opts []Option
	if c.flags&1 != 0 {
		opts = append(opts, PacketSize(int(c.ps)))
	}
	if c.flags&2 != 0 {
		opts = append(opts, LineLength(int(c.ll)))
	}
	if c.flags&4 != 0 {
		opts = append(opts, LineDelimiter(byte(c.ld)))
	}
	return opts
}

// appendTo appends c in the input format of testdata/decode_packet.escript.
func (c oracleCase) appendTo(b []byte) []byte {
	b = append(b, byte(c.typ), c.flags)
	b = binary.BigEndian.AppendUint64(b, uint64(c.ps))
	b = binary.BigEndian.AppendUint64(b, uint64(c.ll))
	b = binary.BigEndian.AppendUint64(b, uint64(c.ld))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.data)))
	return append(b, c.data...)
}

func (c oracleCase) String() string {
	return "decode_packet(" + c.typ.String() + ", <<16#" + hex.EncodeToString(c.data) + ">>, " + optString(c.options()) + ")"
}

func optString(opts []Option) string {
	s := make([]string, len(opts))
	for i, o := range opts {
		s[i] = o.String()
	}
	return "[" + strings.Join(s, ",") + "]"
}

// TestErlangDecodePacket compares DecodePacket with erlang:decode_packet/3
// on oracleCasesPerType generated inputs per packet type: random bytes and
// near misses of each format (truncations, oversize lengths, bad versions
// and magic, header-name case variants, folded headers, CR/LF variants,
// packet_size and line_length around the boundary). One escript process
// decodes the whole batch, while Go decodes its own.
func TestErlangDecodePacket(t *testing.T) {
	erltest.Escript(t) // without Erlang: skip, or fail, before the Go side works
	start := time.Now()

	var cases []oracleCase
	for typ := Raw; typ < numTypes; typ++ {
		rng := rand.New(rand.NewPCG(0x6f74706e6574, uint64(typ)))
		for range oracleCasesPerType {
			cases = append(cases, generate(rng, typ))
		}
	}
	var in []byte
	for _, c := range cases {
		in = c.appendTo(in)
	}
	wait := erltest.Batch(t, "testdata/decode_packet.escript", nil, in)

	// Decode in Go while Erlang does.
	got := make([]string, len(cases))
	for i, c := range cases {
		r, err := DecodePacket(c.typ, c.data, c.options()...)
		got[i] = render(c.typ, r, err)
	}

	want := wait()
	if len(want) != len(cases) {
		t.Fatalf("escript gave %d results for %d inputs", len(want), len(cases))
	}

	compared := make([]int, numTypes)
	outcomes := make([]map[string]int, numTypes) // ok, more, error, badarg
	mismatches := 0
	for i, c := range cases {
		compared[c.typ]++
		if outcomes[c.typ] == nil {
			outcomes[c.typ] = map[string]int{}
		}
		outcomes[c.typ][strings.SplitN(want[i], " ", 2)[0]]++
		if got[i] != want[i] {
			if mismatches++; mismatches <= 20 {
				t.Errorf("%v\n  erlang: %s\n      go: %s", c, want[i], got[i])
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d of %d results differ from Erlang", mismatches, len(cases))
	}
	for typ, n := range compared {
		if n < 20000 {
			t.Errorf("packet type %s: compared %d inputs, want at least 20000", Type(typ), n)
		}
		o := outcomes[typ]
		t.Logf("%-9s %d inputs: ok %d, more %d, error %d, badarg %d", Type(typ), n, o["ok"], o["more"], o["error"], o["badarg"])
	}
	t.Logf("%d inputs per packet type, %d in all, identical to Erlang's; %v", oracleCasesPerType, len(cases), time.Since(start).Round(time.Millisecond))
}

// render writes a DecodePacket outcome in the escript's canonical form.
func render(t Type, r Result, err error) string {
	switch {
	case errors.Is(err, ErrBadArg):
		return "badarg"
	case err != nil:
		return "error " + err.Error()
	case !r.Complete() && r.More == 0:
		return "more"
	case !r.Complete():
		return "more " + strconv.Itoa(r.More)
	}
	return "ok " + encPacket(t, r) + " " + strconv.Itoa(len(r.Rest))
}

// encPacket writes r's packet as the escripts' enc/1 writes Erlang's.
func encPacket(t Type, r Result) string {
	e := erlEnc{bin: t == HTTPBin || t == HTTPHBin}
	switch {
	case t.isHTTP():
		e.http(r.HTTP)
	case t == SSLTLS:
		e.b.WriteString("{a:ssl_tls,s:,")
		e.int(int(r.TLS.ContentType))
		e.b.WriteByte(',')
		e.version(r.TLS.Version)
		e.b.WriteByte(',')
		e.binary(r.TLS.Data)
		e.b.WriteByte('}')
	default:
		e.binary(r.Packet)
	}
	return e.b.String()
}

// erlEnc writes Go values as the escript's enc/1 writes Erlang terms.
type erlEnc struct {
	b   strings.Builder
	bin bool // strings are binaries (http_bin), not lists
}

func (e *erlEnc) atom(s string) { e.b.WriteString("a:" + s) }
func (e *erlEnc) int(i int)     { e.b.WriteString("i:" + strconv.Itoa(i)) }

func (e *erlEnc) binary(p []byte) {
	e.b.WriteString("b:" + strings.ToUpper(hex.EncodeToString(p)))
}

func (e *erlEnc) str(s string) {
	if e.bin {
		e.b.WriteString("b:")
	} else {
		e.b.WriteString("s:")
	}
	e.b.WriteString(strings.ToUpper(hex.EncodeToString([]byte(s))))
}

func (e *erlEnc) version(v Version) {
	e.b.WriteByte('{')
	e.int(v.Major)
	e.b.WriteByte(',')
	e.int(v.Minor)
	e.b.WriteByte('}')
}

// tuple writes {atom, ...} with the rest written by fs, comma-separated.
func (e *erlEnc) tuple(tag string, fs ...func()) {
	e.b.WriteByte('{')
	e.atom(tag)
	for _, f := range fs {
		e.b.WriteByte(',')
		f()
	}
	e.b.WriteByte('}')
}

func (e *erlEnc) http(p HTTPPacket) {
	switch p := p.(type) {
	case HTTPRequest:
		e.tuple("http_request", func() {
			if p.Method.Known() {
				e.atom(string(p.Method))
			} else {
				e.str(string(p.Method))
			}
		}, func() { e.uri(p.URI) }, func() { e.version(p.Version) })
	case HTTPResponse:
		e.tuple("http_response", func() { e.version(p.Version) }, func() { e.int(p.Status) }, func() { e.str(p.Phrase) })
	case HTTPHeader:
		e.tuple("http_header", func() { e.int(p.Bit) }, func() {
			if p.Bit > 0 {
				e.atom(string(p.Field))
			} else {
				e.str(string(p.Field))
			}
		}, func() { e.str(p.Name) }, func() { e.str(p.Value) })
	case HTTPEOH:
		e.atom("http_eoh")
	case HTTPError:
		e.tuple("http_error", func() { e.str(p.Line) })
	default:
		e.b.WriteString("?")
	}
}

func (e *erlEnc) uri(u URI) {
	switch u.Kind {
	case URIStar:
		e.atom("*")
	case URIAbsPath:
		e.tuple("abs_path", func() { e.str(u.Path) })
	case URIAbsolute:
		e.tuple("absoluteURI", func() { e.atom(u.Scheme) }, func() { e.str(u.Host) }, func() {
			if u.Port == 0 {
				e.atom("undefined")
			} else {
				e.int(u.Port)
			}
		}, func() { e.str(u.Path) })
	case URIScheme:
		e.tuple("scheme", func() { e.str(u.Scheme) }, func() { e.str(u.Opaque) })
	default:
		e.str(u.Raw)
	}
}

// streamCasesPerType is how many byte streams per packet type the
// socket-level differential test sends through a real gen_tcp socket.
const streamCasesPerType = 300

// A streamCase is bytes that a gen_tcp socket with the given packet type,
// buffer size and options receives from a peer that then closes.
type streamCase struct {
	typ   Type
	flags uint8 // 1: packet_size given, 4: line_delimiter
	ps    int64
	ld    int64
	buf   int // the {buffer, Size} option
	data  []byte
}

func (c streamCase) appendTo(b []byte) []byte {
	b = append(b, byte(c.typ), c.flags)
	b = binary.BigEndian.AppendUint64(b, uint64(c.ps))
	b = binary.BigEndian.AppendUint64(b, uint64(c.ld))
	b = binary.BigEndian.AppendUint32(b, uint32(c.buf))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.data)))
	return append(b, c.data...)
}

// TestErlangStream compares Stream with a real gen_tcp socket in passive
// mode: what each gen_tcp:recv(S, 0) returns, up to {error, closed} at the
// end of the bytes or the first other error, for streams of packets of
// every type but raw (whose packets depend on how TCP splits the bytes).
// Small buffers check inet_drv's handling of lines and headers that do not
// fit; the http types check the switch from request line to headers and
// back. All sockets live in one escript process.
func TestErlangStream(t *testing.T) {
	erltest.Escript(t) // without Erlang: skip, or fail, before the Go side works
	start := time.Now()
	var cases []streamCase
	for typ := One; typ < numTypes; typ++ {
		rng := rand.New(rand.NewPCG(0x73747265616d, uint64(typ)))
		for range streamCasesPerType {
			cases = append(cases, generateStream(rng, typ))
		}
	}
	var in []byte
	for _, c := range cases {
		in = c.appendTo(in)
	}
	wait := erltest.Batch(t, "testdata/stream.escript", nil, in)
	got := make([]string, len(cases))
	for i, c := range cases {
		got[i] = runStream(t, c)
	}
	want := wait()
	if len(want) != len(cases) {
		t.Fatalf("escript gave %d results for %d inputs", len(want), len(cases))
	}
	mismatches := 0
	for i, c := range cases {
		if got[i] != want[i] {
			if mismatches++; mismatches <= 10 {
				t.Errorf("%s socket, buffer %d, packet_size %d (given: %v), delimiter %d: recv of <<16#%x>>\n  erlang: %s\n      go: %s",
					c.typ, c.buf, c.ps, c.flags&1 != 0, c.ld, c.data, want[i], got[i])
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d of %d streams differ from Erlang", mismatches, len(cases))
	}
	t.Logf("%d streams per packet type, %d in all, identical to Erlang's; %v", streamCasesPerType, len(cases), time.Since(start).Round(time.Millisecond))
}

// runStream decodes c.data with a Stream and writes the outcome as
// stream.escript writes gen_tcp:recv's.
func runStream(t *testing.T, c streamCase) string {
	var opts []Option
	if c.flags&1 != 0 {
		opts = append(opts, PacketSize(int(c.ps)))
	}
	if c.flags&4 != 0 {
		opts = append(opts, LineDelimiter(byte(c.ld)))
	}
	d, err := New(c.typ, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStream(d)
	var out []string
	for buf := c.data; ; {
		r, err := s.Decode(buf, c.buf)
		switch {
		case errors.Is(err, ErrMsgSize):
			return strings.Join(append(out, "error emsgsize"), " | ")
		case err != nil:
			t.Fatalf("Stream.Decode: %v", err)
		case !r.Complete():
			return strings.Join(append(out, "error closed"), " | ")
		}
		out = append(out, "ok "+encPacket(c.typ, r))
		buf = r.Rest
	}
}
