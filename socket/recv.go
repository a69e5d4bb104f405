package socket

import (
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"golang.org/x/sys/unix"
)

// recvWait is a Recv waiting for its packet.
type recvWait struct {
	length int
	done   chan recvResult // buffered: the port never blocks on it
}

type recvResult struct {
	data []byte
	http framing.HTTPPacket
	err  error
}

// reply completes the wait with the packet r, or with err.
func (w *recvWait) reply(r framing.Result, err error) {
	if err != nil {
		w.done <- recvResult{err: err}
		return
	}
	w.done <- packetOf(r)
}

// packetOf is the packet of r as Recv returns it, copied: r aliases a
// buffer.
func packetOf(r framing.Result) recvResult {
	if r.HTTP != nil {
		return recvResult{http: r.HTTP}
	}
	return recvResult{data: append([]byte(nil), r.Packet...)}
}

// Recv is gen_tcp:recv(Socket, Length, Timeout) on a passive socket: it
// returns one packet or, for {packet, raw}, Length bytes (Length 0: what
// is there, at least one byte). It fails with einval on an active socket
// or with Length > 0 and a packet type, ealready while another Recv
// waits, timeout (ErrTimeout) when Timeout passes (Infinity waits for
// ever), closed when the peer closed, emsgsize for a bad packet, and after
// that enotconn, as OTP does. A Recv cut short by timeout loses nothing:
// bytes read meanwhile stay for the next. For the http packet types use
// RecvHTTP.
func (s *Socket) Recv(length int, timeout time.Duration) ([]byte, error) {
	res, err := s.recvPacket(length, timeout)
	if err == nil && res.http != nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.data, err
}

// RecvHTTP is Recv for {packet, http | httph | http_bin | httph_bin}: one
// HTTP packet of package framing.
func (s *Socket) RecvHTTP(timeout time.Duration) (framing.HTTPPacket, error) {
	res, err := s.recvPacket(0, timeout)
	if err == nil && res.http == nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.http, err
}

func (s *Socket) recvPacket(length int, timeout time.Duration) (recvResult, error) {
	fail := func(err error) (recvResult, error) { return recvResult{}, &inet.Error{Op: "recv", Err: err} }
	s.mu.Lock()
	switch {
	case s.dead:
		s.mu.Unlock()
		return fail(ErrClosed)
	case s.listener, s.active.active(), length < 0, length > 0 && s.stream != nil:
		s.mu.Unlock()
		return fail(unix.EINVAL)
	case s.recv != nil:
		s.mu.Unlock()
		return fail(unix.EALREADY)
	}
	// What is buffered may already do.
	if len(s.buf) > 0 {
		r, err := s.next(s.buf, length)
		if err != nil {
			s.peerGone(err)
			s.recvTold = true
			s.mu.Unlock()
			return fail(err)
		}
		if r.N > 0 {
			res := packetOf(r)
			s.keep(s.buf[r.N:], true)
			s.mu.Unlock()
			return res, nil
		}
	}
	if s.gone {
		// The peer is gone: the first Recv to learn it gets closed (or
		// the error); with exit_on_close the socket is then no longer
		// connected.
		err := s.goneReason()
		if s.recvTold && (s.opts.exitOnClose || s.goneWhy() != nil) {
			err = unix.ENOTCONN
		}
		s.recvTold = true
		s.mu.Unlock()
		return fail(err)
	}
	w := &recvWait{length: length, done: make(chan recvResult, 1)}
	s.recv = w
	s.pool().Resume(s.h)
	s.mu.Unlock()

	var expired <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case res := <-w.done:
		if res.err != nil {
			return fail(res.err)
		}
		return res, nil
	case <-expired:
	}
	s.mu.Lock()
	if s.recv == w {
		s.recv = nil
		if !s.active.active() {
			s.pool().Pause(s.h)
		}
		s.mu.Unlock()
		return fail(ErrTimeout)
	}
	s.mu.Unlock()
	res := <-w.done // the packet came as the timer fired
	if res.err != nil {
		return fail(res.err)
	}
	return res, nil
}
