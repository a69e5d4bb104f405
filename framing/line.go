package framing

import (
	"bytes"
	"math"
)

// lineLength decodes packet type line: the bytes up to and including the
// first delim. OTP checks, in this order:
//
//   - without a delimiter: more than max bytes is invalid (a line that can
//     no longer fit packet_size); at least trunc bytes is a packet of trunc
//     bytes; otherwise more, length unknown;
//   - with one: a line longer than max is invalid; a line longer than trunc
//     is a packet of its first trunc bytes.
//
// A truncated line is not skipped: its remaining bytes start the next
// packet, so a long line comes out in pieces of trunc bytes. This is how
// inet_drv delivers a line longer than the socket's buffer (it passes the
// buffer size as trunc). The seed text says such lines "are truncated";
// OTP 25 splits them, and so does this package.
func lineLength(b []byte, max, trunc uint32, delim byte) int {
	n := uint64(len(b))
	i := bytes.IndexByte(b, delim)
	if i < 0 {
		if max != 0 && n > uint64(max) {
			return -1
		}
		if trunc != 0 && n >= uint64(trunc) {
			return cInt(trunc)
		}
		return 0
	}
	l := uint64(i) + 1
	if max != 0 && l > uint64(max) {
		return -1
	}
	if trunc != 0 && l > uint64(trunc) {
		return cInt(trunc)
	}
	return int(l)
}

// cInt returns u as packet_get_length's int return value does: a value over
// 2^31-1 turns negative there, which decode_packet reports as invalid.
func cInt(u uint32) int {
	if u > math.MaxInt32 {
		return -1
	}
	return int(u)
}
