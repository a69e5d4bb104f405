package framing

import (
	"errors"
	"reflect"
	"testing"
)

// drain decodes buf with s until it needs more, returning the packets.
func drain(t *testing.T, s *Stream, buf []byte, bufSize int) ([]Result, error) {
	t.Helper()
	var rs []Result
	for {
		r, err := s.Decode(buf, bufSize)
		if err != nil || !r.Complete() {
			return rs, err
		}
		rs = append(rs, r)
		buf = r.Rest
	}
}

// TestStreamHTTP follows a connection as a socket does: request line,
// headers (one folded), blank line, then the next request.
func TestStreamHTTP(t *testing.T) {
	d, err := New(HTTPBin)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStream(d)
	in := "GET /a HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n b\r\n\r\nPOST /b HTTP/1.0\r\n\r\nGET"
	rs, err := drain(t, s, []byte(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []HTTPPacket{
		HTTPRequest{MethodGet, absPath("/a"), Version{1, 1}},
		HTTPHeader{14, FieldHost, "Host", "x"},
		HTTPHeader{0, "X-Long", "X-Long", "a\r\n b"},
		HTTPEOH{},
		HTTPRequest{MethodPost, absPath("/b"), Version{1, 0}},
		HTTPEOH{},
	}
	var got []HTTPPacket
	for _, r := range rs {
		got = append(got, r.HTTP)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packets:\n got %#v\nwant %#v", got, want)
	}
	if s.InHeaders() {
		t.Error("InHeaders after the blank line")
	}
	// A header line before any request line is an error line, and keeps
	// the stream where it was.
	s.Reset()
	r, err := s.Decode([]byte("Host: x\r\n"), 0)
	if err != nil || r.HTTP != (HTTPError{"Host: x\r\n"}) || s.InHeaders() {
		t.Errorf("header line first: %#v, %v, InHeaders %v", r.HTTP, err, s.InHeaders())
	}
	r, _ = s.Decode([]byte("HTTP/1.1 200 OK\r\n"), 0)
	if r.HTTP != (HTTPResponse{Version{1, 1}, 200, "OK"}) || !s.InHeaders() {
		t.Errorf("status line: %#v, InHeaders %v", r.HTTP, s.InHeaders())
	}
	// In the headers, the stream waits for the byte after a newline.
	if r, _ := s.Decode([]byte("A: 1\r\n"), 0); r.Complete() {
		t.Errorf("header line without the next byte: %#v", r)
	}
}

// TestStreamLineSplit checks inet_drv's handling of a line longer than the
// socket's buffer: it comes out in pieces of the buffer's size.
func TestStreamLineSplit(t *testing.T) {
	d, err := New(Line, LineLength(100)) // a stream uses the buffer size instead
	if err != nil {
		t.Fatal(err)
	}
	rs, err := drain(t, NewStream(d), []byte("abcdefgh\nij\nk"), 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, string(r.Packet))
	}
	if want := []string{"abc", "def", "gh\n", "ij\n"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pieces %q, want %q", got, want)
	}
}

// TestStreamErrors checks that a stream reports emsgsize, as gen_tcp does,
// and that an http line must fit the buffer unless packet_size allows it.
func TestStreamErrors(t *testing.T) {
	for _, tt := range []struct {
		typ     Type
		opts    []Option
		in      string
		bufSize int
		want    error
	}{
		{Four, []Option{PacketSize(2)}, "\x00\x00\x00\x03abc", 0, ErrMsgSize},
		{TPKT, nil, "\x02\x00\x00\x04", 0, ErrMsgSize},
		{HTTP, nil, "GET /long HTTP/1.1", 8, ErrMsgSize},
		{HTTP, []Option{PacketSize(100)}, "GET /long HTTP/1.1", 8, nil},
		{Line, []Option{PacketSize(4)}, "abcde", 10, ErrMsgSize},
		{Line, []Option{PacketSize(4)}, "abcde", 3, nil}, // "abc" fills the buffer
		// The header must fit the buffer, or packet_size, if larger.
		{Four, nil, "\x00\x00\x00\x01a", 3, ErrMsgSize},
		{Four, []Option{PacketSize(8)}, "\x00\x00\x00\x01a", 3, nil},
		{ASN1, nil, "\x1f\x81\x81\x01\x02\x00\x00", 4, ErrMsgSize},
		// Once it does, the packet may be larger than the buffer.
		{Four, nil, "\x00\x00\x00\x08abcdefgh", 4, nil},
	} {
		d, err := New(tt.typ, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewStream(d).Decode([]byte(tt.in), tt.bufSize); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s %s %q buffer %d: error %v, want %v", tt.typ, optString(tt.opts), tt.in, tt.bufSize, err, tt.want)
		}
	}
}
