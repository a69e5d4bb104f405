package framing

import "encoding/binary"

// The types in this file have a fixed-size header that carries the length
// and a magic number or version. Their packets keep the header.

// cdrLength decodes a CORBA GIOP message header: "GIOP", major, minor,
// flags, message type, and a 4-byte size in the byte order of flags bit 0
// (1 is little-endian). Anything but "GIOP" is invalid; the version is not
// checked.
func cdrLength(b []byte, max uint32) int {
	const hlen = 12
	if len(b) < hlen {
		return 0
	}
	if string(b[:4]) != "GIOP" {
		return -1
	}
	var plen uint32
	if b[6]&1 != 0 {
		plen = binary.LittleEndian.Uint32(b[8:])
	} else {
		plen = binary.BigEndian.Uint32(b[8:])
	}
	return remain(max, hlen, plen)
}

// fcgiLength decodes a FastCGI record header: version (must be 1), type,
// request id (2), content length (2), padding length, reserved. The packet
// ends after the padding; decode_packet returns it without the padding.
func fcgiLength(b []byte, max uint32) int {
	const hlen = 8
	if len(b) < hlen {
		return 0
	}
	if b[0] != 1 {
		return -1
	}
	plen := uint32(binary.BigEndian.Uint16(b[4:])) + uint32(b[6])
	return remain(max, hlen, plen)
}

// fcgiPadding returns the padding length of the FastCGI record at b.
func fcgiPadding(b []byte) int { return int(b[6]) }

// tpktLength decodes a TPKT (RFC 1006) header: version 3, reserved, and a
// 2-byte length that counts the header. Any other version is invalid. A
// length below 4 wraps around in OTP's unsigned arithmetic and so is
// invalid too.
func tpktLength(b []byte, max uint32) int {
	const hlen = 4
	if len(b) < hlen {
		return 0
	}
	if b[0] != 3 {
		return -1
	}
	return remain(max, hlen, uint32(binary.BigEndian.Uint16(b[2:]))-hlen)
}
