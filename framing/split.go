package framing

import (
	"fmt"
	"io"
)

// Split is a bufio.SplitFunc that splits a byte stream into d's packets, so
// a Decoder also serves a plain bufio.Scanner:
//
//	sc := bufio.NewScanner(r)
//	sc.Split(d.Split)
//
// A token is Result.Packet: the body for 1, 2 and 4, the raw line for the
// http types. Each call stands alone, as Decode does, so http and http_bin
// split every line apart while httph and httph_bin keep folded lines
// together; use a Stream to follow an HTTP connection. Invalid input stops
// the scan with ErrInvalid; input that ends inside a packet stops it with an
// error wrapping io.ErrUnexpectedEOF, as a socket drops a partial packet
// when the peer closes. A packet longer than the Scanner's buffer stops it
// with bufio.ErrTooLong: give the Scanner a Buffer as large as PacketSize.
func (d *Decoder) Split(data []byte, atEOF bool) (advance int, token []byte, err error) {
	r, err := d.Decode(data)
	switch {
	case err != nil:
		return 0, nil, err
	case r.Complete():
		return r.N, r.Packet, nil
	case atEOF && len(data) > 0:
		return 0, nil, fmt.Errorf("framing: stream ends inside a %s packet after %d bytes: %w", d.typ, len(data), io.ErrUnexpectedEOF)
	}
	return 0, nil, nil
}
