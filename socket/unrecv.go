package socket

import (
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// Unrecv is gen_tcp:unrecv(Socket, Data): it puts data back at the front
// of what the socket has read, so that the next Recv, or the next message
// in an active mode, starts with it, framed by the socket's packet type as
// bytes read from the peer are. It is for a reader that took more than it
// wanted, as Ranch's recv_proxy_header gives back the bytes after the
// PROXY header. In an active mode what it puts back is delivered at once.
// A Recv (or AsyncRecv, or a Conn's Read) already waiting is not answered
// by it, as OTP 25's is not: that Recv is answered at the port's next read
// event (the peer's bytes, or its close), from what was put back first if
// that holds a packet, and a Recv that times out before leaves it all for
// the next.
//
// It fails with closed on a closed socket; with enotconn on a listening
// socket, and on one no longer connected: a Recv has been told the peer
// closed (with exit_on_close, the default) or a read error, after which
// the next Recv answers enotconn and what Unrecv would put back is not
// read, as OTP 25's; and with einval on a socket that runs a layer (TLS),
// whose bytes are the layer's.
func (s *Socket) Unrecv(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed():
		return &inet.Error{Op: "unrecv", Err: ErrClosed}
	case s.listener, s.unconnected(), s.recvEnded():
		return &inet.Error{Op: "unrecv", Err: unix.ENOTCONN}
	case s.layerOf() != nil:
		return &inet.Error{Op: "unrecv", Err: unix.EINVAL}
	case len(data) == 0:
		return nil
	}
	buf := make([]byte, 0, max(len(data)+len(s.buf), 256))
	s.buf = append(append(buf, data...), s.buf...)
	s.settleBuf() // a mapped buffer the bytes were in is now unused
	switch {
	case s.recv != nil:
		s.extra().unrecvd = true
	case s.active.active():
		s.activate()
	}
	return nil
}

// recvUnrecvd answers the Recv that waited while Unrecv put bytes back
// from them, if they hold a packet, as inet_drv's port does on its next
// read event before it reads. The caller holds s.mu.
func (s *Socket) recvUnrecvd() {
	if s.ext == nil || !s.ext.unrecvd {
		return
	}
	s.ext.unrecvd = false
	if s.recv != nil && len(s.buf) > 0 {
		rest, _ := s.deliver(s.buf)
		s.keep(rest, true)
	}
}
