package socket

import (
	"github.com/otpnet/otpnet/inet"
	"golang.org/x/sys/unix"
)

// Unrecv is gen_tcp:unrecv(Socket, Data): it puts data back at the front
// of what the socket has read, so that the next Recv, or the next message
// in an active mode, starts with it, framed by the socket's packet type as
// bytes read from the peer are. It is for a reader that took more than it
// wanted, as Ranch's recv_proxy_header gives back the bytes after the
// PROXY header. In an active mode, or with a Recv waiting, what it puts
// back is delivered at once. It fails with closed on a closed socket, and
// with einval on a listening socket or one that runs a layer (TLS), whose
// bytes are the layer's.
func (s *Socket) Unrecv(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed():
		return &inet.Error{Op: "unrecv", Err: ErrClosed}
	case s.listener || s.layerOf() != nil:
		return &inet.Error{Op: "unrecv", Err: unix.EINVAL}
	case len(data) == 0:
		return nil
	}
	buf := make([]byte, 0, max(len(data)+len(s.buf), 256))
	s.buf = append(append(buf, data...), s.buf...)
	s.settleBuf() // a mapped buffer the bytes were in is now unused
	switch {
	case s.recv != nil:
		rest, _ := s.deliver(s.buf)
		s.keep(rest, true)
	case s.active.active():
		s.activate()
	}
	return nil
}
