//go:build unix

package driver

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// attachFile gives the slot's fd to an os.File, which puts it in Go's
// netpoller: a raw socket's under every backend, every socket's under the
// portable one. The caller holds s.mu.
//
// An fd that the netpoller holds already cannot be added again (Linux's
// epoll_ctl answers EEXIST): Adopt of an fd that an os.File or a net.Conn
// of the program still has. Its file could not wait, and every wait would
// fail at once; so the fd is replaced by a dup of it, which the netpoller
// takes, and closed: the pool owns it, and the socket stays open through
// the dup. When the netpoller refuses the dup too (epoll_ctl's ENOSPC, at
// the user's epoll watch limit), or the dup fails, attachFile fails with
// the fd closed, which the error says (errFdClosed).
func attachFile(s *slot) error {
	f := os.NewFile(uintptr(s.fd), "socket")
	if !takesDeadline(f) {
		fd, err := hooks.dup(int(s.fd))
		f.Close()
		if err != nil {
			return fdClosedError{fmt.Errorf("driver: fd %d is in Go's netpoller already (an os.File or net.Conn holds it) or the netpoller refused it, and dup failed (the fd is closed): %w", s.fd, err)}
		}
		f = os.NewFile(uintptr(fd), "socket")
		if !takesDeadline(f) {
			f.Close()
			return fdClosedError{fmt.Errorf("driver: Go's netpoller refused fd %d and its dup %d (the epoll watch limit, fs.epoll.max_user_watches?), so nothing could wait on the socket (both are closed): %w", s.fd, fd, os.ErrNoDeadline)}
		}
		s.fd = int32(fd)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err // not reached: only a nil *os.File fails
	}
	x := s.ext()
	x.file, x.rc = f, rc
	return nil
}

// takesDeadline reports whether f is in Go's netpoller, which a file
// that takes a deadline is.
func takesDeadline(f *os.File) bool {
	return !errors.Is(f.SetReadDeadline(time.Time{}), os.ErrNoDeadline)
}
