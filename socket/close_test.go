package socket

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// shortStall makes Close give up on a queue that has not shrunk for d, for
// the rest of the test. Tests that call it must not be parallel.
func shortStall(t *testing.T, d time.Duration) {
	old := closeStall.Swap(int64(d))
	t.Cleanup(func() { closeStall.Store(old) })
}

// drainingPair returns a client that has queued n bytes (the kernel's
// buffers between the two ends hold about 16 KiB), and the server
// socket, passive, that has read none of them, with what was sent.
func drainingPair(t *testing.T, p proc, n int) (c, s *Socket, sent []byte) {
	t.Helper()
	_, c, s = apiPair(t, p, []Option{Active(False), Recbuf(4096)}, Active(False), Sndbuf(4096))
	sent = bytes.Repeat([]byte("0123456789abcdef"), n/16)
	if err := c.Send(sent); err != nil {
		t.Fatal(err)
	}
	if q := queueSize(t, c); q < n/2 {
		t.Fatalf("%d bytes queued, want most of the %d sent", q, n)
	}
	return c, s, sent
}

// closeAsync closes c on a goroutine of its own: the returned channel is
// closed when Close has returned.
func closeAsync(c *Socket) <-chan struct{} {
	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	return closed
}

// Close with queued output waits while the peer keeps reading, for longer
// than the no-progress limit, and the peer gets every byte before closed.
// (Before, Close gave up after five seconds in all, or send_timeout, and a
// slow reader lost the tail.)
func TestClosePendingOutputSlowReader(t *testing.T) {
	const stall = 200 * time.Millisecond
	shortStall(t, stall)
	p := newProc(t)
	c, s, sent := drainingPair(t, p, 128<<10)
	closed := closeAsync(c)
	var got []byte
	for len(got) < len(sent) {
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", len(got), len(sent), err)
		}
		got = append(got, data...)
		// The reader is slow, a few KiB every stall/5, but never stalls
		// for as long as Close's limit: more than a second in all, some
		// six limits.
		time.Sleep(stall / 5)
	}
	if !bytes.Equal(got, sent) {
		t.Fatal("the bytes differ")
	}
	if _, err := s.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv after the data = %v, want closed", err)
	}
	testkit.Recv(t, closed, "return from Close")
}

// Close with queued output gives up once the peer has stopped reading for
// the no-progress limit: it returns while the peer still reads nothing,
// and what was still queued is lost; the peer gets what the kernel had
// taken, then closed.
func TestClosePendingOutputStalledReader(t *testing.T) {
	shortStall(t, 200*time.Millisecond)
	p := newProc(t)
	c, s, sent := drainingPair(t, p, 256<<10)
	closed := closeAsync(c)
	var got []byte
	for range 2 { // reads a little, then stops
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, data...)
	}
	testkit.Recv(t, closed, "Close giving up on the stalled reader")
	for {
		data, err := s.Recv(0, testkit.WaitBound)
		if errors.Is(err, ErrClosed) {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v, want closed", len(got), err)
		}
		got = append(got, data...)
	}
	if len(got) >= len(sent) || !bytes.Equal(got, sent[:len(got)]) {
		t.Fatalf("the peer got %d of %d bytes, want a prefix: the queue was dropped", len(got), len(sent))
	}
}

