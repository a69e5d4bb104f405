package sock

import (
	"fmt"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// queued waits until the kernel holds a datagram for s: its next read
// needs no wait.
func queued(t testing.TB, s *Socket) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("a datagram queued on %v", s), func() bool {
		n := 0
		_ = s.control("poll", func(fd int) (err error) {
			n, err = unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
			return err
		})
		return n > 0
	})
}

// A datagram already there is read at once, whatever the timeout, 0
// included, with its sender.
func TestUDPDataAlreadyThere(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Hour, Infinity} {
		a, b, aAddr, bAddr := udpPair(t, Inet)
		testkit.Must(t, a.Sendto([]byte("here"), bAddr, testkit.WaitBound))
		queued(t, b)
		from, got, err := b.Recvfrom(0, timeout)
		if err != nil || from != aAddr || string(got) != "here" {
			t.Fatalf("Recvfrom(0, %v) with a datagram there = %v, %q, %v; want %v, here", timeout, from, got, err, aAddr)
		}
	}
}
