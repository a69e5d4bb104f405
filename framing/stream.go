package framing

import "math"

// A Stream decodes the packets of one byte stream, one after another, the
// way inet_drv does on a socket's receive buffer. It differs from Decode in
// three ways, all from inet_drv.c's tcp_remain:
//
//   - The line length limit is the size of the socket's buffer, passed to
//     each Decode: inet_drv passes its buffer size where decode_packet
//     passes line_length (gen_tcp has no line_length option; a LineLength
//     given to the Decoder is not used). A line longer than the buffer
//     therefore comes out in pieces of bufSize bytes, the last piece ending
//     with the delimiter; for the http types, without PacketSize, a line
//     longer than the buffer is an error.
//   - A packet whose length is still unknown when the unread bytes fill the
//     buffer is an error, unless PacketSize is larger: then inet_drv grows
//     the buffer to PacketSize and reads on, and so must the caller (see
//     Decoder.PacketSize). This is the inet manual's "the same happens if
//     the packet header is too big for the socket receive buffer". A packet
//     whose length is known may be larger than the buffer: inet_drv grows
//     the buffer to Result.More.
//   - The http types keep their state: http and http_bin start with the
//     request or status line, then decode header lines (folded lines
//     included) until the blank line, then start over, as a socket
//     "automatically switches from http to httph internally".
//
// Errors are ErrMsgSize, which is what gen_tcp reports for a bad or
// oversized packet. A Stream is not safe for concurrent use.
type Stream struct {
	dec    Decoder
	header bool // http state: the request or status line has been seen
}

// NewStream returns a Stream that decodes packets as d does, starting with
// a request or status line for the http types.
func NewStream(d *Decoder) *Stream { return &Stream{dec: *d} }

// Decode decodes the packet at the start of buf, the unread part of a
// socket's buffer of bufSize bytes (0 or less: no limit). After a complete
// packet the caller drops r.N bytes and calls Decode again.
//
// buf may hold more than the buffer: while a packet's length is unknown,
// Decode decides on no more than inet_drv can hold, which is bufSize bytes,
// or PacketSize if that is larger. With a buffer of 2 bytes, for example,
// the header of packet 4 never fits, however many bytes follow.
func (s *Stream) Decode(buf []byte, bufSize int) (Result, error) {
	view, trunc := buf, uint32(0)
	if bufSize > 0 {
		trunc = uint32(min(bufSize, math.MaxUint32))
		view = buf[:min(len(buf), max(bufSize, int(s.dec.size)))]
	}
	r, header, err := s.dec.decode(view, trunc, s.header)
	if err == nil && r.More > 0 && len(view) < len(buf) {
		// The header gives the length: inet_drv grows its buffer to it.
		r, header, err = s.dec.decode(buf, trunc, s.header)
	}
	switch {
	case err != nil:
		return Result{}, ErrMsgSize
	case r.Complete():
		r.Rest = buf[r.N:]
		s.header = header
	case r.More == 0 && bufSize > 0 && len(view) >= max(bufSize, int(s.dec.size)):
		// The length is unknown and the buffer, grown to packet_size if
		// that is larger, is full: tcp_remain's error.
		return Result{}, ErrMsgSize
	}
	return r, nil
}

// InHeaders reports whether the Stream is inside an HTTP head: the request
// or status line has been decoded and the blank line has not. It is always
// false for the other types.
func (s *Stream) InHeaders() bool { return s.header && s.dec.typ.isHTTP() }

// Reset makes the Stream expect a request or status line again, as a socket
// whose packet type is set anew.
func (s *Stream) Reset() { s.header = false }
