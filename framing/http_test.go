package framing

import (
	"reflect"
	"strings"
	"testing"
)

// httpTests are decoded HTTP packets as a real Erlang/OTP 25 decodes them;
// the Erlang result is in the comment when it is not obvious.
var httpTests = []struct {
	typ  Type
	in   string
	want HTTPPacket
}{
	{HTTP, "GET / HTTP/1.1\r\n", HTTPRequest{MethodGet, absPath("/"), Version{1, 1}}},
	{HTTP, "GET\t/\tHTTP/1.1\r\n", HTTPRequest{MethodGet, absPath("/"), Version{1, 1}}},
	{HTTPBin, "DELETE  /a?b  HTTP/1.0\n", HTTPRequest{MethodDelete, absPath("/a?b"), Version{1, 0}}},
	// Methods match case-sensitively: "get" is a string, not 'GET'.
	{HTTP, "get / HTTP/1.1\r\n", HTTPRequest{Method("get"), absPath("/"), Version{1, 1}}},
	{HTTP, "OPTIONS * HTTP/1.1\r\n", HTTPRequest{MethodOptions, URI{Kind: URIStar, Raw: "*"}, Version{1, 1}}},
	{HTTP, "GET http://h:8080/p?q HTTP/1.1\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "http://h:8080/p?q", Scheme: "http", Host: "h", Port: 8080, Path: "/p?q"}, Version{1, 1}}},
	// {absoluteURI,https,"h",undefined,"/x"}: port 0 is undefined.
	{HTTP, "GET HtTpS://h:0/x HTTP/1.1\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "HtTpS://h:0/x", Scheme: "https", Host: "h", Path: "/x"}, Version{1, 1}}},
	// {absoluteURI,http,"Host",undefined,"/"}: no path is "/".
	{HTTPBin, "GET http://Host\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "http://Host", Scheme: "http", Host: "Host", Path: "/"}, Version{0, 9}}},
	// OTP 25 knows no IPv6 literal: {absoluteURI,http,"[",undefined,"/x"}.
	{HTTP, "GET http://[::1]:4000/x HTTP/1.1\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "http://[::1]:4000/x", Scheme: "http", Host: "[", Path: "/x"}, Version{1, 1}}},
	// The port is read into a C int: 99999999999 wraps to 1215752191.
	{HTTP, "GET http://h:99999999999/ HTTP/1.1\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "http://h:99999999999/", Scheme: "http", Host: "h", Port: 1215752191, Path: "/"}, Version{1, 1}}},
	{HTTP, "GET http://h:12a HTTP/1.1\r\n", HTTPRequest{MethodGet,
		URI{Kind: URIAbsolute, Raw: "http://h:12a", Scheme: "http", Host: "h", Path: "/"}, Version{1, 1}}},
	{HTTP, "CONNECT host:443 HTTP/1.1\r\n", HTTPRequest{Method("CONNECT"),
		URI{Kind: URIScheme, Raw: "host:443", Scheme: "host", Opaque: "443"}, Version{1, 1}}},
	// A one-byte target is an abs_path; no version is HTTP/0.9.
	{HTTP, "GET x\r\n", HTTPRequest{MethodGet, absPath("x"), Version{0, 9}}},
	{HTTP, "GET x\rx\n", HTTPRequest{MethodGet, URI{Kind: URIString, Raw: "x\rx"}, Version{0, 9}}},
	// OTP reads no further than the minor version.
	{HTTP, "GET / HTTP/1.1garbage\r\n", HTTPRequest{MethodGet, absPath("/"), Version{1, 1}}},
	{HTTP, "GET / HTTP/99999999999.1\r\n", HTTPRequest{MethodGet, absPath("/"), Version{1215752191, 1}}},
	{HTTP, "GET / HTTP/1.\r\n", HTTPError{"GET / HTTP/1.\r\n"}},
	{HTTP, "GE(T / HTTP/1.1\r\n", HTTPError{"GE(T / HTTP/1.1\r\n"}},
	{HTTP, "\r\n", HTTPError{"\r\n"}},

	{HTTP, "HTTP/1.1 200 OK\r\n", HTTPResponse{Version{1, 1}, 200, "OK"}},
	{HTTP, "HTTP/1.0 404 Not  Found\r\n", HTTPResponse{Version{1, 0}, 404, "Not  Found"}},
	{HTTP, "HTTP/1.1 200\r\n", HTTPResponse{Version{1, 1}, 200, ""}},
	{HTTP, "HTTP/1.1  \r\n", HTTPResponse{Version{1, 1}, 0, ""}},
	{HTTP, "HTTP/1.1 OK\r\n", HTTPError{"HTTP/1.1 OK\r\n"}},
	{HTTP, "HTTP/1.0 404X\r\n", HTTPError{"HTTP/1.0 404X\r\n"}},
	{HTTP, "HTTP/1.0\r\n", HTTPError{"HTTP/1.0\r\n"}},

	// {http_header,38,'Content-Length',"content-length","5"}
	{HTTPH, "content-length: 5\r\n\r\n", HTTPHeader{38, FieldContentLength, "content-length", "5"}},
	{HTTPH, "CONTENT-LENGTH:   \t 5 \r\n\r\n", HTTPHeader{38, FieldContentLength, "CONTENT-LENGTH", "5 "}},
	{HTTPH, "Www-authenticate: x\r\n\r\n", HTTPHeader{33, FieldWwwAuthenticate, "Www-authenticate", "x"}},
	{HTTPH, "proxy-connection: x\r\n\r\n", HTTPHeader{52, FieldProxyConnection, "proxy-connection", "x"}},
	{HTTPHBin, "X-fOO-bar: 5\r\n\r\n", HTTPHeader{0, "X-Foo-Bar", "X-fOO-bar", "5"}},
	// OTP's normal form: a '-' raises the next letter unless it is first.
	{HTTPH, "a--b: 1\r\n\r\n", HTTPHeader{0, "A--b", "a--b", "1"}},
	{HTTPH, "--x-y: 1\r\n\r\n", HTTPHeader{0, "--X-Y", "--x-y", "1"}},
	{HTTPH, "a\x7fb: 1\r\n\r\n", HTTPHeader{0, "A\x7fb", "a\x7fb", "1"}},
	{HTTPH, ": bar\r\n\r\n", HTTPHeader{0, "", "", "bar"}},
	{HTTPH, "Foo : bar\r\n\r\n", HTTPError{"Foo : bar\r\n"}},
	{HTTPH, "Foo\r\n\r\n", HTTPError{"Foo\r\n"}},
	// Folded lines stay in the value.
	{HTTPH, "Foo: a\r\n b\r\n\r\n", HTTPHeader{0, "Foo", "Foo", "a\r\n b"}},
	// Only the two bytes before the end are dropped: "\r\r\n" leaves "\r".
	{HTTPH, "X:\r\r\n\r\n", HTTPHeader{0, "X", "X", "\r"}},
	{HTTPH, "\r\n", HTTPEOH{}},
	{HTTPHBin, "\n", HTTPEOH{}},
}

func absPath(p string) URI { return URI{Kind: URIAbsPath, Raw: p, Path: p} }

func TestHTTPValues(t *testing.T) {
	for _, tt := range httpTests {
		r, err := DecodePacket(tt.typ, []byte(tt.in))
		if err != nil || !r.Complete() {
			t.Errorf("decode_packet(%s, %q) = %+v, %v; want a packet", tt.typ, tt.in, r, err)
			continue
		}
		if !reflect.DeepEqual(r.HTTP, tt.want) {
			t.Errorf("decode_packet(%s, %q):\n got %#v\nwant %#v", tt.typ, tt.in, r.HTTP, tt.want)
		}
	}
}

// TestHTTPLongNames checks OTP's 50-byte limit on header names: a longer
// name is neither put in normal form nor looked up.
func TestHTTPLongNames(t *testing.T) {
	for _, n := range []int{49, 50, 51} {
		name := strings.Repeat("a", n)
		r, err := DecodePacket(HTTPH, []byte(name+": 5\r\n\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		want := Field("A" + name[1:])
		if n > maxName {
			want = Field(name)
		}
		if h := r.HTTP.(HTTPHeader); h.Field != want || h.Name != name {
			t.Errorf("%d-byte name: %#v, want Field %q", n, h, want)
		}
	}
	// A 51-byte name that would be a known field if it were shorter.
	long := "content-length" + strings.Repeat("x", 37)
	r, _ := DecodePacket(HTTPH, []byte(long+": 5\r\n\r\n"))
	if h := r.HTTP.(HTTPHeader); h.Bit != 0 || string(h.Field) != long {
		t.Errorf("long name: %#v", h)
	}
}

func TestHTTPFieldTable(t *testing.T) {
	if len(fields) != 52 {
		t.Fatalf("OTP's header table has 52 fields, ours %d", len(fields))
	}
	for i, f := range fields {
		if f.Bit() != i+1 || !f.Known() {
			t.Errorf("%s: Bit %d, want %d", f, f.Bit(), i+1)
		}
		// Any case of a known name decodes to the constant.
		in := strings.ToUpper(string(f)) + ": v\r\n\r\n"
		r, err := DecodePacket(HTTPH, []byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if h := r.HTTP.(HTTPHeader); h.Field != f || h.Bit != i+1 {
			t.Errorf("%q: %#v, want %s (bit %d)", in, h, f, i+1)
		}
	}
	if Field("X-Foo").Known() || Field("content-length").Known() {
		t.Error("unknown or non-normal fields reported as known")
	}
	for _, m := range []Method{MethodOptions, MethodGet, MethodHead, MethodPost, MethodPut, MethodDelete, MethodTrace} {
		if !m.Known() {
			t.Errorf("%s not known", m)
		}
	}
	if Method("get").Known() || Method("PATCH").Known() {
		t.Error("unknown methods reported as known")
	}
}

func TestHTTPStringsAreCopies(t *testing.T) {
	buf := []byte("Host: example\r\n\r\n")
	r, err := DecodePacket(HTTPH, buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'X'
	}
	if h := r.HTTP.(HTTPHeader); h.Value != "example" || h.Name != "Host" {
		t.Errorf("header changed with its buffer: %#v", h)
	}
}

func TestTLSRecords(t *testing.T) {
	r, err := DecodePacket(SSLTLS, []byte("\x17\x03\x03\x00\x02hi!"))
	if err != nil {
		t.Fatal(err)
	}
	want := TLSRecord{ContentType: 23, Version: Version{3, 3}, Data: []byte("hi")}
	if !reflect.DeepEqual(r.TLS, want) || string(r.Packet) != "\x17\x03\x03\x00\x02hi" || string(r.Rest) != "!" {
		t.Errorf("TLS record: %+v, want %+v", r, want)
	}
	// {ssl_tls,[],22,{3,1},<<1,0,0,3,3,1,9>>}: an SSL 2.0 ClientHello.
	r, err = DecodePacket(SSLTLS, []byte("\x80\x04\x01\x03\x01\x09"))
	if err != nil {
		t.Fatal(err)
	}
	want = TLSRecord{ContentType: 22, Version: Version{3, 1}, Data: []byte{1, 0, 0, 3, 3, 1, 9}}
	if !reflect.DeepEqual(r.TLS, want) {
		t.Errorf("SSL 2.0 hello: %+v, want %+v", r.TLS, want)
	}
}
