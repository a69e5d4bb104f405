package framing

import "testing"

// sink keeps the compiler from optimising a measured call away.
var (
	sink    Result
	sinkErr error
)

// TestDecodeAllocs checks the promise of the hot path: decoding a packet of
// a length-prefixed or line type, or being told to wait or that the input
// is invalid, allocates nothing.
func TestDecodeAllocs(t *testing.T) {
	tests := []struct {
		typ  Type
		opts []Option
		in   string
	}{
		{Raw, nil, "abc"},
		{One, nil, "\x03abcrest"},
		{Two, nil, "\x00\x03abc"},
		{Four, nil, "\x00\x00\x00\x03abc"},
		{Four, nil, "\x00\x00\x00\x09abc"},                     // more
		{Four, []Option{PacketSize(2)}, "\x00\x00\x00\x03abc"}, // invalid
		{SunRM, nil, "\x80\x00\x00\x01a"},
		{ASN1, nil, "\x1f\x81\x01\x82\x00\x01a"},
		{CDR, nil, "GIOP\x01\x02\x01\x00\x01\x00\x00\x00a"},
		{FCGI, nil, "\x01\x01\x00\x01\x00\x01\x02\x00abc"},
		{TPKT, nil, "\x03\x00\x00\x05a"},
		{Line, nil, "a line\nnext"},
		{Line, []Option{LineLength(4), LineDelimiter(';')}, "a;b"},
		{Line, []Option{LineLength(4)}, "a long line\n"}, // a piece
		{SSLTLS, nil, "\x17\x03\x03\x00\x01a"},
		{HTTPH, nil, "\r\n"}, // the blank line after HTTP headers
	}
	for _, tt := range tests {
		d, err := New(tt.typ, tt.opts...)
		if err != nil {
			t.Fatal(err)
		}
		buf := []byte(tt.in)
		allocs := testing.AllocsPerRun(100, func() {
			sink, sinkErr = d.Decode(buf)
		})
		if allocs != 0 {
			t.Errorf("Decode(%s, %q): %v allocations per packet, want 0", tt.typ, tt.in, allocs)
		}
	}
}

func TestStreamAllocs(t *testing.T) {
	d, err := New(Line)
	if err != nil {
		t.Fatal(err)
	}
	s := NewStream(d)
	buf := []byte("a line longer than the buffer\n")
	allocs := testing.AllocsPerRun(100, func() {
		for b := buf; len(b) > 0; {
			r, err := s.Decode(b, 8)
			if err != nil || !r.Complete() {
				t.Fatal(r, err)
			}
			b = r.Rest
		}
	})
	if allocs != 0 {
		t.Errorf("Stream.Decode: %v allocations per line, want 0", allocs)
	}
}

func TestAppendPacketAllocs(t *testing.T) {
	dst := make([]byte, 0, 64)
	payload := []byte("payload")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := AppendPacket(dst, Four, payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendPacket: %v allocations, want 0", allocs)
	}
}
