package driver

import "github.com/otpnet/otpnet/internal/unix"

// Handler receives a connection's events. Its methods run on the
// connection's poller goroutine, never two at once for one poller; they
// must not block. Close does not wait for the poller: one call with data
// read just before the close may still come after Close returns, so a
// handler that must drop it keeps a closed flag of its own.
type Handler interface {
	// OnRead is given bytes read from the connection. data is the poller's
	// shared buffer: it is valid only until OnRead returns. Returning false
	// pauses reading, as Pause does.
	OnRead(data []byte) (more bool)
	// OnEOF reports that the peer shut down its side for writing (read
	// returned 0). No OnRead follows; writing may go on.
	OnEOF()
	// OnError reports a failed read (ECONNRESET, ETIMEDOUT, ...) or, as a
	// *WriteError, a failed flush of queued writes (ECONNRESET, EPIPE,
	// ...). No I/O follows on the socket; the consumer closes it.
	OnError(err error)
	// OnFlush reports that the poller wrote queued bytes to the kernel;
	// queued bytes remain (0 when the queue is drained).
	OnFlush(queued int)
}

// BufferHandler is a Handler that may offer a buffer of its own for the
// next read, as inet_drv reads the rest of a packet whose header gave
// its length straight into the packet's buffer: a large packet is then
// read into place, with no copy per read, in reads as large as the
// buffer rather than the poller's.
type BufferHandler interface {
	Handler
	// ReadBuffer returns the buffer the next read goes into, or nil for
	// the poller's. A buffer it returns is lent to the driver until the
	// OnReadInto that always follows: the handler neither frees nor
	// reuses it before then.
	ReadBuffer() []byte
	// OnReadInto ends the read into ReadBuffer's buffer: n bytes were
	// read into its start. n is 0 when the read found the end or failed
	// (OnEOF or OnError follows) or the socket was closed meanwhile. It
	// reports whether the handler wants more, as OnRead does.
	OnReadInto(n int) (more bool)
}

const connEvents = evIn | evRdHup | evET

// connEvent handles readiness of a connection. The caller holds s.mu;
// connEvent releases it.
func (p *poller) connEvent(s *slot, gen, events uint32) {
	var flushed, writeFailed bool
	var queued int
	if events&(evOut|evErr|evHup) != 0 && s.state&stArmed != 0 {
		was := s.state & stFailed
		queued, flushed = s.flushLocked(), true
		writeFailed = was == 0 && s.state&stFailed != 0
	}
	if events&(evRdHup|evHup|evErr) != 0 {
		s.state |= stHup
	}
	if events&(evIn|evRdHup|evHup|evErr) != 0 {
		s.state |= stPending
	}
	h, failed, err := s.h, s.state&stFailed != 0, s.failure()
	canRead := s.state&(stPaused|stEOF|stFailed) == 0 && s.state&stPending != 0
	if !s.open(gen) || (!flushed && !canRead) {
		s.mu.Unlock()
		return
	}
	if flushed {
		s.mu.Unlock()
		if failed {
			if writeFailed {
				err = &WriteError{Err: err}
			}
			h.OnError(err)
			return
		}
		h.OnFlush(queued)
		s.mu.Lock()
		if !s.open(gen) || s.state&(stPaused|stEOF|stFailed) != 0 || s.state&stPending == 0 {
			s.mu.Unlock()
			return
		}
	}
	p.readLocked(s, gen)
}

// resume reads from h's socket if it is still open, not paused, and may
// have data: the poller's side of Resume and of the ready list.
func (p *poller) resume(h Handle) {
	s, err := p.pool.lock(h)
	if err != nil {
		return
	}
	s.state &^= stQueued
	if s.state&(stPaused|stEOF|stFailed) != 0 || s.state&stPending == 0 {
		s.mu.Unlock()
		return
	}
	p.readLocked(s, h.gen())
}

// readLocked reads until the kernel has no more, the handler pauses, or the
// socket has had maxReads full reads (then it waits on the ready list).
// The caller holds s.mu; readLocked releases it, and holds a reference on
// the fd while it reads without the lock.
func (p *poller) readLocked(s *slot, gen uint32) {
	fd, h := s.acquire(), s.h
	drainAll := s.state&stHup != 0 // EOF or an error waits behind the data
	s.state &^= stResumed
	s.mu.Unlock()
	bh, _ := h.(BufferHandler)
	for reads := 0; ; reads++ {
		buf, lent := p.buf, false
		if bh != nil {
			if b := bh.ReadBuffer(); len(b) > 0 {
				buf, lent = b, true
			}
		}
		n, err := hooks.read(fd, buf)
		for err == unix.EINTR {
			n, err = hooks.read(fd, buf)
		}
		var more bool
		if lent {
			more = bh.OnReadInto(max(n, 0)) // the buffer goes back at once
		}
		switch {
		case n > 0:
			if !lent {
				more = h.OnRead(p.buf[:n])
			}
		case err == nil: // n == 0
			s.mu.Lock()
			if s.open(gen) {
				s.state = s.state&^stPending | stEOF
			}
			s.release()
			s.mu.Unlock()
			h.OnEOF()
			return
		case err == unix.EAGAIN:
		default:
			s.mu.Lock()
			if s.open(gen) {
				s.state &^= stPending
				s.fail(err)
			}
			s.release()
			s.mu.Unlock()
			h.OnError(err)
			return
		}
		s.mu.Lock()
		if !s.open(gen) {
			s.release()
			s.mu.Unlock()
			return
		}
		// A short read emptied the kernel's queue: anything arriving later
		// raises a new edge. A full read may have left more behind.
		full := n == len(buf)
		drained := err == unix.EAGAIN || (!full && !drainAll)
		if drained {
			s.state &^= stPending
			s.p.sys.again(s, false)
		}
		// The consumer may have seen this read's data and resumed before
		// OnRead returned: its Resume wins over the pause asked for here.
		if !more && n > 0 && s.state&stResumed == 0 {
			s.state |= stPaused
		}
		if drained || s.state&stPaused != 0 {
			s.release()
			s.mu.Unlock()
			return
		}
		if reads+1 >= maxReads {
			if s.state&stQueued == 0 {
				s.state |= stQueued
				p.ready = append(p.ready, makeHandle(s.idx, gen))
			}
			s.release()
			s.mu.Unlock()
			return
		}
		s.state &^= stResumed
		s.mu.Unlock()
	}
}

// Pause stops reading h's socket: no OnRead until Resume. Data keeps
// arriving into the kernel's buffer until TCP's window closes on the peer.
func (pl *Pool) Pause(h Handle) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	s.state |= stPaused
	s.mu.Unlock()
	return nil
}

// Resume starts reading h's socket again. When data, EOF or an error may be
// waiting in the kernel (an edge came while paused, or the last read filled
// the buffer) the poller reads at once; otherwise Resume makes no syscall
// and the next edge does the rest. A Resume that comes while OnRead is
// still running (the consumer got the data and asked for more before the
// handler returned) cancels the pause that OnRead's false would make.
func (pl *Pool) Resume(h Handle) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	if s.kind != kindConn {
		s.mu.Unlock()
		return unix.ENOTCONN
	}
	wasPaused := s.state&stPaused != 0
	s.state = s.state&^stPaused | stResumed
	read := wasPaused && s.state&stPending != 0 && s.state&(stEOF|stFailed) == 0
	p := s.p
	s.mu.Unlock()
	if read {
		p.submit(task{h: h})
	}
	return nil
}
