package driver

import (
	"math"
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// minChunk is the smallest buffer the write queue allocates, so that many
// small writes behind a full kernel buffer coalesce into few iovecs.
const minChunk = 4 << 10

// Write writes b to h's socket. While nothing is queued it writes straight
// to the kernel from the calling goroutine; what the kernel does not take
// is copied to the socket's queue, which the poller flushes. queued is the
// number of bytes queued after the call. Write fails with the kernel's
// error (EPIPE after shutdown, ECONNRESET, ...) or ErrClosed.
func (pl *Pool) Write(h Handle, b []byte) (queued int, err error) {
	bufs := [1][]byte{b}
	return pl.Writev(h, bufs[:])
}

// Writev writes bufs to h's socket as one stream, with writev(2), under
// Write's rules.
func (pl *Pool) Writev(h Handle, bufs [][]byte) (queued int, err error) {
	queued, _, err = pl.WritevLent(h, bufs, math.MaxInt)
	return queued, err
}

// WritevLent writes bufs as Writev does, except that when the queue is
// empty and the kernel leaves least bytes or more of them unwritten, the
// queue references what is left of the caller's slices of 64 KiB or more
// instead of copying them (smaller ones are copied). lent is then a
// channel closed once those bytes are written, or dropped with the queue
// (the socket closed or a flush failed); until then, or until Unlend
// returns, the caller must not change bufs. Otherwise lent is nil and the
// call is Writev's, and so when it fails: nothing is lent then.
func (pl *Pool) WritevLent(h Handle, bufs [][]byte, least int) (queued int, lent <-chan struct{}, err error) {
	s, err := pl.lock(h)
	if err != nil {
		return 0, nil, err
	}
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return 0, nil, err
	}
	left := least - 1 // queued behind other bytes: copied
	if s.queued() == 0 {
		n, err := writeAll(int(s.fd), bufs)
		if err != nil && err != unix.EAGAIN {
			return 0, nil, err
		}
		bufs = skip(bufs, n)
		left = 0
		for _, b := range bufs {
			left += len(b)
		}
	}
	if left < least {
		for _, b := range bufs {
			s.enqueue(b)
		}
		return s.queued(), nil, s.arm()
	}
	x := s.ext()
	for _, b := range bufs {
		if len(b) < lendSlice {
			s.enqueue(b)
			continue
		}
		// Capacity cut to the length: a later enqueue appends after
		// it in a chunk of its own, never in the caller's memory.
		x.wq = append(x.wq, b[:len(b):len(b)])
		x.queued += len(b)
		x.lent = x.queued
	}
	if x.lent == 0 {
		return s.queued(), nil, s.arm() // none large enough: all copied
	}
	x.lentDone = make(chan struct{})
	if err := s.arm(); err != nil {
		// The caller, told of the error, goes on as if the data were
		// copied: the queue must hold a copy.
		x.unlend(make([]byte, x.lent))
		return s.queued(), nil, err
	}
	return s.queued(), x.lentDone, nil
}

// lendSlice is the least length of a slice WritevLent references rather
// than copies.
const lendSlice = 64 << 10

