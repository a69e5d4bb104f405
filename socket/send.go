package socket

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// maxIov is how many slices Send passes to the driver without allocating.
const maxIov = 8

// Send is gen_tcp:send(Socket, Packet): data, several slices sent as one
// (iodata), as one packet with the header {packet, 1 | 2 | 4} asks for.
//
// With the inet backend (the default) Send returns as soon as the data is
// written or queued; a send that finds bytes queued and leaves the queue
// above HighWatermark makes the socket busy and waits until the queue is
// below LowWatermark or SendTimeout passes (timeout; its data stays
// queued and will be sent; with SendTimeoutClose the socket closes).
// Later sends wait while the socket is busy, with no timeout of their
// own, as the processes OTP suspends on a busy port do: once the sender
// that made it busy returns, they go on, queue their data, and may make
// the socket busy in turn, their SendTimeout running from then. But a
// send that finds the queue empty and leaves 256 KiB or more unwritten is not copied to the queue
// at once: the queue references its data, and Send waits while the
// kernel takes it, as net.Conn's Write does, so that a big packet is not
// copied once more. That is where it differs from OTP's gen_tcp:send,
// which returns once the data is queued: here the caller waits for its
// own send while the peer reads it, and returns when all is written, when
// the socket closes or a write fails (the data is then dropped, as from
// OTP's queue), or as soon as the peer read less than 256 KiB of it in
// 50 ms, or SendTimeout (or a Conn's deadline, or a context) ends the
// wait: then what is left is copied to the queue, to be sent, and the
// send succeeds, as OTP's would have (it found the queue empty, so it
// does not time out, nor close the socket with SendTimeoutClose). So a
// Send to a peer that does not read returns about 50 ms later than
// OTP's, with its data queued, and one to a peer that reads waits at
// most 50 ms per 256 KiB of its data (about 200 ms per MiB) beyond what
// OTP's would. The caller may change data once Send has returned, as
// always. With the socket backend Send
// waits until all is written, or fails after SendTimeout with
// *inet.SendTimeoutError holding what was not (with SendTimeoutClose,
// timeout alone: the socket closes, and what was not written is lost, as
// in OTP 25). A payload too long for a 1 or 2
// byte header is emsgsize, where OTP would silently truncate the header.
// A Send while another process's Close waits for the queue to drain waits
// with it, as a send to OTP's busy closing port does: closed once the
// socket has closed, timeout if SendTimeout passes first.
func (s *Socket) Send(data ...[]byte) error {
	_, err := s.write(nil, data)
	return err
}

// errStopped is the reason of a call whose stop channel closed while it
// waited: a Conn's deadline or a context. It never leaves the package:
// Conn and the context forms put their own error in its place.
var errStopped = errors.New("stopped")

