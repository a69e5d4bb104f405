package proxyproto

import "testing"

// BenchmarkParse reads a version 1 and a version 2 header: what a
// listener that reads them (supervisor/ranch's ProxyHeader) pays for the
// parse of each connection's.
func BenchmarkParse(b *testing.B) {
	v1 := []byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n")
	v2, _ := (&Header{Version: 2, Family: INET, Transport: Stream,
		Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.1:443")}).Append(nil)
	for _, in := range []struct {
		name string
		b    []byte
	}{{"v1", v1}, {"v2", v2}} {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, _, err := Parse(in.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
