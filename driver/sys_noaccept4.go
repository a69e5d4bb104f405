//go:build !linux && !freebsd

package driver

import (
	"syscall"

	"github.com/otpnet/otpnet/internal/unix"
)

// sockFlags are none: macOS and Windows have neither SOCK_NONBLOCK nor
// accept4, and openSocket and accept4 set the flags after the call, as
// Go's net does.
const sockFlags = 0

// accept4 is accept(2), then the new fd made non-blocking and
// close-on-exec, as openSocket does, and kept from raising SIGPIPE
// (noSigpipe); flags are ignored.
func accept4(fd, _ int) (int, error) {
	syscall.ForkLock.RLock()
	nfd, _, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	noSigpipe(nfd)
	return nfd, nil
}
