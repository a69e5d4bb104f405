package sock

import (
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// Send sends data on a connected socket: socket:send(S, Data, Timeout);
// send/2 is Send(data, Infinity). It returns once the kernel has all of
// data, which says nothing of the peer having it. On a stream socket whose
// timeout passes first, the error holds a *inet.SendTimeoutError with
// the bytes not sent, OTP's {error, {timeout, RestData}}; it matches
// inet.ErrTimeout. On a datagram socket data is one datagram.
func (s *Socket) Send(data []byte, timeout time.Duration) error {
	return s.send("send", data, nil, timeout)
}

// Sendto sends data to dest: socket:sendto(S, Data, Dest, Timeout);
// sendto/3 is Sendto(data, dest, Infinity). On a datagram socket data is
// one datagram.
func (s *Socket) Sendto(data []byte, dest Addr, timeout time.Duration) error {
	if !validAddr(dest) {
		return badArg("sendto", "sockaddr", dest, "an inet or inet6 address")
	}
	return s.send("sendto", data, &dest, timeout)
}

func (s *Socket) send(op string, data []byte, to *Addr, timeout time.Duration) error {
	dl, err := deadline(op, timeout)
	if err != nil {
		return err
	}
	rest, err := s.write(data, to, dl)
	if err == driver.ErrTimeout && s.typ == Stream {
		err = &inet.SendTimeoutError{Rest: rest}
	}
	return opErr(op, err)
}

// write sends data, to an address or the peer's (to nil), in the
// writers' turn, and returns the bytes not sent.
func (s *Socket) write(data []byte, to *Addr, dl time.Time) ([]byte, error) {
	if err := s.writer.take(dl); err != nil {
		return data, err
	}
	defer s.writer.give()
	w := &s.wr
	w.rest, w.to = data, nil
	if to != nil {
		w.dest.set(*to)
		w.to = w.dest.sockaddr()
	}
	err := s.pool.Do(s.h, true, dl, w.op)
	rest := w.rest
	w.rest = nil
	return rest, err
}

// writeOnce is write's op: it sends s.wr.rest, a datagram whole, a
// stream's bytes until the kernel takes no more.
func (s *Socket) writeOnce(fd int) error {
	w := &s.wr
	if s.typ == Dgram && w.to != nil {
		return sendto(fd, w.rest, w.to)
	}
	for {
		// MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE.
		n, err := unix.SendmsgN(fd, w.rest, nil, w.to, unix.MSG_NOSIGNAL)
		if err != nil {
			return err
		}
		w.rest = w.rest[n:]
		if len(w.rest) == 0 || s.typ != Stream {
			return nil
		}
	}
}
