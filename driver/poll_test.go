package driver

import (
	"io"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// wants reports whether s's socket is in the poll set for all of events.
// The caller holds s.mu.
func (b *pollBackend) wants(s *slot, events int16) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.regs[s.idx]
	return ok && r.gen == s.gen && r.want&events == events
}

// pollPool is a pool of one poller on the poll backend, with t's leak
// check.
func pollPool(t *testing.T) *Pool {
	leaktest.Check(t)
	return newPool(t, Backend("poll"), Pollers(1), ReadBuffer(4096))
}

// pollWants reports whether h's socket is in its poll backend's set for
// events.
func pollWants(t *testing.T, pl *Pool, h Handle, events int16) bool {
	t.Helper()
	s, err := pl.lock(h)
	if err != nil {
		t.Fatal(err)
	}
	defer s.mu.Unlock()
	return s.p.sys.(*pollBackend).wants(s, events)
}

// A paused connection leaves the poll set: poll is level-triggered, and a
// socket with data waiting that stayed in the set would make every poll
// return at once. The data's event is taken once, noted (the socket has
// data pending), and the socket waits out of the set until Resume reads
// it.
func TestPollPausedLeavesTheSet(t *testing.T) {
	pl := pollPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	pl.Resume(c)
	waitReadWaiter(t, pl, c) // read met EAGAIN: in the set for POLLIN
	pl.Pause(c)
	if _, err := peer.Write([]byte("while paused")); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, "the event noted", func() bool {
		s, err := pl.lock(c)
		if err != nil {
			t.Fatal(err)
		}
		defer s.mu.Unlock()
		return s.state&stPending != 0
	})
	if pollWants(t, pl, c, unix.POLLIN) {
		t.Fatal("a paused socket with data waiting is still in the poll set")
	}
	if got := r.bytes(); len(got) != 0 {
		t.Fatalf("read %q while paused", got)
	}
	pl.Resume(c)
	r.waitFor(t, "the data", func(r *recorder) bool { return r.data.String() == "while paused" })
	waitReadWaiter(t, pl, c) // drained: back in the set
	pl.Close(c)
}

// Close of a socket that the poller waits on in poll wakes it: poll holds
// a reference to each file it waits on, so until it returns the closed
// socket's FIN would not go, and its peer would not see the end.
func TestPollCloseWakesThePoller(t *testing.T) {
	pl := pollPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Resume(c)
	waitReadWaiter(t, pl, c)
	pl.Close(c)
	peer.SetReadDeadline(time.Now().Add(testkit.WaitBound))
	var b [1]byte
	if n, err := peer.Read(b[:]); err != io.EOF {
		t.Fatalf("the peer's read after Close = %d, %v; want EOF", n, err)
	}
}

// The wake-up pair of Windows, two connected loopback UDP sockets, wakes
// a poller here too: the pause-and-resume test's Resume queues a task for
// a poller waiting in poll, which only the wake gets going.
func TestPollUDPWake(t *testing.T) {
	pollWakePair = udpPair
	t.Cleanup(func() { pollWakePair = defaultWakePair })
	pl := pollPool(t)
	b := pl.pollers[0].sys.(*pollBackend)
	if sa, err := unix.Getsockname(b.wr); err != nil {
		t.Fatalf("the wake-up fd's name = %v, %v; want a loopback socket's", sa, err)
	}
	testPauseResume(t, pl)
}

// pollMarks reports h's socket's pollReg marks.
func pollMarks(t *testing.T, pl *Pool, h Handle) uint8 {
	t.Helper()
	s, err := pl.lock(h)
	if err != nil {
		t.Fatal(err)
	}
	defer s.mu.Unlock()
	b := s.p.sys.(*pollBackend)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.regs[s.idx].marks
}

// An event disarms a whole direction whichever of its bits poll reports:
// on Windows POLLIN is POLLRDNORM|POLLRDBAND and WSAPoll reports data with
// POLLRDNORM alone, which must take the socket's reading interest off
// whole, else it never leaves the set. ERR, HUP and NVAL disarm both, and
// without POLLIN or POLLOUT they are an error alone.
func TestPollReventsWindowsBits(t *testing.T) {
	win := pollBits{in: 0x300, out: 0x10, err: 0x1, hup: 0x2, nval: 0x4}
	const rdnorm, rdband = 0x100, 0x200
	for _, c := range []struct {
		got, want int16 // revents; the interest before
		ev        uint32
		left      int16 // the interest after
		errOnly   bool
	}{
		{rdnorm, win.in, evIn, 0, false},
		{rdband, win.in, evIn, 0, false},
		{rdnorm, win.in | win.out, evIn, win.out, false},
		{win.out, win.in | win.out, evOut, win.in, false},
		{win.err, win.in | win.out, evErr, 0, true},
		{win.hup, win.in, evHup, 0, true},
		{win.nval, win.in, evErr, 0, true},
		{win.hup | rdnorm, win.in, evIn | evHup, 0, false},
		{win.err | win.out, win.out, evOut | evErr, 0, false},
	} {
		ev, off, errOnly := pollRevents(c.got, &win)
		if ev != c.ev || c.want&^off != c.left || errOnly != c.errOnly {
			t.Errorf("revents %#x on interest %#x: events %#x, interest left %#x, error alone %v; want %#x, %#x, %v",
				c.got, c.want, ev, c.want&^off, errOnly, c.ev, c.left, c.errOnly)
		}
	}
}