// While Close drains the queue the port is open, as OTP 25's is
// (otp_suites.escript, close_draining): a Recv on another goroutine gets
// what the peer sent, the names and the stats answer; a Recv still
// waiting when the fd closes answers closed, and then the socket is
// closed to them all.
func TestRecvDuringDrainingClose(t *testing.T) {
	p := newProc(t)
	c, s, sent := drainingPair(t, p, 256<<10)
	if err := s.Send([]byte("from peer")); err != nil {
		t.Fatal(err)
	}
	closed := closeAsync(c)
	testkit.Until(t, "Close draining the queue", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.dead && c.ext != nil && c.ext.closing != nil
	})
	if got, err := c.Recv(0, testkit.WaitBound); err != nil || string(got) != "from peer" {
		t.Fatalf("Recv while Close drains = %q, %v; want what the peer sent", got, err)
	}
	if _, err := c.Peername(); err != nil {
		t.Fatalf("Peername while Close drains = %v", err)
	}
	if _, err := c.Sockname(); err != nil {
		t.Fatalf("Sockname while Close drains = %v", err)
	}
	if st, err := c.GetStat(); err != nil || st.SendPend == 0 || st.RecvOct != uint64(len("from peer")) {
		t.Fatalf("GetStat while Close drains = %+v, %v; want the queue and the bytes received", st, err)
	}
	if info := c.Info(); fmt.Sprint(info.States) != "[connected open]" {
		t.Fatalf("Info while Close drains: %v", info.States)
	}
	if err := c.ControllingProcess(p, newProc(t).Self()); err != nil {
		t.Fatalf("ControllingProcess while Close drains = %v", err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := c.Recv(0, Infinity)
		waiting <- err
	}()
	testkit.Until(t, "the Recv waiting", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.recv != nil
	})
	for n := 0; n < len(sent); { // the peer reads: the queue drains
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("the peer, after %d of %d bytes: %v", n, len(sent), err)
		}
		n += len(data)
	}
	testkit.Recv(t, closed, "return from Close")
	if err := testkit.Recv(t, waiting, "the waiting Recv's answer"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv waiting as the fd closed = %v, want closed", err)
	}
	if _, err := c.Recv(0, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv after Close = %v, want closed", err)
	}
	if _, err := c.Peername(); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Peername after Close = %v, want einval", err)
	}
	if _, err := c.GetStat(); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("GetStat after Close = %v, want einval", err)
	}
}

// A Close made while another Close closes the socket returns once that
// one has closed the fd, not before: here the first drains a queue the
// peer has not read, and the second waits while it does. (So a listening
// socket's port is free when any Close of it returns.)
func TestCloseWhileClosing(t *testing.T) {
	p := newProc(t)
	c, s, sent := drainingPair(t, p, 256<<10)
	draining := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.dead && c.ext != nil && c.ext.closing != nil
	}
	first := make(chan struct{})
	go func() {
		c.Close()
		close(first)
	}()
	testkit.Until(t, "Close draining the queue", draining)
	second := make(chan struct{})
	go func() {
		c.Close()
		close(second)
	}()
	testkit.Until(t, "the second Close waiting, or returned", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		select {
		case <-second:
			return true
		default:
			return c.ext != nil && c.ext.fdClosed != nil
		}
	})
	select { // returned, then still draining: it did not wait
	case <-second:
		if draining() {
			t.Fatal("the second Close returned while the first still drained the queue")
		}
	default:
	}
	for n := 0; n < len(sent); { // the peer reads: the queue drains
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("the peer, after %d of %d bytes: %v", n, len(sent), err)
		}
		n += len(data)
	}
	testkit.Recv(t, first, "return from the first Close")
	testkit.Recv(t, second, "return from the second Close")
}

// A monitor made while Close drains the queue is a monitor of an open
// port, as in OTP 25: no Down comes until the fd is closed, and then
// both monitors, the one made before Close and the one made during it,
// get theirs, in the order they were made, with reason normal.
func TestMonitorDuringDrainingClose(t *testing.T) {
	p := newProc(t)
	c, s, sent := drainingPair(t, p, 256<<10)
	early, err := c.Monitor(p)
	if err != nil {
		t.Fatal(err)
	}
	closed := closeAsync(c)
	testkit.Until(t, "Close draining the queue", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.dead && c.ext != nil && c.ext.closing != nil
	})
	late, err := c.Monitor(p)
	if err != nil {
		t.Fatal(err)
	}
	// Monitor posts a noproc Down before it returns, if it does: none is
	// there while the port is open.
	if m, err := p.Receive(testkit.OfType(func(*Down) bool { return true }), 0); err == nil {
		t.Fatalf("while Close drains the queue: %#v", m)
	}
	for n := 0; n < len(sent); { // the peer reads: the queue drains
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("the peer, after %d of %d bytes: %v", n, len(sent), err)
		}
		n += len(data)
	}
	testkit.Recv(t, closed, "return from Close")
	for _, ref := range []*MonitorRef{early, late} {
		if d := awaitDown(t, p, ref, c); d != nil && d.Reason != nil {
			t.Fatalf("Down of %v: %v, want normal (nil)", ref, d.Reason)
		}
	}
}
