//go:build unix

package driver

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/otpnet/otpnet/internal/unix"
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
// the dup.
func attachFile(s *slot) error {
	f := os.NewFile(uintptr(s.fd), "socket")
	if errors.Is(f.SetReadDeadline(time.Time{}), os.ErrNoDeadline) {
		fd, err := unix.FcntlInt(uintptr(s.fd), unix.F_DUPFD_CLOEXEC, 0)
		f.Close()
		if err != nil {
			return fmt.Errorf("driver: fd %d is in Go's netpoller already (an os.File or net.Conn holds it), and dup failed (the fd is closed): %w", s.fd, err)
		}
		s.fd = int32(fd)
		f = os.NewFile(uintptr(fd), "socket")
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err // not reached: only a nil *os.File fails
	}
	x := s.ext()
	x.file, x.rc = f, rc
	return nil
}
