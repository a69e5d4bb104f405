package sock

import (
	"bytes"
	"slices"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// Recv receives data: socket:recv(S, Length, Timeout); recv/1 is Recv(0,
// Infinity), recv/2 Recv(Length, Infinity).
//
// On a stream socket, Length 0 waits until some data is there and returns
// what is, up to {otp, rcvbuf} bytes; Length N waits until N bytes have
// come. When the timeout passes, or the peer closes, before N bytes, the
// bytes that did come are returned with the error (timeout or closed), as
// OTP's {error, {timeout, Data}}. Once the peer has closed, Recv returns
// closed.
//
// On a datagram socket, Recv returns the next datagram, cut to Length
// bytes, or to {otp, rcvbuf} bytes for Length 0; the kernel drops the rest
// of a datagram that was cut.
func (s *Socket) Recv(length int, timeout time.Duration) ([]byte, error) {
	_, data, err := s.recv("recv", length, timeout, false)
	return data, err
}

// Recvfrom is Recv that also returns the sender's address:
// socket:recvfrom(S, Length, Timeout). On a stream socket the address is
// the zero Addr, OTP's #{family => unspec, addr => <<>>}.
func (s *Socket) Recvfrom(length int, timeout time.Duration) (Addr, []byte, error) {
	return s.recv("recvfrom", length, timeout, true)
}

func (s *Socket) recv(op string, length int, timeout time.Duration, wantFrom bool) (Addr, []byte, error) {
	if length < 0 {
		return Addr{}, nil, badArg(op, "length", length, "0 or more")
	}
	dl, err := deadline(op, timeout)
	if err != nil {
		return Addr{}, nil, err
	}
	if err := s.reader.take(dl); err != nil {
		return Addr{}, nil, opErr(op, err)
	}
	defer s.reader.give()
	if s.typ == Stream && length > 0 {
		data, err := s.recvExact(length, dl)
		return Addr{}, data, opErr(op, err)
	}
	from, data, err := s.recvOnce(length, dl, wantFrom)
	return from, data, opErr(op, err)
}

// recvExact reads until length bytes have come, and returns those that
// came with the reason when they are fewer. The buffer grows with the
// data, so a length far beyond what comes costs nothing.
func (s *Socket) recvExact(length int, dl time.Time) ([]byte, error) {
	buf := make([]byte, 0, min(length, firstChunk))
	err := s.pool.Do(s.h, false, dl, func(fd int) error {
		for len(buf) < length {
			if len(buf) == cap(buf) {
				buf = slices.Grow(buf, min(length-len(buf), len(buf)))
			}
			n, err := unix.Read(fd, buf[len(buf):min(cap(buf), length)])
			if err != nil {
				return err
			}
			if n == 0 {
				return inet.ErrClosed
			}
			buf = buf[:len(buf)+n]
		}
		return nil
	})
	if len(buf) == 0 {
		return nil, err
	}
	return buf, err
}

// recvOnce makes one read: what a stream has, or one datagram. The
// caller has the reader's turn.
func (s *Socket) recvOnce(length int, dl time.Time, wantFrom bool) (Addr, []byte, error) {
	r := &s.rd
	r.buf, r.n, r.wantFrom = s.readBuffer(length), 0, wantFrom && s.typ == Dgram
	err := s.pool.Do(s.h, false, dl, r.op)
	buf, n := r.buf, r.n
	r.buf = nil
	if err != nil {
		return Addr{}, nil, err
	}
	var from Addr
	if r.wantFrom {
		from = r.from.addr()
	}
	if length == 0 {
		return from, bytes.Clone(buf[:n]), nil
	}
	return from, buf[:n], nil
}

// readOnce is recvOnce's op: a read into s.rd.buf, with the sender's
// address when a datagram's is wanted (a stream's is the zero Addr).
func (s *Socket) readOnce(fd int) (err error) {
	r := &s.rd
	if r.wantFrom {
		r.n, err = r.from.recvfrom(fd, r.buf)
	} else {
		r.n, err = unix.Read(fd, r.buf)
	}
	if err == nil && r.n == 0 && s.typ == Stream {
		return inet.ErrClosed
	}
	return err
}

const (
	// maxDatagram bounds the buffer of a datagram's read: no UDP datagram
	// is larger.
	maxDatagram = 1 << 16
	// firstChunk bounds the first buffer of a Recv of Length N on a stream.
	firstChunk = 64 << 10
)

// readBuffer returns the buffer of a read of one datagram or of what a
// stream has: for length 0 the socket's own of {otp, rcvbuf} bytes, whose
// data the caller copies; a new one of length bytes otherwise. The caller
// has the reader's turn.
func (s *Socket) readBuffer(length int) []byte {
	if length > 0 {
		return make([]byte, min(length, maxDatagram))
	}
	size := int(s.rcvbuf.Load())
	if s.typ == Dgram {
		size = min(size, maxDatagram)
	}
	if len(s.buf) != size {
		s.buf = make([]byte, size)
	}
	return s.buf
}
