package driver

import (
	"os"
	"sync"
	"syscall"
)

type kind uint8

const (
	kindConn     kind = iota + 1 // a connected stream socket
	kindListener                 // a listening socket: events wake Accept
	kindDialing                  // a connect in progress: events wake Dial
	kindRaw                      // the caller's goroutine does the I/O, waiting in Go's netpoller (raw.go)
)

// Slot state bits, guarded by slot.mu.
const (
	stOpen     uint16 = 1 << iota // registered; cleared by close
	stPaused                      // the consumer does not want data
	stPending                     // data (or EOF, or an error) may wait in the kernel
	stHup                         // EPOLLRDHUP/HUP/ERR seen: read until EOF or error
	stEOF                         // read returned 0: no more reads
	stFailed                      // a read or flush failed: no more I/O
	stArmed                       // EPOLLOUT is in the interest set
	stDraining                    // CloseDrain: close once the queue is empty
	stShutWr                      // shutdown(write) waits for the queue to drain
	stQueued                      // the slot is on its poller's ready list
	stResumed                     // Resume came during a read: ignore OnRead's pause
	stRdWait                      // portable: a goroutine waits for readability
	stWrWait                      // portable: a goroutine waits for writability
)

// slot is one registered socket. Its lifetime follows Go's fdMutex: closing
// a slot bumps its generation at once, so stale handles and events miss it,
// but the fd itself is closed only when no syscall that runs outside mu (a
// poller's read, an Accept's accept4) still uses it.
type slot struct {
	mu    sync.Mutex
	gen   uint32 // generation of the socket in the slot; bumped by close
	idx   uint32
	fd    int32
	refs  int32 // syscalls in flight on fd outside mu
	state uint16
	kind  kind
	p     *poller
	h     Handler
	x     *slotExt // nil for most connections
}

// slotExt is what few slots need, out of line so that a slot stays at 64
// bytes: the goroutines that wait on it (Accept, Dial, CloseDrain, a raw
// socket's callers), the bytes the kernel has not taken yet, why the slot
// failed, and the socket's file in Go's netpoller, under the portable
// backend or for a raw socket. A connection's goes when it holds none of
// them (tidy).
type slotExt struct {
	waiters
	wq     [][]byte // queued writes: copies the driver owns, but for what WritevLent lent
	queued int      // bytes in wq
	// lent is how many of wq's first bytes are, or are behind, slices a
	// WritevLent referenced; lentDone is closed once they are written or
	// dropped (endLent).
	lent     int
	lentDone chan struct{}
	err      error // why the slot failed (stFailed)
	// file owns the fd under the portable backend, which waits with rc
	// for its readiness (portable.go), and a raw socket's, whose callers
	// wait with rc (raw.go); nil for the others under epoll.
	file *os.File
	rc   syscall.RawConn
	raw  *rawIO // a raw socket's callers
}

// ext returns s.x, made if need be. The caller holds s.mu.
func (s *slot) ext() *slotExt {
	if s.x == nil {
		s.x = new(slotExt)
	}
	return s.x
}

// tidy drops a connection's slotExt once it holds nothing. The caller
// holds s.mu.
func (s *slot) tidy() {
	if x := s.x; x != nil && s.kind == kindConn && x.queued == 0 && x.err == nil && x.list == nil && x.close == nil && x.file == nil {
		s.x = nil
	}
}

// queued is the number of bytes in the write queue. The caller holds
// s.mu.
func (s *slot) queued() int {
	if s.x == nil {
		return 0
	}
	return s.x.queued
}

// failure is why the slot failed, or nil. The caller holds s.mu.
func (s *slot) failure() error {
	if s.x == nil {
		return nil
	}
	return s.x.err
}

// fail marks the slot failed with err and drops its queued writes; a
// draining slot (CloseDrain) has nothing left to wait for, and closes. The
// caller holds s.mu.
func (s *slot) fail(err error) {
	s.state |= stFailed
	x := s.ext()
	x.err, x.wq, x.queued = err, nil, 0
	x.endLent()
	if s.state&stDraining != 0 {
		s.closeLocked()
	}
}

// waiters are the goroutines blocked on a slot. seq counts readiness
// events, so a waiter that saw EAGAIN before an event knows to retry
// instead of sleeping through it.
type waiters struct {
	seq   uint64
	list  []chan struct{}
	close chan struct{} // closed when a draining socket is closed
	// notify is called once at a listening socket's next readiness: a
	// TryAccept found no connection (listen.go).
	notify func()
}

