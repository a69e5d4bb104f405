package framing

// asn1Length decodes the identifier and length octets of one ASN.1 BER
// value, as packet_get_length does:
//
//   - a tag whose low five bits are all set is in long form: it goes on
//     while bit 8 of the next octets is set;
//   - a length octet below 0x80 is the length; 0x81..0x84 say how many
//     big-endian octets follow with the length; 0x80, the indefinite form,
//     counts as a length of 0, so the packet is the header alone;
//   - more than 4 length octets (0x85..0xff) is invalid, but only once they
//     have all arrived: until then OTP asks for more.
func asn1Length(b []byte, max uint32) int {
	if len(b) < 2 {
		return 0
	}
	p := 1           // next octet
	nn := len(b) - 1 // octets from p on
	if b[0]&0x1f == 0x1f {
		for nn > 0 && b[p]&0x80 != 0 {
			p++
			nn--
		}
		if nn < 2 { // the last tag octet and the length octet
			return 0
		}
		p++
		nn--
	}
	n := int(b[p] & 0x7f)
	if b[p]&0x80 == 0 {
		return remain(max, uint32(p+1), uint32(n))
	}
	p++
	nn--
	if nn < n {
		return 0
	}
	if n > 4 {
		return -1
	}
	var plen uint32
	for _, c := range b[p : p+n] {
		plen = plen<<8 | uint32(c)
	}
	return remain(max, uint32(p+n), plen)
}
