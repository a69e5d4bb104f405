package socket

import (
	"errors"
	"unsafe"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// port is a Socket as the driver's handler (driver.Handler): the methods
// the driver calls are port's, so that they are not Socket's and no user
// can call them, as net hides poll.FD inside netFD. A *port is the
// *Socket itself, converted: (*port)(s) costs nothing, neither an
// allocation nor a byte. Each method runs on the socket's poller with
// s.mu held, so that the owner gets the port's messages in the order the
// port makes them.
type port Socket

var _ driver.Handler = (*port)(nil)

// handler returns s as the driver's handler.
func (s *Socket) handler() *port { return (*port)(s) }

// OnRead takes bytes from the driver: they feed a pending Recv or, when
// active, become messages. It reports whether the port wants more.
func (p *port) OnRead(data []byte) bool {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() || s.gone {
		return false
	}
	if l := s.layerOf(); l != nil {
		s.stats.input(len(data))
		return s.layerRead(l, data)
	}
	s.recvUnrecvd()
	return s.feed(data)
}

// feed delivers what it can of data, bytes read, after the bytes the port
// holds, and keeps the rest. It reports whether the port wants more. The
// caller holds s.mu.
func (s *Socket) feed(data []byte) bool {
	src, owned := data, false
	if len(s.buf) > 0 {
		s.buf = append(s.buf, data...)
		src, owned = s.buf, true
	}
	rest, more := s.deliver(src)
	s.keep(rest, owned)
	return more
}

// keep makes rest, the bytes left undelivered, the port's buffer. rest is
// the tail of the port's buffer when owned, else of the driver's, which
// must be copied before OnRead returns.
func (s *Socket) keep(rest []byte, owned bool) {
	switch {
	case len(rest) == 0:
		s.buf = nil // an idle port holds no buffer
	case owned && unsafe.SliceData(rest) == unsafe.SliceData(s.buf):
		s.buf = rest // nothing was delivered: nothing moves
	case owned && !s.usesBig():
		s.buf = s.buf[:copy(s.buf, rest)]
	default:
		// From the driver's buffer, or after a packet of a mapped buffer,
		// which is unmapped below.
		s.buf = append(make([]byte, 0, max(len(rest), 256)), rest...)
	}
	s.settleBuf()
}

// deliver hands the packets at the start of src to a pending Recv or, in
// active mode, to the owner, as the mode allows. It returns the bytes it
// did not deliver and whether the port should keep reading. The caller
// holds s.mu.
func (s *Socket) deliver(src []byte) ([]byte, bool) {
	for {
		if s.recv != nil {
			r, err := s.next(src, s.recv.length)
			switch {
			case err != nil:
				s.peerGone(err)
				return nil, false
			case r.N == 0:
				return src, true
			}
			n := s.recv.reply(r, nil)
			s.recv = nil
			s.delivered(n)
			return src[n:], false
		}
		if !s.active.active() || s.dead {
			return src, false
		}
		r, err := s.next(src, 0)
		switch {
		case err != nil:
			s.peerGone(err)
			return nil, false
		case r.N == 0:
			return src, true
		}
		s.deliverPacket(r)
		s.delivered(r.N)
		src = src[r.N:]
	}
}

// next decodes the packet at the start of src: for raw, length bytes, or
// everything there is when length is 0. r.N is 0 when more bytes are
// needed. Errors are emsgsize.
func (s *Socket) next(src []byte, length int) (framing.Result, error) {
	if s.stream == nil {
		switch {
		case len(src) == 0, len(src) < length:
			r := framing.Result{More: length}
			s.noteNeed(r)
			return r, nil
		case length == 0:
			length = len(src)
		}
		return framing.Result{N: length, Packet: src[:length]}, nil
	}
	r, err := s.stream.Decode(src, int(s.opts.buffer))
	if err != nil {
		return r, unix.EMSGSIZE
	}
	s.noteNeed(r)
	return r, nil
}

// delivered counts n bytes delivered, a packet or a Conn's Read, in
// getstat's recv_* as inet_drv's inet_input_count does, unless the port
// has a layer, whose reads are counted instead. The caller holds s.mu.
func (s *Socket) delivered(n int) {
	if n > 0 && s.layerOf() == nil {
		s.stats.input(n)
	}
}

// deliverPacket sends one packet to the owner and counts it against the
// active mode. When that makes the port passive, its caller stops the
// driver reading (OnRead by returning false). The caller holds s.mu.
func (s *Socket) deliverPacket(r framing.Result) {
	s.send(s.dataMsg(r))
	switch s.active.kind {
	case modeOnce:
		s.active = False
	case modeN:
		s.active.n--
		if s.active.n == 0 {
			s.active = False
			s.send(s.passiveMsg())
		}
	}
}

// OnEOF: the peer closed its side.
func (p *port) OnEOF() {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed() && !s.gone {
		s.recvUnrecvd()
	}
	s.peerGone(nil)
}

// OnError: a read or a flush failed. A reset is closed unless the owner
// asked for show_econnreset. A failed flush (a *driver.WriteError) is
// inet_drv's tcp_send_error: an EPIPE counts as the reset it usually is,
// and the next Send is told of it as the next Recv is, where a failed
// read is told to Recv only (Send then answers enotconn). So a delay_send
// write that fails in the background leaves the next Send its closed.
func (p *port) OnError(err error) {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() || s.gone {
		return
	}
	s.recvUnrecvd()
	var we *driver.WriteError
	write := errors.As(err, &we)
	if write {
		err = we.Err
		if err == unix.EPIPE {
			err = unix.ECONNRESET
		}
	}
	if errors.Is(err, unix.ECONNRESET) && !s.opts.showEconnreset {
		err = nil
	}
	s.peerGone(err)
	if write && err != nil {
		s.ext.writeFailed = true // peerGone made s.ext for err
	}
}

// OnFlush: the driver wrote queued bytes; queued remain. Senders waiting
// on a busy socket go on when the queue is down to busyAt.
func (p *port) OnFlush(queued int) {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if busy := s.busyChan(); busy != nil && queued <= s.ext.busyAt {
		close(busy)
		s.ext.busy = nil
	}
}

// peerGone records that nothing more will be read, because the peer
// closed (why is nil) or an error: a pending Recv gets closed or the
// error, an active owner TCPError (for an error) and TCPClosed, a passive
// one nothing until it goes active; the owner of a port that Close is
// closing hears nothing. The caller holds s.mu.
func (s *Socket) peerGone(why error) {
	if s.closed() || s.gone {
		return
	}
	s.gone, s.owed = true, true
	if why != nil {
		s.extra().goneErr = why
	}
	s.dropBuf() // a partial packet will never complete
	if s.recv != nil {
		s.recv.reply(framing.Result{}, s.goneReason())
		s.recv = nil
		s.recvTold = true
	}
	s.wakeSenders()
	if s.active.active() && !s.dead {
		s.tellClosed()
	}
}

// goneReason is what Recv answers once the peer is gone.
func (s *Socket) goneReason() error {
	if why := s.goneWhy(); why != nil {
		return why
	}
	return ErrClosed
}

// tellClosed sends the owed TCPError and TCPClosed; with exit_on_close
// the port then exits. A port whose fd a send timeout closed
// (unconnected) has no error of the peer's to tell, and exits normally,
// as OTP 25's. The caller holds s.mu.
func (s *Socket) tellClosed() {
	why := s.goneWhy()
	if s.unconnected() {
		why = nil // enotconn is the port's own state, not why it exits
	}
	if why != nil {
		s.send(s.errorMsg(why))
	}
	s.send(s.closedMsg())
	s.owed = false
	if s.opts.exitOnClose || why == unix.EMSGSIZE {
		s.exit(why)
	}
}

// endRecv ends the pending Recv, if any, with closed, and drops the bytes
// read and not received: the port has closed. The caller holds s.mu.
func (s *Socket) endRecv() {
	s.dropBuf()
	if s.recv != nil {
		s.recv.reply(framing.Result{}, ErrClosed)
		s.recv = nil
	}
}

// wakeSenders releases senders waiting on a busy socket: they find it
// gone or dead, or go on after the send that made it busy gave up. The
// caller holds s.mu.
func (s *Socket) wakeSenders() {
	if busy := s.busyChan(); busy != nil {
		close(busy)
		s.ext.busy = nil
	}
}

// newTCP returns the message for packet p, with a copy of p that the owner
// may keep. A packet of up to inlinePacket bytes shares one allocation
// with its message; once the owner releases data (TCP.Release), a larger
// one, up to maxPooled, goes in a recycled buffer, as does one of more
// than smallPacket. The caller holds s.mu.
func newTCP(s *Socket, p []byte) *TCP {
	recycling := s.recycling()
	switch {
	case len(p) <= smallPacket:
		m := new(smallTCP)
		return m.TCP.own(s, m.buf[:], p)
	case recycling && len(p) <= maxPooled:
		if m := s.inPlace(p); m != nil {
			return m
		}
		return pooledTCP(s, p)
	case len(p) <= inlinePacket:
		m := new(inlineTCP)
		return m.TCP.own(s, m.buf[:], p)
	}
	m := &TCP{Socket: s, Data: clone(p)}
	if recycling {
		m.ref.Set(recycle.Own)
	} else {
		m.ref.Set(recycle.First)
	}
	return m
}

// own makes m packet p of s, copied into buf, the array that follows m
// in its allocation, and returns m.
func (m *TCP) own(s *Socket, buf, p []byte) *TCP {
	n := copy(buf, p)
	m.Socket, m.Data = s, buf[:n:n]
	m.ref.Set(recycle.Own)
	return m
}

// smallTCP is the message of a packet of up to smallPacket bytes, in one
// 96-byte allocation, the size class a message of 32 bytes (a TCP without
// the fields of Release's recycled buffers) and 64 bytes took.
type smallTCP struct {
	TCP
	buf [smallPacket]byte
}

// inlineTCP is the message of a packet of more than smallPacket and up to
// inlinePacket bytes, of a port that does not recycle: one 112-byte
// allocation, where the message and a copy would be two (48 and 64).
type inlineTCP struct {
	TCP
	buf [inlinePacket]byte
}

// smallPacket is the largest packet whose message is a smallTCP, which
// with the 48-byte TCP fills the 96-byte size class; inlinePacket the
// largest that lives in its message.
const (
	smallPacket  = 48
	inlinePacket = 64
)
