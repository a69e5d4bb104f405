package driver

import (
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// Dial connects a new stream socket to remote and registers it with
// handler h, paused: nothing is read until Resume. local, if not nil, is
// bound first; control, if not nil, runs on the socket before bind and
// connect. Dial waits for the connection (EINPROGRESS, then EPOLLOUT and
// SO_ERROR) until the deadline (ErrTimeout; the zero time waits for ever).
func (pl *Pool) Dial(local, remote unix.Sockaddr, deadline time.Time, control func(fd int) error, h Handler) (Handle, error) {
	return pl.DialCancel(local, remote, deadline, nil, control, h)
}

// DialCancel is Dial that also gives up, closing the socket, when cancel
// closes while it waits for the connection: then it returns ErrClosed. A
// nil cancel never closes.
func (pl *Pool) DialCancel(local, remote unix.Sockaddr, deadline time.Time, cancel <-chan struct{}, control func(fd int) error, h Handler) (Handle, error) {
	select {
	case <-cancel:
		return 0, ErrClosed
	default:
	}
	remote = clone(remote)
	fd, err := newSocket(remote, control)
	if err != nil {
		return 0, err
	}
	if local != nil {
		if err := unix.Bind(fd, clone(local)); err != nil {
			hooks.close(fd)
			return 0, err
		}
	}
	switch err := hooks.connect(fd, remote); err {
	case nil:
		c, _, err := pl.register(fd, kindConn, h, connEvents)
		if err != nil {
			closeUnregistered(fd, err)
		}
		return c, err
	case unix.EINPROGRESS, unix.EINTR:
	default:
		hooks.close(fd)
		return 0, err
	}

	c, s, err := pl.register(fd, kindDialing, nil, connEvents|evOut)
	if err != nil {
		closeUnregistered(fd, err)
		return 0, err
	}
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	wake := make(chan struct{}, 1)
	for {
		s.mu.Lock()
		if !s.open(c.gen()) {
			s.mu.Unlock()
			return 0, ErrClosed
		}
		soerr, err := unix.GetsockoptInt(int(s.fd), unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil {
			err = unix.Errno(soerr)
		}
		if err == unix.Errno(0) {
			// SO_ERROR is also 0 before the connect has finished (an
			// early EPOLLOUT): only a peer name proves the connection.
			if _, perr := unix.Getpeername(int(s.fd)); perr == unix.ENOTCONN {
				err = unix.EINPROGRESS
			}
		}
		switch err {
		case unix.Errno(0):
			// Connected: become a connection, EPOLLOUT off until a write
			// queues.
			s.kind, s.h = kindConn, h
			s.x.list = nil
			s.tidy() // a portable backend's file stays
			if err := s.p.sys.modify(s, connEvents); err != nil {
				s.closeLocked()
				s.mu.Unlock()
				return 0, err
			}
			s.mu.Unlock()
			return c, nil
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
			s.x.list = append(s.x.list, wake)
			s.p.sys.again(s, true)
			s.mu.Unlock()
		default:
			s.closeLocked()
			s.mu.Unlock()
			return 0, err
		}
		select {
		case <-wake:
		case <-expired:
			pl.Close(c)
			return 0, ErrTimeout
		case <-cancel:
			pl.Close(c)
			return 0, ErrClosed
		}
	}
}

// Adopt registers fd, an open stream socket (connected or listening), with
// the pool: the counterpart of gen_tcp's {fd, Fd} option. The pool owns fd
// from now on and closes it. A connection is registered with handler h,
// paused; for a listening socket h is ignored and Accept serves it.
//
// fd should be the caller's alone: of an os.File or a net.Conn, give a
// dup of its fd (unix.Dup) and close the file, which would otherwise
// close fd again some day. One that such a file still holds in Go's
// netpoller is served all the same: the portable backend, which cannot
// add it to the netpoller a second time, waits on a dup of it and closes
// fd at once (so the socket's fd, as Control shows it, is not fd then).
func (pl *Pool) Adopt(fd int, h Handler) (Handle, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		return 0, err
	}
	listening, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return 0, err
	}
	noSigpipe(fd)
	var c Handle
	if listening != 0 {
		c, _, err = pl.register(fd, kindListener, nil, evIn|evET)
	} else {
		c, _, err = pl.register(fd, kindConn, h, connEvents)
	}
	return c, err
}

// Control runs f on h's fd while the socket cannot be closed under it: for
// setsockopt, getsockopt, getsockname and getpeername. f must not close
// the fd or keep it.
func (pl *Pool) Control(h Handle, f func(fd int) error) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	return f(int(s.fd))
}
