package socket

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// recvWait is a Recv waiting for its packet: Recv's, answered on done,
// or AsyncRecv's (done is nil), answered by a *RecvResult in its caller's
// mailbox. When the call has a caller (RecvAs, AsyncRecv), it is the
// monitor of that caller.
type recvWait struct {
	asyncCall
	s      *Socket
	length int
	done   chan recvReply // 1-buffered: the port never blocks on it
}

// recvReply is Recv's answer.
type recvReply struct {
	data []byte
	http framing.HTTPPacket
	err  error
}

// reply completes the wait with the packet r, or with err, and returns
// how many of r's bytes it took. The caller holds s.mu, and takes w out
// of s.recv.
func (w *recvWait) reply(r framing.Result, err error) int {
	if err != nil {
		w.answer(recvReply{err: err})
		return 0
	}
	res, n := w.s.take(r)
	w.answer(res)
	return n
}

// answer gives w its result. A Conn's Read ends with it: the port no
// longer copies into its buffer. The caller holds s.mu.
func (w *recvWait) answer(res recvReply) {
	if x := w.s.ext; x != nil {
		x.read = nil
	}
	if w.done != nil {
		w.done <- res
		return
	}
	w.cancelTimer()
	w.demonitor(w)
	if res.err != nil {
		res.err = &inet.Error{Op: "recv", Err: res.err}
	}
	w.sys.Root.Send(w.caller, &RecvResult{Socket: w.s, Ref: w.ref, Data: res.data, Packet: res.http, Err: res.err})
}

// take is the answer of the pending Recv for the packet r, copied (r
// aliases a buffer), and how many of r's bytes it took: all of them; for
// a Conn's Read, of a raw socket, as many as its buffer holds, copied
// into it. The caller holds s.mu.
func (s *Socket) take(r framing.Result) (recvReply, int) {
	if x := s.ext; x != nil && x.read != nil {
		n := copy(x.read, r.Packet)
		return recvReply{data: x.read[:n]}, n
	}
	if r.HTTP != nil {
		return recvReply{http: r.HTTP}, r.N
	}
	return recvReply{data: clone(r.Packet)}, r.N
}

// Down is the port told that the caller of w has stopped: its Recv ends,
// with closed for RecvAs's goroutine, and the socket is as it would be
// after a Recv that timed out: nothing is lost.
func (w *recvWait) Down(who *actor.PID) {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !who.Equal(w.caller) || w.downed {
		return
	}
	w.downed = true
	if s.recv != w {
		return
	}
	s.dropRecv()
	w.cancelTimer()
	if w.done != nil {
		w.done <- recvReply{err: ErrClosed}
	}
}

// expire ends an AsyncRecv whose timeout has passed, with timeout.
func (w *recvWait) expire() {
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recv == w {
		s.dropRecv()
		w.answer(recvReply{err: ErrTimeout})
	}
}

