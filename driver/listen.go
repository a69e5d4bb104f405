package driver

import (
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// Listen opens a stream socket listening on addr (unix.SockaddrInet4,
// SockaddrInet6 or SockaddrUnix). control, if not nil, runs on the new
// socket before bind: it is where socket options go.
func (pl *Pool) Listen(addr unix.Sockaddr, backlog int, control func(fd int) error) (Handle, error) {
	addr = clone(addr)
	fd, err := newSocket(addr, control)
	if err != nil {
		return 0, err
	}
	if err := unix.Bind(fd, addr); err != nil {
		hooks.close(fd)
		return 0, err
	}
	if err := unix.Listen(fd, backlog); err != nil {
		hooks.close(fd)
		return 0, err
	}
	h, _, err := pl.register(fd, kindListener, nil, evIn|evET)
	if err != nil {
		closeUnregistered(fd, err)
		return 0, err
	}
	return h, nil
}

// Accept waits until a connection arrives on listener l, the deadline
// passes (ErrTimeout; the zero time waits for ever), or l is closed
// (ErrClosed). The new connection is registered with handler h, paused:
// nothing is read until Resume. Errors of accept(2) itself, EMFILE and
// ENFILE among them, are returned as they are: the caller decides how to
// back off. Many goroutines may wait on one listener; each readiness wakes
// them all to retry.
func (pl *Pool) Accept(l Handle, deadline time.Time, h Handler) (Handle, error) {
	var timer *time.Timer
	var expired <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	wake := make(chan struct{}, 1)
	for {
		c, err := pl.accept(l, h, wake, nil)
		if err != unix.EAGAIN {
			return c, err
		}
		if timer == nil && !deadline.IsZero() {
			timer = time.NewTimer(time.Until(deadline))
			expired = timer.C
		}
		select {
		case <-wake:
		case <-expired:
			if s, err := pl.lock(l); err == nil {
				s.x.remove(wake)
				s.mu.Unlock()
			}
			return 0, ErrTimeout
		}
	}
}

// TryAccept is Accept that never waits: it returns a connection that is
// waiting on listener l, registered with handler h and paused, as Accept
// does. When none is waiting it returns unix.EAGAIN and, if notify is not
// nil, arranges for notify to be called once, on l's poller goroutine,
// when l is next ready (a connection may have come): so that a listening
// socket's queue of accepts is served without a goroutine waiting, as
// inet_drv's is. notify replaces the one an earlier TryAccept left, if it
// has not been called; it is not called once l is closed. Like a
// Handler's methods, notify must not block; it may call TryAccept.
// TryAccept returns ErrClosed when l is closed, and the errors of
// accept(2) (EMFILE, ...) as they are.
func (pl *Pool) TryAccept(l Handle, h Handler, notify func()) (Handle, error) {
	return pl.accept(l, h, nil, notify)
}

// accept takes a connection waiting on listener l and registers it with
// h. When none is waiting it returns EAGAIN, having left wake among l's
// waiters, or notify as its callback, if not nil, with no readiness come
// since it looked: the next readiness finds them.
func (pl *Pool) accept(l Handle, h Handler, wake chan struct{}, notify func()) (Handle, error) {
	for {
		s, err := pl.lock(l)
		if err != nil {
			return 0, err
		}
		if s.kind != kindListener {
			s.mu.Unlock()
			return 0, unix.EINVAL
		}
		seq, fd := s.x.seq, s.acquire()
		s.mu.Unlock()

		nfd, err := acceptOnce(fd)

		s.mu.Lock()
		s.release()
		if !s.open(l.gen()) {
			s.mu.Unlock()
			if err == nil {
				hooks.close(nfd)
			}
			return 0, ErrClosed
		}
		switch {
		case err == unix.EAGAIN && s.x.seq != seq: // a connection came in while we tried
			s.mu.Unlock()
			continue
		case err == unix.EAGAIN:
			if wake != nil {
				s.x.list = append(s.x.list, wake)
			}
			if notify != nil {
				s.x.notify = notify
			}
			s.p.sys.again(s, false)
			s.mu.Unlock()
			return 0, err
		}
		s.mu.Unlock()
		if err != nil {
			return 0, err
		}
		c, _, err := pl.register(nfd, kindConn, h, connEvents)
		if err != nil {
			closeUnregistered(nfd, err)
			return 0, err
		}
		return c, nil
	}
}

func acceptOnce(fd int) (int, error) {
	for {
		nfd, err := hooks.accept4(fd, sockFlags)
		switch err {
		case unix.EINTR, unix.ECONNABORTED:
			continue // the peer gave up before we took it: take the next
		}
		return nfd, err
	}
}

// newSocket opens a non-blocking stream socket of addr's family and runs
// control on it.
func newSocket(addr unix.Sockaddr, control func(fd int) error) (int, error) {
	domain, err := family(addr)
	if err != nil {
		return -1, err
	}
	fd, err := openSocket(domain, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	if control != nil {
		if err := control(fd); err != nil {
			hooks.close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// clone copies a caller's sockaddr: x/sys writes into a Sockaddr when it
// passes it to the kernel, so one shared by goroutines would race.
func clone(addr unix.Sockaddr) unix.Sockaddr {
	switch a := addr.(type) {
	case *unix.SockaddrInet4:
		return &unix.SockaddrInet4{Port: a.Port, Addr: a.Addr}
	case *unix.SockaddrInet6:
		return &unix.SockaddrInet6{Port: a.Port, ZoneId: a.ZoneId, Addr: a.Addr}
	case *unix.SockaddrUnix:
		return &unix.SockaddrUnix{Name: a.Name}
	}
	return addr
}

func family(addr unix.Sockaddr) (int, error) {
	switch addr.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET, nil
	case *unix.SockaddrInet6:
		return unix.AF_INET6, nil
	case *unix.SockaddrUnix:
		return unix.AF_UNIX, nil
	}
	return 0, unix.EAFNOSUPPORT
}