// write is Send that also gives up waiting when stop closes (a nil stop
// never does): then its reason is errStopped, or on the socket backend a
// *inet.SendTimeoutError. Unlike a SendTimeout, a stop never closes the
// socket. It reports whether the data was handed to the driver: what
// fails after that (a busy wait that ends) leaves it queued, to be sent.
func (s *Socket) write(stop <-chan struct{}, data [][]byte) (queued bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	due := sendDue{timeout: s.opts.sendTimeout}
	if err := s.ready(&due, stop); err != nil {
		return false, &inet.Error{Op: "send", Err: err}
	}

	var iov [maxIov][]byte
	bufs := iov[:0]
	n := 0
	for _, b := range data {
		n += len(b)
	}
	total := n // this send's bytes, with its header
	if s.opts.packet >= framing.One && s.opts.packet <= framing.Four {
		h, err := framing.AppendHeader(s.hdr[:0], s.opts.packet, n)
		if err != nil {
			return false, &inet.Error{Op: "send", Err: unix.EMSGSIZE}
		}
		bufs = append(bufs, h)
		total += len(h)
	}
	bufs = append(bufs, data...)
	l := s.layerOf()
	if l != nil {
		// The layer seals the packet, header and all, into its records,
		// and they are what is queued (and weighed against the
		// watermarks).
		if bufs, err = s.layerSeal(l, bufs); err != nil {
			l.Done()
			return false, &inet.Error{Op: "send", Err: err}
		}
		total = len(bufs[0])
		n = total // the stats count the bytes on the wire, as OTP's ssl's (its socket's)
	}

	var left int
	var lent <-chan struct{}
	switch {
	case s.opts.delaySend:
		left, err = s.pool().WriteLater(s.h, bufs)
	case l == nil && s.opts.backend != BackendSocket:
		left, lent, err = s.pool().WritevLent(s.h, bufs, lendFrom)
	default:
		left, err = s.pool().Writev(s.h, bufs)
	}
	if l != nil {
		// The driver has written or copied the records: the layer's
		// buffers are free before any wait below lets the port read.
		l.Done()
	}
	if err != nil {
		return false, &inet.Error{Op: "send", Err: s.sendFailed(err)}
	}
	s.stats.output(n)

	switch {
	case lent != nil:
		s.waitLent(lent, left, due.deadline(), stop)
		return true, nil
	case s.opts.backend == BackendSocket && left > 0:
		return true, s.sendAll(due.deadline(), stop)
	case left >= int(s.opts.high) && left > total:
		// As in inet_drv, only a send that finds bytes already queued
		// makes the socket busy and waits: one that found the queue empty
		// returns, however much of it is left queued.
		return true, s.becomeBusy(due.deadline(), stop)
	}
	return true, nil
}

// lendFrom is the least a Send must leave unwritten, having found the
// queue empty, for the driver to reference the data rather than copy it
// to the queue: Send then waits while the kernel takes it (waitLent).
const lendFrom = 256 << 10

// lendStall is how long a Send waits, with its data lent to the driver,
// for the kernel to take lendFrom bytes of it: a peer that reads less
// than that in that long gets the rest copied to the queue, as OTP's
// send would have.
const lendStall = 50 * time.Millisecond

// testLendStall, when not 0, is lendStall for the tests, which set it
// while ports of earlier tests may still be sending.
var testLendStall atomic.Int64

// waitLent waits, without s.mu, until the data a Send lent the driver
// (lent bytes of the queue, of which left were still to write) is
// written, or dropped (the socket closed, or a write failed, which the
// next call is told of as always). When fewer than lendFrom bytes of it
// were written in lendStall, or the deadline passes or stop closes first,
// the driver copies what it has not written to its queue (Unlend), where
// it is still sent, and the Send returns as one that copied it at once
// would have: the data was queued, and a send that found the queue empty
// does not time out. The progress is measured by what is left of the lent
// bytes, not by the queue, to which other Sends add. The caller holds
// s.mu.
func (s *Socket) waitLent(lent <-chan struct{}, left int, deadline time.Time, stop <-chan struct{}) {
	for {
		stall := lendStall
		if t := testLendStall.Load(); t != 0 {
			stall = time.Duration(t)
		}
		look := time.Now().Add(stall)
		if !deadline.IsZero() && deadline.Before(look) {
			look = deadline
		}
		err := s.waitUnlocked(lent, look, stop)
		if err == nil {
			return
		}
		if err == ErrTimeout && look != deadline {
			if l, lerr := s.pool().Lent(s.h); lerr == nil && left-l >= lendFrom {
				left = l // still moving
				continue
			}
		}
		_ = s.pool().Unlend(s.h) // an error is a closed socket: nothing is lent any more
		return
	}
}