// wakeAll wakes every waiter; they recheck the slot under its lock.
func (w *waiters) wakeAll() { w.wake() }

// wake wakes the waiters on list, and only them.
func (w *waiters) wake() {
	w.seq++
	for _, c := range w.list {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	w.list = w.list[:0]
}

// remove drops c from the waiters after a timeout.
func (w *waiters) remove(c chan struct{}) {
	for i, x := range w.list {
		if x == c {
			w.list = append(w.list[:i], w.list[i+1:]...)
			return
		}
	}
}

// open reports whether the slot still holds the socket of generation gen.
// The caller holds s.mu.
func (s *slot) open(gen uint32) bool { return s.gen == gen && s.state&stOpen != 0 }

// closeLocked closes the slot's socket: handles and queued events of this
// generation go stale at once, waiters wake, queued writes are dropped, and
// the fd is closed now or by the last syscall still using it. A close that
// may linger runs on a goroutine of its own (see lingerers): closeLocked
// then returns a channel closed once close(2) has returned, for a caller
// that must wait for it; otherwise it returns nil. The caller holds s.mu.
func (s *slot) closeLocked() <-chan struct{} {
	s.state &^= stOpen
	s.gen++
	if s.gen == 0 {
		s.gen = 1
	}
	if x := s.x; x != nil {
		x.wakeAll()
		x.wq, x.queued, x.err, x.notify = nil, 0, nil, nil
		x.endLent()
		if x.raw != nil {
			x.raw.in.wakeAll()
			x.raw.out.wakeAll()
			if s.refs > 0 {
				// Calls in Do hold the references: a past deadline
				// makes them leave the netpoller (ErrClosed, the slot
				// being closed), and the last one's release closes
				// the file, whose Close would wait for their ops.
				_ = x.file.SetDeadline(pastDeadline)
			}
		}
	}
	s.h = nil
	if s.kind != kindRaw { // a raw socket is in no poller's set
		s.p.sys.del(s)
	}
	if s.refs == 0 {
		return s.finishClose()
	}
	return nil
}

// closeWait closes the slot's socket as closeLocked does, unlocks the
// slot, and waits until the fd is closed: for a caller that returns only
// then, as gen_tcp:close with {linger, {true, T}} does. It holds no lock
// while it waits. The caller holds s.mu, and is no poller.
func (s *slot) closeWait() {
	done := s.closeLocked()
	if done == nil && s.fd >= 0 {
		// A syscall still uses the fd: the end of the last one closes it.
		x := s.ext()
		if x.close == nil {
			x.close = make(chan struct{})
		}
		done = x.close
	}
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// finishClose closes the fd and frees the slot, and then closes x.close,
// if a CloseDrain made one. An fd whose close(2) may linger goes to a
// lingerer instead, with x.close or a channel of its own, which
// finishClose returns; the slot is free at once, and the fd, which only
// the lingerer has, keeps its number until it is closed. The caller holds
// s.mu, the slot is closed, and no syscall made outside s.mu uses the fd.
// Under the portable backend the file's Close wakes the goroutines that
// wait on the fd's readiness, and returns once they have left it: they
// never take s.mu before that.
func (s *slot) finishClose() <-chan struct{} {
	fd := int(s.fd)
	var done chan struct{}
	var f *os.File
	if s.x != nil {
		done, f = s.x.close, s.x.file
	}
	linger := (s.kind == kindConn || s.kind == kindRaw) && lingers(fd)
	if !linger {
		_ = closeFd(fd, f)
	}
	s.fd = -1
	s.x = nil
	s.state = 0
	s.p.pool.slots.release(s.idx)
	if linger {
		if done == nil {
			done = make(chan struct{})
		}
		s.p.pool.lingerers.close(fd, f, done)
		return done
	}
	if done != nil {
		close(done)
	}
	return nil
}

// acquire takes a reference on the fd for a syscall made outside mu. The
// caller holds s.mu and has checked that the slot is open.
func (s *slot) acquire() int { s.refs++; return int(s.fd) }

// release drops a reference taken by acquire; the last one closes the fd
// of a slot closed meanwhile. The caller holds s.mu.
func (s *slot) release() {
	s.refs--
	if s.refs == 0 && s.state&stOpen == 0 && s.fd >= 0 {
		s.finishClose()
	}
}

// closeFd closes fd, through f when f owns it (the portable backend).
func closeFd(fd int, f *os.File) error {
	if f != nil {
		return hooks.closeFile(fd, f)
	}
	return hooks.close(fd)
}
