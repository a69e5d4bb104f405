package driver

import "golang.org/x/sys/unix"

// fionread is FIONREAD of <sys/filio.h>: _IOR('f', 127, int).
const fionread = 0x4004667f

// recvQueued is how many bytes wait in fd's receive queue.
func recvQueued(fd int) (int, error) { return unix.IoctlGetInt(fd, fionread) }

// sendUnacked is how many bytes fd's send queue holds (SO_NWRITE): sent
// and not acknowledged, or not sent yet.
func sendUnacked(fd int) (int, error) {
	return unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NWRITE)
}