// ready waits, without s.mu, while the socket is busy (or being closed),
// and reports why Send cannot go on, or nil. On the inet backend a busy
// socket is waited for with no deadline, as OTP's suspended sender
// waits: the send that made it busy ends the wait when it returns (see
// becomeBusy). On the socket backend, as in OTP 25's gen_tcp_socket, a
// send waits for another's until its own deadline. A Close that drains
// the queue is waited for until due's deadline. The caller holds s.mu.
func (s *Socket) ready(due *sendDue, stop <-chan struct{}) error {
	err := s.sendable()
	for err == nil && s.busyChan() != nil { // busy: wait before queuing more
		var deadline time.Time
		if s.opts.backend == BackendSocket {
			deadline = due.deadline()
		}
		if err = s.waitBusy(deadline, stop); err == nil {
			err = s.sendable()
		}
	}
	if err == ErrClosed {
		err = s.waitClosed(due.deadline(), stop)
	}
	return err
}

// sendDue is a Send's send_timeout, made a deadline when the Send first
// waits, so that one that does not wait does not read the clock. As in
// inet_drv, whose send timer starts when a send makes the port busy, the
// time runs from the wait.
type sendDue struct {
	timeout time.Duration // negative: infinity
	at      time.Time
}

// deadline is the Send's deadline, the zero time for infinity.
func (d *sendDue) deadline() time.Time {
	if d.timeout >= 0 && d.at.IsZero() {
		d.at = time.Now().Add(d.timeout)
	}
	return d.at
}

// waitClosed waits, without s.mu, for a Close that drains the queue: it
// answers closed once the socket has closed, timeout if the deadline
// passes first (errStopped if stop closes); closed at once when no Close
// is draining. The caller holds s.mu.
func (s *Socket) waitClosed(deadline time.Time, stop <-chan struct{}) error {
	if s.ext == nil || s.ext.closing == nil {
		return ErrClosed
	}
	if err := s.waitUnlocked(s.ext.closing, deadline, stop); err != nil {
		return err
	}
	return ErrClosed
}

// waitUnlocked waits, without s.mu, until ch is closed (it returns nil),
// the deadline passes (ErrTimeout; a zero deadline never does) or stop
// closes (errStopped; a nil stop never does). The caller holds s.mu, and
// holds it again on return.
func (s *Socket) waitUnlocked(ch <-chan struct{}, deadline time.Time, stop <-chan struct{}) error {
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	s.mu.Unlock()
	defer s.mu.Lock()
	var why error
	select {
	case <-ch:
		return nil
	case <-expired:
		why = ErrTimeout
	case <-stop:
		why = errStopped
	}
	if passed(ch) { // closed as the wait ended: select picks at random
		return nil
	}
	return why
}

// sendable reports why Send cannot go on, or nil. The caller holds s.mu.
func (s *Socket) sendable() error {
	switch {
	case s.dead:
		return ErrClosed
	case s.listener:
		return unix.ENOTCONN
	case s.gone && s.ext != nil && s.ext.writeFailed && !s.sendTold:
		s.sendTold = true // a write failed in the background: this send is told
		return s.goneWhy()
	case s.gone && (s.goneWhy() != nil || s.sendTold):
		return unix.ENOTCONN
	case s.gone && s.opts.exitOnClose:
		s.sendTold = true // the first send to learn it gets closed
		return ErrClosed
	}
	return nil
}

// sendFailed handles a write the kernel refused (EPIPE, ECONNRESET, ...):
// as OTP's tcp_send_error, the peer is gone, the send answers closed
// (econnreset with show_econnreset), a recv does so once more, and the
// next send answers enotconn. The caller holds s.mu.
func (s *Socket) sendFailed(err error) error {
	if err == driver.ErrClosed {
		return ErrClosed
	}
	var why error
	if errors.Is(err, unix.ECONNRESET) && s.opts.showEconnreset {
		why = unix.ECONNRESET
	}
	s.peerGone(why)
	s.sendTold = true
	if why != nil {
		return why
	}
	return ErrClosed
}