// Lent returns how many bytes of h's write queue are, or are queued
// before, slices a WritevLent lent and not yet written: 0 when none is.
// Unlike Queued it does not count what other writes queued after them.
func (pl *Pool) Lent(h Handle) (int, error) {
	s, err := pl.lock(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if s.x == nil {
		return 0, nil
	}
	return s.x.lent, nil
}

// Unlend copies what is still queued of the slices a WritevLent lent,
// so that the queue references none of them once it returns, and closes
// its channel: the caller may change them. The bytes stay queued, and are
// sent, in order. The copy's memory is allocated without the slot's lock,
// and the copy made a piece at a time.
func (pl *Pool) Unlend(h Handle) error {
	n, err := pl.Lent(h)
	if err != nil || n == 0 {
		return err // closed: the queue, and what it lent, is dropped
	}
	own := make([]byte, n)
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	// What is lent only shrinks, as it is written: own holds it.
	if x := s.x; x != nil && x.lent > 0 {
		x.unlend(own[:x.lent])
	}
	return nil
}

// unlend copies what is queued of the slices a WritevLent lent, and
// the bytes queued before them, into own, of x.lent bytes, which the
// queue then holds in their place, and closes the WritevLent's channel.
// The caller holds the slot's mu.
func (x *slotExt) unlend(own []byte) {
	i, k := 0, 0
	for k < len(own) {
		k += copyPieces(own[k:], x.wq[i])
		x.wq[i] = nil
		i++
	}
	x.wq[i-1] = own
	x.wq = append(x.wq[:0], x.wq[i-1:]...)
	x.endLent()
}

// copyPieces copies src to dst as copy does, a piece of at most 256 KiB
// at a time, and returns the number of bytes copied: a copy of many MiB
// in one go could not be preempted, and a garbage collection that must
// stop the copying goroutine would spin for as long as it lasts.
func copyPieces(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := 0; i < n; i += 256 << 10 {
		copy(dst[i:n], src[i:min(n, i+256<<10)])
	}
	return n
}

// endLent forgets what a WritevLent lent, written or dropped, and tells
// its caller. The caller holds the slot's mu.
func (x *slotExt) endLent() {
	if x.lentDone != nil {
		close(x.lentDone)
	}
	x.lent, x.lentDone = 0, nil
}

// arm puts EPOLLOUT in the interest set while bytes are queued, so that
// the poller flushes them when the kernel has room. The caller holds s.mu.
func (s *slot) arm() error {
	if s.queued() == 0 || s.state&stArmed != 0 {
		return nil
	}
	if err := s.p.sys.modify(s, connEvents|evOut); err != nil {
		return err
	}
	s.state |= stArmed
	return nil
}

// writable reports why the slot takes no writes, or nil. The caller holds
// s.mu.
func (s *slot) writable() error {
	switch {
	case s.kind != kindConn:
		return unix.ENOTCONN
	case s.state&stFailed != 0:
		return s.failure()
	case s.state&(stShutWr|stDraining) != 0:
		return unix.EPIPE
	}
	return nil
}

// enqueue copies b to the end of the write queue.
func (s *slot) enqueue(b []byte) {
	if len(b) == 0 {
		return
	}
	x := s.ext()
	x.queued += len(b)
	if k := len(x.wq); k > 0 {
		last := x.wq[k-1]
		if n := copy(last[len(last):cap(last)], b); n > 0 {
			x.wq[k-1] = last[:len(last)+n]
			b = b[n:]
		}
	}
	if len(b) > 0 {
		c := make([]byte, len(b), max(len(b), minChunk))
		copy(c, b)
		x.wq = append(x.wq, c)
	}
}

// flushLocked writes as much of the queue as the kernel takes, disarms
// EPOLLOUT when the queue is empty, and carries out a shutdown or a close
// that waited for it. It returns the bytes still queued. A failure marks
// the slot failed. The caller holds s.mu.
func (s *slot) flushLocked() int {
	if s.state&stFailed != 0 {
		return 0
	}
	if x := s.x; x != nil && x.queued > 0 {
		n, err := writeAll(int(s.fd), x.wq)
		if err != nil && err != unix.EAGAIN {
			s.fail(err)
			return 0
		}
		x.queued -= n
		x.consume(n)
		if x.queued > 0 {
			s.p.sys.again(s, true)
			return x.queued
		}
		x.wq = nil
		s.tidy()
	}
	s.state &^= stArmed
	_ = s.p.sys.modify(s, connEvents)
	if s.state&stShutWr != 0 {
		_ = unix.Shutdown(int(s.fd), unix.SHUT_WR)
	}
	if s.state&stDraining != 0 {
		s.closeLocked()
	}
	return 0
}

// writeAll writes bufs with write or writev until done, EAGAIN, or an
// error, and returns the bytes written.
func writeAll(fd int, bufs [][]byte) (int, error) {
	total := 0
	for len(bufs) > 0 {
		var n int
		var err error
		if len(bufs) == 1 {
			n, err = hooks.write(fd, bufs[0])
		} else {
			n, err = writev(fd, bufs)
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
		bufs = skip(bufs, n)
	}
	return total, nil
}

// skip returns bufs less their first n bytes. It leaves bufs itself as it
// is: it may be the caller's.
func skip(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs = bufs[1:]
	}
	if len(bufs) > 0 && n > 0 {
		rest := make([][]byte, len(bufs))
		copy(rest, bufs)
		rest[0] = rest[0][n:]
		bufs = rest
	}
	return bufs
}

// consume drops the first n bytes of the write queue, and lets the
// garbage collector have the chunks they empty.
func (x *slotExt) consume(n int) {
	written := n
	i := 0
	for i < len(x.wq) && n >= len(x.wq[i]) {
		n -= len(x.wq[i])
		x.wq[i] = nil
		i++
	}
	k := copy(x.wq, x.wq[i:])
	clear(x.wq[k:])
	x.wq = x.wq[:k]
	if k > 0 {
		x.wq[0] = x.wq[0][n:]
	}
	if x.lent > 0 {
		if x.lent -= written; x.lent <= 0 {
			x.endLent()
		}
	}
}

// Queued returns the number of bytes waiting in h's write queue.
func (pl *Pool) Queued(h Handle) (int, error) {
	s, err := pl.lock(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.queued(), nil
}

// Shutdown shuts down reading (unix.SHUT_RD), writing (unix.SHUT_WR) or
// both. Shutting down writing waits for the write queue to drain: the FIN
// follows the last queued byte.
func (pl *Pool) Shutdown(h Handle, how int) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.kind != kindConn && s.kind != kindRaw {
		return unix.ENOTCONN
	}
	if how == unix.SHUT_RD || how == unix.SHUT_RDWR {
		if err := unix.Shutdown(int(s.fd), unix.SHUT_RD); err != nil {
			return err
		}
	}
	if how == unix.SHUT_WR || how == unix.SHUT_RDWR {
		if s.queued() > 0 {
			s.state |= stShutWr
			return nil
		}
		return unix.Shutdown(int(s.fd), unix.SHUT_WR)
	}
	return nil
}

// CloseDrain closes h's socket once its write queue has drained. It waits
// while the queue shrinks: it gives up, drops what is queued and closes the
// socket, returning ErrTimeout, once the queue has not shrunk for stall
// (it looks every stall), or after limit in all (0: no limit). Writes fail
// with EPIPE meanwhile. It returns once the fd is closed, as CloseLinger
// does. It must not be called from a Handler method: the poller it waits
// on is the one running the handler.
func (pl *Pool) CloseDrain(h Handle, stall, limit time.Duration) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	if s.queued() == 0 || s.state&stFailed != 0 {
		s.closeWait()
		return nil
	}
	s.state |= stDraining
	x := s.ext()
	if x.close == nil {
		x.close = make(chan struct{})
	}
	done, last := x.close, x.queued
	s.mu.Unlock()

	look := time.NewTimer(stall)
	defer look.Stop()
	var end <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		end = t.C
	}
	for {
		gaveUp := false
		select {
		case <-done:
			return nil
		case <-end:
			gaveUp = true
		case <-look.C:
		}
		s, err := pl.lock(h)
		if err != nil {
			<-done // drained just as a timer fired
			return nil
		}
		q := s.queued()
		if !gaveUp && q > 0 && q < last && s.state&stFailed == 0 {
			last = q // still moving
			s.mu.Unlock()
			look.Reset(stall)
			continue
		}
		s.closeWait()
		if gaveUp || q > 0 {
			return ErrTimeout
		}
		return nil // a failed write emptied the queue
	}
}

