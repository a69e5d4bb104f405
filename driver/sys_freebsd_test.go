package driver

import "golang.org/x/sys/unix"

// FIONREAD and FIONWRITE of <sys/filio.h>: _IOR('f', 127, int) and
// _IOR('f', 119, int).
const (
	fionread  = 0x4004667f
	fionwrite = 0x40046677
)

// recvQueued is how many bytes wait in fd's receive queue.
func recvQueued(fd int) (int, error) { return unix.IoctlGetInt(fd, fionread) }

// sendUnacked is how many bytes fd's send queue holds: sent and not
// acknowledged, or not sent yet.
func sendUnacked(fd int) (int, error) { return unix.IoctlGetInt(fd, fionwrite) }
