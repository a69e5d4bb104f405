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
	sa := dest.sockaddr()
	if sa == nil {
		return badArg("sendto", "sockaddr", dest, "an inet or inet6 address")
	}
	return s.send("sendto", data, sa, timeout)
}

func (s *Socket) send(op string, data []byte, to unix.Sockaddr, timeout time.Duration) error {
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

// write sends data in the writers' turn, and returns the bytes not sent.
func (s *Socket) write(data []byte, to unix.Sockaddr, dl time.Time) ([]byte, error) {
	if err := s.writer.take(dl); err != nil {
		return data, err
	}
	defer s.writer.give()
	rest := data
	err := s.pool.Do(s.h, true, dl, func(fd int) error {
		for {
			// MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE.
			n, err := unix.SendmsgN(fd, rest, nil, to, unix.MSG_NOSIGNAL)
			if err != nil {
				return err
			}
			rest = rest[n:]
			if len(rest) == 0 || s.typ != Stream {
				return nil
			}
		}
	})
	return rest, err
}
