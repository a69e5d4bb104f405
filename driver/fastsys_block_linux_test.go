//go:build !race

package driver

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/otpnet/otpnet/internal/childtest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// oneByteHandler reads into a one-byte buffer, which a byte fills: the
// poller then reads again, to find the kernel's queue empty.
type oneByteHandler struct {
	recorder
	b [1]byte
}

func (h *oneByteHandler) ReadBuffer() []byte { return h.b[:] }
func (h *oneByteHandler) OnReadInto(n int) bool {
	if n == 0 {
		return true
	}
	return h.OnRead(h.b[:n])
}

// TestRawReadOfBlockingFd: a socket the driver serves whose O_NONBLOCK is
// cleared behind its back (an os.File's Fd method does that) must not
// block its poller in a read, holding its P, which would hang the process
// at the next stop of the world. After the byte the handler gets, the
// poller reads again (the byte filled the handler's buffer), finds
// nothing, and runs a Submit; garbage
// collections keep stopping the world meanwhile. A raw read(2) would
// block there and the child would never end: it runs in a child process,
// which the parent kills if it runs past testkit.WaitBound.
//
// Race builds call x/sys's read (fastIO), which on a blocking fd blocks
// the poller (not the process) until data comes, so the test is not
// built there.
func TestRawReadOfBlockingFd(t *testing.T) {
	if !childtest.Child(t) {
		cmd := childtest.Command(t)
		kill := time.AfterFunc(testkit.WaitBound, func() { cmd.Process.Kill() })
		out, err := cmd.CombinedOutput()
		kill.Stop()
		if err != nil {
			t.Fatalf("the child: %v (killed after %v: it hung)\n%s", err, testkit.WaitBound, out)
		}
		return
	}
	pl := newPool(t, Pollers(1))
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	h := &oneByteHandler{recorder: *newRecorder()}
	r := &h.recorder
	c, err := pl.Adopt(fds[1], h)
	if err != nil {
		unix.Close(fds[1])
		t.Fatal(err)
	}
	defer pl.Close(c)
	if err := pl.Control(c, func(fd int) error { return unix.SetNonblock(fd, false) }); err != nil {
		t.Fatal(err)
	}
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Write(fds[0], []byte{'x'}); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the byte", func(r *recorder) bool { return r.data.Len() == 1 })
	ran := make(chan struct{})
	if err := pl.Submit(c, func() { close(ran) }); err != nil {
		t.Fatal(err)
	}
	for {
		runtime.GC()
		select {
		case <-ran:
			return
		default:
		}
	}
}
