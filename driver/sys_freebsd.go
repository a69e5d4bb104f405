package driver

import "golang.org/x/sys/unix"

// sockFlags are the flags socket(2) and accept4(2) are given: non-blocking
// and close-on-exec from the start, as on Linux.
const sockFlags = unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC

// accept4 is accept4(2): FreeBSD has it. The new fd does not raise
// SIGPIPE (noSigpipe).
func accept4(fd, flags int) (int, error) {
	nfd, _, err := unix.Accept4(fd, flags)
	if err != nil {
		return -1, err
	}
	noSigpipe(nfd)
	return nfd, nil
}
