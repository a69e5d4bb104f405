package driver

import (
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// rawEvents is a raw socket's interest set: both directions, edge-triggered,
// for the whole life of the socket. Nothing is armed or disarmed: an edge
// only bumps a sequence and wakes whoever waits.
const rawEvents = evIn | evOut | evRdHup | evET

// Open opens a socket as socket(2) does, non-blocking and close-on-exec,
// and registers it as a raw socket: one whose I/O the callers' goroutines
// do with Do, as Go's netpoller does for net.Conn. Control, Shutdown and
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
	h, _, err := pl.register(fd, kindRaw, nil, rawEvents)
	if err != nil {
		hooks.close(fd)
		return 0, err
	}
	return h, nil
}

// Do runs op on the fd of raw socket h in the calling goroutine. When op
// returns EAGAIN, Do waits until the socket is ready for writing (write)
// or reading (otherwise), then runs op again; it returns op's first other
// result, or ErrTimeout once the deadline has passed (the zero time waits
// for ever), or ErrClosed when h is or gets closed: Close wakes every
// goroutine waiting in Do. An op that succeeded stands even if h was closed
// meanwhile.
//
// op may run many times and keep state across runs, such as the bytes sent
// so far; it must not block, close the fd, or keep it. Each direction has
// its own readiness sequence, so an edge that comes while op runs is never
// slept through. Do returns EINVAL for a handle that is not a raw socket.
func (pl *Pool) Do(h Handle, write bool, deadline time.Time, op func(fd int) error) error {
	var wake chan struct{}
	var expired <-chan time.Time
	for {
		s, err := pl.lock(h)
		if err != nil {
			return err
		}
		if s.kind != kindRaw {
			s.mu.Unlock()
			return unix.EINVAL
		}
		w := &s.x.waiters
		if write {
			w = w.out
		}
		seq, fd := w.seq, s.acquire()
		s.mu.Unlock()

		err = op(fd)
		for err == unix.EINTR {
			err = op(fd)
		}

		s.mu.Lock()
		s.release()
		switch {
		case err != unix.EAGAIN:
			s.mu.Unlock()
			return err
		case !s.open(h.gen()):
			s.mu.Unlock()
			return ErrClosed
		case w.seq != seq: // ready again while op ran
			s.mu.Unlock()
			continue
		case !deadline.IsZero() && !time.Now().Before(deadline):
			s.mu.Unlock()
			return ErrTimeout
		}
		if wake == nil {
			wake = make(chan struct{}, 1)
			if !deadline.IsZero() {
				t := time.NewTimer(time.Until(deadline))
				defer t.Stop()
				expired = t.C
			}
		}
		w.list = append(w.list, wake)
		s.p.sys.again(s, write)
		s.mu.Unlock()

		select {
		case <-wake:
		case <-expired:
			s.mu.Lock()
			if s.open(h.gen()) {
				w.remove(wake)
			}
			s.mu.Unlock()
			return ErrTimeout
		}
	}
}

// rawEvent wakes the goroutines that wait on a raw socket in the
// directions the event readies. A hang-up or an error readies both: the
// call that runs again meets it. The caller holds s.mu.
func (s *slot) rawEvent(events uint32) {
	if events&(evIn|evRdHup|evHup|evErr) != 0 {
		s.x.wake()
	}
	if events&(evOut|evHup|evErr) != 0 {
		s.x.out.wake()
	}
}

// Waiting returns how many goroutines wait in Do for raw socket h to be
// ready for writing (write) or reading; 0 once h is closed. Tests wait on
// it to know that a call is blocked.
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
		return len(s.x.out.list)
	}
	return len(s.x.list)
}
