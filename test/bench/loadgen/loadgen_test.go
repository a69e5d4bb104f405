package loadgen

import (
	"bytes"
	"os"
	"testing"
)

func TestFrame(t *testing.T) {
	tests := []struct {
		f    Framing
		size int
		head []byte // expected header
		ok   bool
	}{
		{Raw, 64, nil, true},
		{One, 255, []byte{255}, true},
		{One, 256, nil, false},
		{Two, 4096, []byte{0x10, 0x00}, true},
		{Two, 1 << 16, nil, false},
		{Four, 70000, []byte{0, 1, 0x11, 0x70}, true},
		{Line, 10, nil, true},
		{Raw, 0, nil, false},
	}
	for _, tt := range tests {
		b, err := frame(tt.f, tt.size)
		if (err == nil) != tt.ok {
			t.Errorf("frame(%v, %d): error %v, want ok %v", tt.f, tt.size, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		h := tt.f.header()
		if len(b) != h+tt.size || !bytes.Equal(b[:h], tt.head) {
			t.Errorf("frame(%v, %d) = % x..., %d bytes", tt.f, tt.size, b[:min(len(b), 6)], len(b))
		}
		if n := bytes.IndexByte(b[h:], '\n'); (tt.f == Line) != (n == tt.size-1) {
			t.Errorf("frame(%v, %d): newline at %d", tt.f, tt.size, n)
		}
	}
}

func TestParseFraming(t *testing.T) {
	for _, f := range []Framing{Raw, One, Two, Four, Line} {
		if g, err := ParseFraming(f.String()); err != nil || g != f {
			t.Errorf("ParseFraming(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := ParseFraming("3"); err == nil {
		t.Error("ParseFraming(3): no error")
	}
}

func TestRing(t *testing.T) {
	var r ring
	next, want := int64(0), int64(0)
	for round := range 50 {
		for range round % 7 {
			r.push(next)
			next++
		}
		for range min(r.len(), round%5) {
			if v := r.pop(); v != want {
				t.Fatalf("pop = %d, want %d", v, want)
			}
			want++
		}
		if r.len() > 2 {
			r.drop(2)
			want += 2
		}
	}
	if int64(r.len()) != next-want {
		t.Fatalf("len %d, want %d", r.len(), next-want)
	}
}

func TestSlope(t *testing.T) {
	steps := []IdleStep{{Conns: 1000, RSS: 10e6}, {Conns: 5000, RSS: 14e6}, {Conns: 10000, RSS: 19e6}}
	if s := slope(steps); s < 999 || s > 1001 {
		t.Errorf("slope = %v, want 1000", s)
	}
}

func TestReadProc(t *testing.T) {
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.Threads <= 0 || s.CPU < 0 {
		t.Errorf("ReadProc(self) = %+v", s)
	}
}
