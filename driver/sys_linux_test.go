package driver

import "golang.org/x/sys/unix"

// recvQueued is how many bytes wait in fd's receive queue.
func recvQueued(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.SIOCINQ) }

// sendUnacked is how many bytes fd's send queue holds that the peer has
// not acknowledged.
func sendUnacked(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.SIOCOUTQ) }