// becomeBusy makes the socket busy after a send left queued bytes above
// the high watermark, and waits, as the sender OTP suspends does, for the
// queue to fall below the low one. When it stops waiting first (timeout,
// or stop), the socket is no longer busy, as inet_drv's send timer clears
// the port's busy state: the sends waiting for it go on. The caller holds
// s.mu.
func (s *Socket) becomeBusy(deadline time.Time, stop <-chan struct{}) error {
	busy := s.busyChan()
	if busy == nil {
		x := s.extra()
		busy = make(chan struct{})
		x.busy, x.busyAt = busy, int(s.opts.low)
	}
	if err := s.waitBusy(deadline, stop); err != nil {
		if s.busyChan() == busy {
			s.wakeSenders()
		}
		return &inet.Error{Op: "send", Err: err}
	}
	return nil
}

// sendAll waits until the queue is empty, for the socket backend: on
// timeout, or when stop closes, it takes back what is still queued and
// returns it (*inet.SendTimeoutError); but a timeout with
// send_timeout_close closes the socket and answers timeout alone, the
// rest wasted, as OTP 25's gen_tcp_socket does. A queue that emptied as
// the wait ended has nothing to take back: the send is done. Meanwhile
// the socket is busy, so other senders wait: the queue holds this send's
// bytes only. The caller holds s.mu.
func (s *Socket) sendAll(deadline time.Time, stop <-chan struct{}) error {
	busy := s.busyChan()
	if busy == nil {
		x := s.extra()
		busy = make(chan struct{})
		x.busy, x.busyAt = busy, 0
	}
	err := s.waitUnlocked(busy, deadline, stop)
	if err == ErrTimeout || err == errStopped {
		rest, _ := s.pool().Unqueue(s.h)
		s.wakeSenders()
		if len(rest) > 0 {
			if err == ErrTimeout && s.opts.sendTimeoutClose {
				s.timeoutClose()
				return &inet.Error{Op: "send", Err: ErrTimeout}
			}
			return &inet.Error{Op: "send", Err: &inet.SendTimeoutError{Rest: rest}}
		}
		err = nil
	}
	if err == nil {
		err = s.sendable()
	}
	if err != nil {
		return &inet.Error{Op: "send", Err: err}
	}
	return nil
}

// waitBusy waits, without s.mu, until the socket is not busy, the
// deadline passes or stop closes. On timeout, send_timeout_close closes
// the socket; a stop (errStopped) leaves it open: it is the caller's
// deadline or context, not the socket's send_timeout. The caller holds
// s.mu.
func (s *Socket) waitBusy(deadline time.Time, stop <-chan struct{}) error {
	busy := s.busyChan()
	if busy == nil {
		return nil
	}
	err := s.waitUnlocked(busy, deadline, stop)
	switch {
	case err == nil:
		return s.sendable()
	case err == ErrTimeout && s.opts.sendTimeoutClose:
		s.timeoutClose()
	}
	return err
}

// timeoutClose closes the socket after a send timed out with
// send_timeout_close, as OTP 25 does. On the socket backend the socket is
// closed, and its port exits: every call answers closed, and its monitors
// get their Down now, closed (a monitor made later gets one at once). On
// the inet backend inet_drv closes
// the fd and keeps the port, not connected: sends and receives answer
// enotconn (peername enotconn, sockname ebadf), and the owner hears
// nothing until it next sets an active mode, which brings the TCPClosed
// the port owes (and then, with exit_on_close, closes it). A Recv waiting
// meanwhile answers enotconn, where OTP's never returns. The caller holds
// s.mu.
func (s *Socket) timeoutClose() {
	if s.opts.backend == BackendSocket {
		s.exit(nil)
		return
	}
	if s.dead || s.unconnected() {
		return
	}
	x := s.extra()
	x.unconnected = true
	if !s.gone {
		s.gone, s.owed = true, true
		x.goneErr = unix.ENOTCONN
	}
	s.dropBuf()
	if s.recv != nil {
		s.recv.reply(framing.Result{}, unix.ENOTCONN)
		s.recv = nil
		s.recvTold = true
	}
	s.wakeSenders()
	s.pool().Close(s.h)
}
