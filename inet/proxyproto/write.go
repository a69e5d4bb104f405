package proxyproto

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
)

// Append appends h as its version writes it, Ranch's header/1: a version 1
// line ("PROXY TCP4 ...\r\n", "PROXY UNKNOWN\r\n") or a version 2 block
// with h.TLVs, in order. A TypeCRC32C TLV among them gets the header's
// checksum. It fails with a *HeaderError for what the version cannot say
// (LOCAL, UNIX or UDP in version 1, addresses not of the family, ...).
func (h *Header) Append(b []byte) ([]byte, error) {
	switch h.Version {
	case 1:
		return h.appendV1(b)
	case 2:
		return h.appendV2(b)
	}
	return b, bad("Version must be 1 or 2.")
}

func (h *Header) appendV1(b []byte) ([]byte, error) {
	if h.Command != Proxy {
		return b, bad("Version 1 has no LOCAL command.")
	}
	switch {
	case h.Family == Unspec:
		return append(b, "PROXY UNKNOWN\r\n"...), nil
	case h.Family != INET && h.Family != INET6:
		return b, bad("Version 1 has no UNIX family.")
	case h.Transport == Dgram:
		return b, bad("Version 1 has no UDP (Dgram) transport.")
	}
	b, err := h.appendLine(b)
	if err != nil {
		return b, err
	}
	return append(b, "\r\n"...), nil
}

// appendLine appends h, of family INET or INET6, as version 1 writes it,
// less its "\r\n", and with "UDP4" or "UDP6" for a Dgram transport, which
// String shows and version 1 cannot say. It fails, b unchanged, if the
// addresses are not of the family.
func (h *Header) appendLine(b []byte) ([]byte, error) {
	if !h.addrsOf(h.Family) {
		return b, bad("The addresses are not of the header's family.")
	}
	if h.Transport == Dgram {
		b = append(b, "PROXY UDP"...)
	} else {
		b = append(b, "PROXY TCP"...)
	}
	if h.Family == INET {
		b = append(b, "4 "...)
	} else {
		b = append(b, "6 "...)
	}
	b = h.Source.Addr().AppendTo(b)
	b = append(b, ' ')
	b = h.Destination.Addr().AppendTo(b)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(h.Source.Port()), 10)
	b = append(b, ' ')
	return strconv.AppendUint(b, uint64(h.Destination.Port()), 10), nil
}

// addrsOf reports whether h's addresses are of family f.
func (h *Header) addrsOf(f Family) bool {
	s, d := h.Source.Addr(), h.Destination.Addr()
	if f == INET {
		return s.Is4() && d.Is4()
	}
	return s.Is6() && d.Is6() && s.Zone() == "" && d.Zone() == ""
}

func (h *Header) appendV2(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, sigV2...)
	if h.Command == Local {
		return append(b, 0x20, 0, 0, 0), nil
	}
	if h.Command != Proxy || h.Family > UNIX || h.Transport > Dgram {
		return b[:start], bad("Bad command, family or transport.")
	}
	b = append(b, 0x21, byte(h.Family)<<4|byte(h.Transport), 0, 0)
	switch h.Family {
	case INET, INET6:
		if !h.addrsOf(h.Family) {
			return b[:start], bad("The addresses are not of the header's family.")
		}
		if h.Family == INET {
			s, d := h.Source.Addr().As4(), h.Destination.Addr().As4()
			b = append(append(b, s[:]...), d[:]...)
		} else {
			s, d := h.Source.Addr().As16(), h.Destination.Addr().As16()
			b = append(append(b, s[:]...), d[:]...)
		}
		b = binary.BigEndian.AppendUint16(b, h.Source.Port())
		b = binary.BigEndian.AppendUint16(b, h.Destination.Port())
	case UNIX:
		if len(h.SourcePath) == 0 || len(h.SourcePath) > 107 || len(h.DestinationPath) == 0 || len(h.DestinationPath) > 107 {
			return b[:start], bad("A UNIX path must have 1 to 107 bytes.")
		}
		var p [216]byte
		copy(p[:108], h.SourcePath)
		copy(p[108:], h.DestinationPath)
		b = append(b, p[:]...)
	}
	crcAt := -1
	for _, t := range h.TLVs {
		if len(t.Value) > 65535 {
			return b[:start], bad("A TLV's value must have at most 65535 bytes.")
		}
		if t.Type == TypeCRC32C && crcAt < 0 {
			crcAt = len(b)
			b = append(b, TypeCRC32C, 0, 4, 0, 0, 0, 0)
			continue
		}
		b = append(b, t.Type)
		b = binary.BigEndian.AppendUint16(b, uint16(len(t.Value)))
		b = append(b, t.Value...)
	}
	n := len(b) - start - 16
	if n > 65535 {
		return b[:start], bad("The header is longer than 65535 bytes.")
	}
	binary.BigEndian.PutUint16(b[start+14:], uint16(n))
	if crcAt >= 0 {
		binary.BigEndian.PutUint32(b[crcAt+3:], crc32.Checksum(b[start:], castagnoli))
	}
	return b, nil
}
