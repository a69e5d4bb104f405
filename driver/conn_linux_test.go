package driver

import (
	"fmt"
	"net"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// EOF seen while paused is not lost: it is reported on Resume.
func TestHalfCloseWhilePaused(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	peer.(*net.TCPConn).CloseWrite()
	waitState(t, pl, c, tcpCloseWait)
	if r.eof {
		t.Fatal("EOF reported while paused")
	}
	pl.Resume(c)
	r.waitFor(t, "EOF", func(r *recorder) bool { return r.eof })
}

// waitState waits until h's TCP state is st.
func waitState(t *testing.T, pl *Pool, h Handle, st uint8) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("in TCP state %d", st), func() bool {
		var info *unix.TCPInfo
		if err := pl.Control(h, func(fd int) (err error) {
			info, err = unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return info.State == st
	})
}

// tcpCloseWait is TCP_CLOSE_WAIT of linux/tcp_states.h.
const tcpCloseWait = 8
