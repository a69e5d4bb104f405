package framing

import (
	"fmt"
	"math"
)

// MaxPayload returns the longest payload a packet of type t can carry: 255
// for One, 65535 for Two, and 2^31-5 for Four, the most that OTP (and
// Decode) accept, since a packet and its header must fit a C int. For the
// other types sending adds no header and sets no limit; MaxPayload returns
// math.MaxInt.
func MaxPayload(t Type) int {
	switch t {
	case One:
		return math.MaxUint8
	case Two:
		return math.MaxUint16
	case Four:
		return math.MaxInt32 - 4
	}
	return math.MaxInt
}

// AppendHeader appends the header that sending an n-byte payload with
// packet type t puts before it: n in 1, 2 or 4 big-endian bytes for One, Two
// and Four, nothing for the other types.
//
// A payload longer than MaxPayload(t) is an error wrapping ErrMsgSize, and
// dst is returned unchanged. OTP does not check: it writes the low bytes of
// the length, so the peer misreads the stream. A negative n is an error
// wrapping ErrBadArg.
func AppendHeader(dst []byte, t Type, n int) ([]byte, error) {
	if n < 0 {
		return dst, fmt.Errorf("framing: negative payload length %d: %w", n, ErrBadArg)
	}
	if max := MaxPayload(t); n > max {
		return dst, fmt.Errorf("framing: %d-byte payload too long for packet type %s (at most %d): %w", n, t, max, ErrMsgSize)
	}
	switch t {
	case One:
		dst = append(dst, byte(n))
	case Two:
		dst = append(dst, byte(n>>8), byte(n))
	case Four:
		dst = append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return dst, nil
}

// AppendPacket appends payload to dst as sending it with packet type t puts
// it on the wire: AppendHeader, then the payload. On error dst is returned
// unchanged.
func AppendPacket(dst []byte, t Type, payload []byte) ([]byte, error) {
	dst, err := AppendHeader(dst, t, len(payload))
	if err != nil {
		return dst, err
	}
	return append(dst, payload...), nil
}
