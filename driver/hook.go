package driver

import (
	"os"

	"github.com/otpnet/otpnet/internal/unix"
)

// hooks are the syscalls the driver makes on sockets, swappable so tests
// can inject faults (EMFILE from accept, EAGAIN from write) the way Go's
// internal/poll does with its hook_unix.go. Swap them only while no pool
// runs.
var hooks = struct {
	socket  func(domain, typ, proto int) (int, error)
	accept4 func(fd, flags int) (int, error)
	connect func(fd int, sa unix.Sockaddr) error
	read    func(fd int, p []byte) (int, error)
	write   func(fd int, p []byte) (int, error)
	close   func(fd int) error
	// dup is fcntl(F_DUPFD_CLOEXEC): attachFile's dup of an fd that
	// Go's netpoller refused.
	dup func(fd int) (int, error)
	// closeFile closes fd through f, the file that owns it under the
	// portable backend.
	closeFile func(fd int, f *os.File) error
}{
	socket:  unix.Socket,
	accept4: accept4,
	connect: unix.Connect,
	read:    fastRead,
	write:   fastWrite,
	close:   unix.Close,
	dup: func(fd int) (int, error) {
		return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	},
	closeFile: func(_ int, f *os.File) error {
		return f.Close()
	},
}
