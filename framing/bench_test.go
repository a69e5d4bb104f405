package framing

import (
	"bytes"
	"testing"
)

func benchmarkDecode(b *testing.B, d *Decoder, buf []byte) {
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if r, err := d.Decode(buf); err != nil || !r.Complete() {
			b.Fatal(r, err)
		}
	}
}

// BenchmarkDecodeFour measures packet 4 throughput: one packet per op.
func BenchmarkDecodeFour(b *testing.B) {
	d, err := New(Four)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"64B", 64}, {"4KiB", 4096}} {
		buf, err := AppendPacket(nil, Four, bytes.Repeat([]byte{'x'}, size.n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name, func(b *testing.B) { benchmarkDecode(b, d, buf) })
	}
}

// BenchmarkDecodeLine measures packet line: an 80-byte line per op.
func BenchmarkDecodeLine(b *testing.B) {
	d, err := New(Line)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDecode(b, d, append(bytes.Repeat([]byte{'x'}, 79), '\n'))
}

// BenchmarkDecodeHTTPH measures httph: one header line per op, so ns/op is
// the time per header line, value copied out.
func BenchmarkDecodeHTTPH(b *testing.B) {
	d, err := New(HTTPHBin)
	if err != nil {
		b.Fatal(err)
	}
	lines := [][]byte{
		[]byte("Host: www.example.com\r\nX"),
		[]byte("User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\nX"),
		[]byte("Accept: text/html,application/xhtml+xml\r\nX"),
		[]byte("accept-encoding: gzip, deflate, br\r\nX"),
		[]byte("X-Request-Id: 4f8b2c1e-9d3a-4e2f-8a7b-1c2d3e4f5a6b\r\nX"),
		[]byte("Cookie: session=abc123; theme=dark\r\nX"),
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if r, err := d.Decode(lines[i]); err != nil || !r.Complete() {
			b.Fatal(r, err)
		}
		i = (i + 1) % len(lines)
	}
}

// BenchmarkDecodeHTTPRequest measures http: one request line per op.
func BenchmarkDecodeHTTPRequest(b *testing.B) {
	d, err := New(HTTPBin)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDecode(b, d, []byte("GET /index.html?q=framing HTTP/1.1\r\n"))
}

// BenchmarkAppendPacketFour measures encoding a 64-byte packet 4.
func BenchmarkAppendPacketFour(b *testing.B) {
	payload := bytes.Repeat([]byte{'x'}, 64)
	dst := make([]byte, 0, 128)
	b.SetBytes(int64(len(payload) + 4))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendPacket(dst, Four, payload); err != nil {
			b.Fatal(err)
		}
	}
}
