//go:build !linux

package driver

import (
	"syscall"

	"github.com/otpnet/otpnet/internal/unix"
)

// openSocket is socket(2), made non-blocking and close-on-exec, and kept
// from raising SIGPIPE (noSigpipe). Where socket(2) takes no such flags
// (sockFlags is 0: macOS, Windows) they are set after the call, as Go's
// net does; the fork lock keeps a concurrent fork from inheriting the fd
// in between.
func openSocket(domain, typ, proto int) (int, error) {
	if sockFlags != 0 {
		fd, err := hooks.socket(domain, typ|sockFlags, proto)
		if err != nil {
			return -1, err
		}
		noSigpipe(fd)
		return fd, nil
	}
	syscall.ForkLock.RLock()
	fd, err := hooks.socket(domain, typ, proto)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		hooks.close(fd)
		return -1, err
	}
	noSigpipe(fd)
	return fd, nil
}

// writev writes the first of bufs that is not empty: writeAll calls it
// again for the rest. (x/sys has no writev for every one of these
// systems.)
func writev(fd int, bufs [][]byte) (int, error) {
	for _, b := range bufs {
		if len(b) > 0 {
			return hooks.write(fd, b)
		}
	}
	return 0, nil
}

// lingers reports whether closing fd may block: SO_LINGER is on with a
// positive time (see the Linux version).
func lingers(fd int) bool {
	l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, SOLinger)
	return err == nil && l.Onoff != 0 && l.Linger > 0
}

// blockForLinger readies fd for a close(2) that lingers: macOS and the
// BSDs do not wait in the close of a non-blocking socket (soclose drops
// the connection's wait when the socket has SS_NBIO), so fd is made
// blocking first. Nothing reads or writes it by then: the slot is closed
// and its waiters only poll. Windows' closesocket of a non-blocking
// socket that lingers fails (WSAEWOULDBLOCK) and does not wait either.
func blockForLinger(fd int) { _ = unix.SetNonblock(fd, false) }
