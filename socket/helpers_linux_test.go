package socket

import (
	"testing"

	"golang.org/x/sys/unix"
)

// tcpState is the kernel's TCP state of s (tcpi_state).
func tcpState(t testing.TB, s *Socket) int {
	t.Helper()
	b, err := s.GetRaw(unix.IPPROTO_TCP, unix.TCP_INFO, 1)
	if err != nil || len(b) != 1 {
		t.Fatalf("TCP_INFO: %v", err)
	}
	return int(b[0])
}

// inq is how many bytes wait in s's kernel receive queue (SIOCINQ).
func inq(t testing.TB, s *Socket) int {
	t.Helper()
	return fdInt(t, s, func(fd int) (int, error) { return unix.IoctlGetInt(fd, unix.SIOCINQ) })
}

// backlog is how many connections wait in listening socket l's accept
// queue in the kernel (tcpi_unacked of a listener).
func backlog(t testing.TB, l *Socket) int {
	t.Helper()
	return fdInt(t, l, func(fd int) (int, error) {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return 0, err
		}
		return int(info.Unacked), nil
	})
}
