//go:build !linux

package socket

import (
	"testing"

	"github.com/otpnet/otpnet/internal/unix"
)

// tcpState skips t: the TCP state is read from Linux's TCP_INFO, whose
// layout and state numbers are Linux's own.
func tcpState(t testing.TB, _ *Socket) int {
	t.Helper()
	t.Skip("reads the TCP state from Linux's TCP_INFO")
	return 0
}

// fionread is FIONREAD of <sys/filio.h>, _IOR('f', 127, int), and of Winsock.
const fionread = 0x4004667f

// inq is how many bytes wait in s's kernel receive queue (FIONREAD).
func inq(t testing.TB, s *Socket) int {
	t.Helper()
	return fdInt(t, s, func(fd int) (int, error) { return unix.IoctlGetInt(fd, fionread) })
}

// backlog skips t: the accept queue's length is read from Linux's
// TCP_INFO.
func backlog(t testing.TB, _ *Socket) int {
	t.Helper()
	t.Skip("reads the accept queue from Linux's TCP_INFO")
	return 0
}