// Abort closes h's socket with SO_LINGER {on, 0}: queued writes are
// dropped and the peer gets a reset (RST) instead of FIN.
func (pl *Pool) Abort(h Handle) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	_ = unix.SetsockoptLinger(int(s.fd), unix.SOL_SOCKET, SOLinger, &unix.Linger{Onoff: 1, Linger: 0})
	s.closeLocked()
	s.mu.Unlock()
	return nil
}

// WriteLater queues bufs behind what is queued without writing, and lets
// the poller write them, together with whatever else is queued by then:
// gen_tcp's delay_send.
func (pl *Pool) WriteLater(h Handle, bufs [][]byte) (queued int, err error) {
	s, err := pl.lock(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return 0, err
	}
	for _, b := range bufs {
		s.enqueue(b)
	}
	return s.queued(), s.arm()
}

// Unqueue takes back the bytes still queued for h's socket and returns
// them: the socket backend's {timeout, RestData}.
func (pl *Pool) Unqueue(h Handle) ([]byte, error) {
	s, err := pl.lock(h)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	rest := make([]byte, 0, s.queued())
	if x := s.x; x != nil {
		for _, b := range x.wq {
			rest = append(rest, b...)
		}
		x.wq, x.queued = nil, 0
		x.endLent()
		s.tidy()
	}
	return rest, nil
}
