package framing

import "encoding/binary"

// A TLSRecord is a decoded ssl_tls packet, Erlang's
// {ssl_tls, [], ContentType, {Major, Minor}, Data}.
type TLSRecord struct {
	ContentType uint8   // 20..23 for TLS; 22 (handshake) for an SSL 2.0 hello
	Version     Version // the record's protocol version, e.g. {3, 3} for TLS 1.2
	// Data is the record's fragment, aliasing the buffer. For an SSL 2.0
	// ClientHello it is a new slice, built as OTP builds it: the byte 1, the
	// length of the rest in 3 bytes, then the hello from its version on.
	Data []byte
}

// tlsLength decodes an ssl_tls header. A TLS record is ContentType,
// Version (2), Length (2), then Length bytes. An SSL 2.0 ClientHello, which
// OTP recognises by bit 8 of the first byte and message type 1 in the
// third, is a 15-bit length (counting from the third byte), then the hello.
func tlsLength(b []byte, max uint32) int {
	const hlen = 5
	if len(b) < hlen {
		return 0
	}
	if isSSL2Hello(b) {
		// A length below 3 wraps around in OTP and so is invalid.
		return remain(max, hlen, uint32(binary.BigEndian.Uint16(b)&0x7fff)-3)
	}
	return remain(max, hlen, uint32(binary.BigEndian.Uint16(b[3:])))
}

func isSSL2Hello(b []byte) bool { return b[0]&0x80 != 0 && b[2] == 1 }

// parseTLS is packet_parse_ssl on a whole packet.
func parseTLS(b []byte) TLSRecord {
	if isSSL2Hello(b) {
		n := len(b) - 3
		data := make([]byte, 4+n)
		data[0] = 1
		data[1], data[2], data[3] = byte(n>>16), byte(n>>8), byte(n)
		copy(data[4:], b[3:])
		return TLSRecord{ContentType: 22, Version: Version{int(b[3]), int(b[4])}, Data: data}
	}
	return TLSRecord{ContentType: b[0], Version: Version{int(b[1]), int(b[2])}, Data: b[5:len(b):len(b)]}
}
