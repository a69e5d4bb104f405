package driver

import (
	"errors"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// Open opens a socket as socket(2) does, non-blocking and close-on-exec,
// and registers it as a raw socket: one whose I/O the callers' goroutines
// do with Do, in Go's netpoller as net.Conn's do. Control, Shutdown and
// Close work on it; the Handler methods (Write, Resume, ...) do not.
func (pl *Pool) Open(domain, typ, proto int) (Handle, error) {
	fd, err := openSocket(domain, typ, proto)
	if err != nil {
		return 0, err
	}
	return pl.registerRaw(fd)
}

// AcceptRaw waits, as Do does, until a connection arrives on l, a raw
// listening socket, and registers the connection as a raw socket.
func (pl *Pool) AcceptRaw(l Handle, deadline time.Time) (Handle, error) {
	var nfd int
	err := pl.Do(l, false, deadline, func(fd int) (err error) {
		nfd, err = acceptOnce(fd)
		return err
	})
	if err != nil {
		return 0, err
	}
	return pl.registerRaw(nfd)
}

// registerRaw registers fd, a non-blocking socket, as a raw socket, or
// closes it.
func (pl *Pool) registerRaw(fd int) (Handle, error) {
	h, _, err := pl.register(fd, kindRaw, nil, 0)
	if err != nil {
		closeUnregistered(fd, err)
		return 0, err
	}
	return h, nil
}

// Do runs op on the fd of raw socket h in the calling goroutine. When op
// returns EAGAIN, Do waits until the socket is ready for writing (write)
// or reading (otherwise), then runs op again; it returns op's first other
// result, or ErrTimeout once the deadline has passed (the zero time waits
// for ever; a deadline already past still runs op once), or ErrClosed
// when h is or gets closed: Close wakes every goroutine waiting in Do,
// and returns at once even while an op runs. An op that succeeded stands
// even if h was closed meanwhile, by op itself too.
//
// The calls in one direction take turns, in the order they come: the one
// whose turn it is runs op at once, with no hop through a poller, and
// when op meets EAGAIN it waits parked in Go's netpoller on the socket's
// file, as a net.Conn's Read does; the others wait for their turn, each
// until its own deadline. The file's deadline in a direction only moves
// earlier, to a call's that comes before it: a call that finds it passed
// before its own moves it to its own and waits on. So calls whose
// deadlines grow, each a timeout after the last, set it once, not each
// time: a timer reset per call was 3% of a UDP round trip.
//
// op may run many times and keep state across runs, such as the bytes sent
// so far; it must not block, close the fd, or keep it. Do returns EINVAL
// for a handle that is not a raw socket.
func (pl *Pool) Do(h Handle, write bool, deadline time.Time, op func(fd int) error) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	if s.kind != kindRaw {
		s.mu.Unlock()
		return unix.EINVAL
	}
	d := &s.x.raw.in
	if write {
		d = &s.x.raw.out
	}
	if d.busy {
		if err := d.await(s, h, deadline); err != nil {
			return err
		}
	}
	d.busy = true
	f, rc := s.x.file, s.x.rc
	if before(deadline, d.dl) {
		// Under s.mu, so that a close's past deadline (closeLocked)
		// comes after it.
		d.dl = deadline
		err = setDeadline(f, write, deadline)
	}
	// The call's reference keeps the file open while op may run in its
	// callback: the last release closes it, never a Close under s.mu,
	// which would wait for the callback (the file's Close does).
	fd := s.acquire()
	s.mu.Unlock()
	ran := false
	for err == nil {
		d.op, d.ran = op, false
		if write {
			err = rc.Write(d.run)
		} else {
			err = rc.Read(d.run)
		}
		ran = ran || d.ran
		d.op = nil
		d.parked.Store(false)
		if !errors.Is(err, os.ErrDeadlineExceeded) || !deadline.IsZero() && !time.Now().Before(deadline) {
			break
		}
		// The file's deadline, an earlier call's, passed before this
		// call's: the file waits on until this call's.
		s.mu.Lock()
		if s.open(h.gen()) {
			d.dl = deadline
			err = setDeadline(f, write, deadline)
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	timeout := errors.Is(err, os.ErrDeadlineExceeded)
	switch {
	case err == nil:
		err = d.err
	case timeout && !s.open(h.gen()):
		err = ErrClosed // closeLocked's past deadline
	case timeout && !ran:
		// The deadline had passed before the file ran op: op runs
		// once still, on the call's reference.
		s.mu.Unlock()
		err = retryEINTR(op, fd)
		s.mu.Lock()
		if err == unix.EAGAIN {
			err = ErrTimeout
		}
	case timeout:
		err = ErrTimeout
	default:
		// Not reached: the file takes deadlines (attachFile) and stays
		// open while a call holds its reference; a closed file's
		// RawConn says internal/poll's ErrFileClosing.
		err = ErrClosed
	}
	d.pass()
	s.release()
	s.mu.Unlock()
	return err
}

// before reports whether deadline a comes before b; the zero time is
// never.
func before(a, b time.Time) bool { return !a.IsZero() && (b.IsZero() || a.Before(b)) }

// setDeadline sets f's deadline for writing (write) or reading.
func setDeadline(f *os.File, write bool, t time.Time) error {
	if write {
		return f.SetWriteDeadline(t)
	}
	return f.SetReadDeadline(t)
}

// retryEINTR runs op on fd until it is not interrupted.
func retryEINTR(op func(fd int) error, fd int) error {
	err := op(fd)
	for err == unix.EINTR {
		err = op(fd)
	}
	return err
}

// rawIO is a raw socket's callers: its readers (in) and its writers
// (out).
type rawIO struct {
	in, out rawSide
}

func newRawIO() *rawIO {
	r := new(rawIO)
	r.in.run, r.out.run = r.in.step, r.out.step
	return r
}

// rawSide is one direction of a raw socket: the Do call whose turn it is
// (busy), and the calls waiting for theirs (queue). busy, queue and dl
// are guarded by slot.mu; parked, ran, op and err are the turn's own
// (Waiting reads parked, atomic, from other goroutines).
type rawSide struct {
	busy   bool
	queue  []chan struct{} // the calls waiting for their turn, first first
	dl     time.Time       // the file's deadline in this direction; zero for none
	parked atomic.Bool     // the turn's op met EAGAIN: it waits in the netpoller
	ran    bool            // the turn's op ran
	op     func(fd int) error
	err    error              // op's last result
	run    func(uintptr) bool // step, bound once so that a call allocates nothing
}

// step is the callback of the file's RawConn: it runs the turn's op, and
// reports whether to stop waiting.
func (d *rawSide) step(fd uintptr) bool {
	if d.parked.Load() {
		d.parked.Store(false)
	}
	d.ran = true
	d.err = retryEINTR(d.op, int(fd))
	if d.err == unix.EAGAIN {
		d.parked.Store(true)
		return false
	}
	return true
}

// await waits for the turn until deadline. It returns nil with s.mu held
// and the turn passed to it, or ErrTimeout or ErrClosed with s.mu
// released. The caller holds s.mu.
func (d *rawSide) await(s *slot, h Handle, deadline time.Time) error {
	wake := make(chan struct{}, 1)
	d.queue = append(d.queue, wake)
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	s.mu.Unlock()
	select {
	case <-wake:
	case <-expired:
	}
	s.mu.Lock()
	if !s.open(h.gen()) {
		s.mu.Unlock()
		return ErrClosed
	}
	if i := slices.Index(d.queue, wake); i >= 0 { // timed out before its turn
		d.queue = slices.Delete(d.queue, i, i+1)
		s.mu.Unlock()
		return ErrTimeout
	}
	return nil
}

// pass ends the turn: the first call waiting has it next. The caller holds
// s.mu.
func (d *rawSide) pass() {
	if len(d.queue) == 0 {
		d.busy = false
		return
	}
	d.queue[0] <- struct{}{}
	d.queue = slices.Delete(d.queue, 0, 1)
}

// wakeAll wakes every call waiting for its turn: the socket is closed.
// The caller holds s.mu.
func (d *rawSide) wakeAll() {
	for _, c := range d.queue {
		c <- struct{}{}
	}
	d.queue = nil
}

// waiting is how many calls wait in the direction: for their turn, or in
// the netpoller. The caller holds s.mu.
func (d *rawSide) waiting() int {
	n := len(d.queue)
	if d.parked.Load() {
		n++
	}
	return n
}

// Waiting returns how many goroutines wait in Do for raw socket h to be
// ready for writing (write) or reading, or for their turn; 0 once h is
// closed. Tests wait on it to know that a call is blocked.
func (pl *Pool) Waiting(h Handle, write bool) int {
	s, err := pl.lock(h)
	if err != nil {
		return 0
	}
	defer s.mu.Unlock()
	switch {
	case s.kind != kindRaw:
		return 0
	case write:
		return s.x.raw.out.waiting()
	}
	return s.x.raw.in.waiting()
}

// pastDeadline is a deadline long passed: setting it wakes whoever waits
// on the file at once.
var pastDeadline = time.Unix(1, 0)
