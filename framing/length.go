package framing

import (
	"encoding/binary"
	"math"
)

// remain ends packet_get_length for a header of hlen bytes that announces
// plen more. A body over packet_size is invalid, and so is a total that
// does not fit a C int: OTP 25 computes hlen+plen in an int and refuses a
// sum that wrapped below hlen, so 2^31-1 is the longest packet of any
// length-prefixed type (the seed text's "limited to 2Gb").
func remain(max, hlen, plen uint32) int {
	if max != 0 && plen > max {
		return -1
	}
	total := uint64(hlen) + uint64(plen)
	if total > math.MaxInt32 {
		return -1
	}
	return int(total)
}

// prefixLength decodes the header of packet 1, 2 and 4: an unsigned
// big-endian length of hlen bytes.
func prefixLength(b []byte, hlen int, max uint32) int {
	if len(b) < hlen {
		return 0
	}
	var plen uint32
	switch hlen {
	case 1:
		plen = uint32(b[0])
	case 2:
		plen = uint32(binary.BigEndian.Uint16(b))
	default:
		plen = binary.BigEndian.Uint32(b)
	}
	return remain(max, uint32(hlen), plen)
}

// sunrmLength decodes Sun RPC record marking: a 4-byte big-endian length
// whose bit 31 marks the last fragment of a record and is not part of the
// length. Each fragment is a packet, header included.
func sunrmLength(b []byte, max uint32) int {
	if len(b) < 4 {
		return 0
	}
	return remain(max, 4, binary.BigEndian.Uint32(b)&0x7fffffff)
}