// dropRecv ends the pending Recv with no answer: the port reads no more
// for it, nor copies into a Conn's buffer. The caller holds s.mu.
func (s *Socket) dropRecv() {
	s.recv = nil
	if s.ext != nil {
		s.ext.read, s.ext.unrecvd = nil, false
	}
	if !s.active.active() && !s.closed() {
		s.pool().Pause(s.h)
	}
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
//
// Recv is the owner's, whose stopping closes the socket and so ends the
// Recv with closed. A Recv made for another process, which Go cannot tell
// from the goroutine, is RecvAs.
func (s *Socket) Recv(length int, timeout time.Duration) ([]byte, error) {
	res, err := s.recvPacket(nil, length, timeout, nil)
	if err == nil && res.http != nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.data, err
}

// RecvAs is Recv made by the process c that is not the socket's owner:
// the port monitors c, and when c stops while RecvAs waits (a Process
// closed, an actor stopped), RecvAs returns closed at once and the socket
// is as a Recv that timed out leaves it: the bytes read meanwhile stay for
// the next Recv. A c that has stopped already gets noproc (ErrNoProc), a
// nil c badarg.
//
// OTP 25 differs: the recv of a process that is killed stays pending in
// the port, so that the next recv answers ealready and the next packet
// goes to the dead process, and is lost.
func (s *Socket) RecvAs(c Caller, length int, timeout time.Duration) ([]byte, error) {
	if c == nil || c.Self() == nil || c.ActorSystem() == nil {
		return nil, &inet.Error{Op: "recv", Err: ErrBadArg}
	}
	res, err := s.recvPacket(c, length, timeout, nil)
	if err == nil && res.http != nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.data, err
}

// RecvHTTP is Recv for {packet, http | httph | http_bin | httph_bin}: one
// HTTP packet of package framing.
func (s *Socket) RecvHTTP(timeout time.Duration) (framing.HTTPPacket, error) {
	res, err := s.recvPacket(nil, 0, timeout, nil)
	if err == nil && res.http == nil {
		return nil, &inet.Error{Op: "recv", Err: unix.EINVAL}
	}
	return res.http, err
}

// AsyncRecv is prim_inet:async_recv(Socket, Length, Timeout): it starts a
// Recv, as Recv does, and returns at once; the packet or the error comes
// to the caller's mailbox as a *RecvResult with the returned reference,
// even when it is there already. Timeout Infinity waits for ever; when
// timeout passes first the result is timeout, and the bytes read meanwhile
// stay for the next Recv. The Recv ends with no result when the caller
// stops or CancelAsync takes it back, and the socket is then as a Recv
// that timed out leaves it. AsyncRecv itself fails, with no result to
// come, for a nil caller (badarg), a listening or active socket or a bad
// Length (einval), while another Recv waits (ealready), for a closed
// socket (closed) or a caller that has stopped (noproc).
func (s *Socket) AsyncRecv(c Caller, length int, timeout time.Duration) (AsyncRef, error) {
	if c == nil || c.Self() == nil || c.ActorSystem() == nil {
		return 0, &inet.Error{Op: "recv", Err: ErrBadArg}
	}
	w := &recvWait{s: s, length: length}
	w.sys, w.caller, w.ref = c.ActorSystem(), c.Self(), newAsyncRef()
	if err := s.startRecv(w, nil); err != nil {
		return 0, &inet.Error{Op: "recv", Err: err}
	}
	if timeout >= 0 {
		s.mu.Lock()
		if s.recv == w {
			w.timer = time.AfterFunc(timeout, w.expire)
		}
		s.mu.Unlock()
	}
	return w.ref, nil
}

// startRecv monitors w's caller, if it has one, and makes w the socket's
// Recv: answered at once if what is buffered will do, or the peer is
// gone. With into, w is a Conn's Read of a raw socket, which takes what
// is there, at most len(into) bytes, into into (ext.read holds it until
// the answer). It returns the errors of the call itself: badarg, einval,
// ealready, closed, noproc.
func (s *Socket) startRecv(w *recvWait, into []byte) error {
	if w.caller != nil {
		// The caller's Down may come as soon as it is monitored, before
		// w is the socket's Recv: it marks w downed, looked at below.
		alive, err := otpactor.MonitorPID(w.sys, w.caller, w)
		if err != nil || !alive {
			w.downed = true
			return ErrNoProc
		}
	} else {
		w.downed = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.recvable(w.length)
	switch {
	case err != nil:
	case w.downed && w.caller != nil:
		err = ErrClosed // its caller stopped meanwhile
	case into != nil && s.stream != nil:
		err = unix.EINVAL // a Conn reads raw bytes only
	}
	if err != nil {
		w.demonitor(w)
		return err
	}
	if into != nil {
		s.extra().read = into
	}
	if res, ok := s.recvNow(w.length); ok {
		w.answer(res)
		if w.done != nil {
			w.demonitor(w)
		}
		return nil
	}
	s.recv = w
	s.readMore()
	return nil
}

// recvable reports why a Recv of length cannot start, or nil. The caller
// holds s.mu.
func (s *Socket) recvable(length int) error {
	switch {
	case s.closed():
		return ErrClosed
	case s.listener, s.active.active(), length < 0, length > 0 && s.stream != nil:
		return unix.EINVAL
	case s.recv != nil:
		return unix.EALREADY
	}
	return nil
}

// recvNow answers a Recv of length from what is buffered, or with why the
// peer is gone, if it can. The caller holds s.mu.
func (s *Socket) recvNow(length int) (recvReply, bool) {
	if len(s.buf) > 0 {
		r, err := s.next(s.buf, length)
		if err != nil {
			s.peerGone(err)
			s.recvTold = true
			return recvReply{err: err}, true
		}
		if r.N > 0 {
			res, n := s.take(r)
			s.delivered(n)
			s.keep(s.buf[n:], true)
			return res, true
		}
	}
	if s.gone {
		// The peer is gone: the first Recv to learn it gets closed (or
		// the error); with exit_on_close the socket is then no longer
		// connected.
		err := s.goneReason()
		if s.recvEnded() {
			err = unix.ENOTCONN
		}
		s.recvTold = true
		return recvReply{err: err}, true
	}
	return recvReply{}, false
}

// recvEnded reports whether a Recv has been told that the peer is gone
// and the socket is no longer connected for it (exit_on_close, or an
// error): the next Recv, and Unrecv, answer enotconn. The caller holds
// s.mu.
func (s *Socket) recvEnded() bool {
	return s.gone && s.recvTold && (s.opts.exitOnClose || s.goneWhy() != nil)
}

// recvPacket is Recv, made for c if c is not nil (RecvAs), that also
// gives up, with errStopped, when stop closes (a nil stop never does).
func (s *Socket) recvPacket(c Caller, length int, timeout time.Duration, stop <-chan struct{}) (recvReply, error) {
	fail := func(err error) (recvReply, error) { return recvReply{}, &inet.Error{Op: "recv", Err: err} }
	if c == nil {
		// What can be answered at once needs no wait: a passive owner
		// that reads what is there allocates nothing for it.
		s.mu.Lock()
		if err := s.recvable(length); err != nil {
			s.mu.Unlock()
			return fail(err)
		}
		res, ok := s.recvNow(length)
		s.mu.Unlock()
		if ok {
			if res.err != nil {
				return fail(res.err)
			}
			return res, nil
		}
	}
	w := &recvWait{s: s, length: length, done: make(chan recvReply, 1)}
	if c != nil {
		w.sys, w.caller = c.ActorSystem(), c.Self()
	}
	if err := s.startRecv(w, nil); err != nil {
		return fail(err)
	}
	res, err := await(w.done, timeout, stop, func() bool { return s.withdrawRecv(w) })
	if err != nil {
		return fail(err)
	}
	if w.caller != nil {
		s.mu.Lock()
		w.demonitor(w)
		s.mu.Unlock()
	}
	if res.err != nil {
		return fail(res.err)
	}
	return res, nil
}

// withdrawRecv takes the blocking Recv w back when its time is up, and
// reports whether it was pending still: if not, its answer is on its
// way.
func (s *Socket) withdrawRecv(w *recvWait) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.recv != w {
		return false // the packet came as the timer fired
	}
	s.dropRecv()
	w.demonitor(w)
	return true
}

// readInto is a Conn's Read: a Recv, waiting on the Conn's own w, of
// what is there, at most len(b) bytes, copied into b; it gives up, with
// errStopped, when stop closes (a nil stop never does).
func (s *Socket) readInto(w *recvWait, b []byte, stop <-chan struct{}) (int, error) {
	if err := s.startRecv(w, b); err != nil {
		return 0, &inet.Error{Op: "recv", Err: err}
	}
	res, err := await(w.done, Infinity, stop, func() bool { return s.withdrawRecv(w) })
	if err == nil {
		err = res.err
	}
	if err != nil {
		return 0, &inet.Error{Op: "recv", Err: err}
	}
	return len(res.data), nil
}

// endRawRead ends a Conn's Read that waits, with einval, when SetOpts
// frames the socket: a Conn reads raw bytes only. The caller holds s.mu.
func (s *Socket) endRawRead() {
	if w := s.recv; w != nil && s.stream != nil && s.ext != nil && s.ext.read != nil {
		s.dropRecv()
		w.answer(recvReply{err: unix.EINVAL})
	}
}
