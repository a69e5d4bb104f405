package driver

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

func TestReadAndWrite(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)

	if _, err := peer.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "ping", func(r *recorder) bool { return r.data.String() == "ping" })

	if q, err := pl.Write(c, []byte("pong")); err != nil || q != 0 {
		t.Fatalf("Write = %d, %v; want 0, nil", q, err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "pong" {
		t.Fatalf("peer read %q, %v", got, err)
	}
	if err := pl.Close(c); err != nil {
		t.Fatal(err)
	}
	if n, err := peer.Read(got); err != io.EOF {
		t.Fatalf("peer read after close = %d, %v; want EOF", n, err)
	}
}

func TestWritevIsOneStream(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	bufs := [][]byte{[]byte("a"), nil, []byte("bc"), []byte("def")}
	if _, err := pl.Writev(c, bufs); err != nil {
		t.Fatal(err)
	}
	if string(bufs[2]) != "bc" {
		t.Fatalf("Writev changed the caller's slices: %q", bufs)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "abcdef" {
		t.Fatalf("peer read %q, %v", got, err)
	}
}

// A socket starts paused, and data that arrives while it is paused is
// read when it resumes: no edge is lost, though the edge came while paused.
func TestResumeReadsDataThatCameWhilePaused(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, ReadBuffer(4096))
	r := newRecorder()
	c, peer := pair(t, pl, r)
	want := pattern(100 << 10) // many read buffers
	if _, err := peer.Write(want); err != nil {
		t.Fatal(err)
	}
	// Wait until the kernel holds it all on our side, with no read done.
	waitRecvQueue(t, pl, c, len(want))
	if got := r.bytes(); len(got) != 0 {
		t.Fatalf("read %d bytes while paused", len(got))
	}
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "all bytes", func(r *recorder) bool { return r.data.Len() == len(want) })
	if !bytes.Equal(r.bytes(), want) {
		t.Fatal("bytes differ")
	}
}

// waitRecvQueue waits until h's kernel receive queue holds n bytes.
func waitRecvQueue(t *testing.T, pl *Pool, h Handle, n int) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("%d bytes in the receive queue", n), func() bool {
		var q int
		if err := pl.Control(h, func(fd int) (err error) {
			q, err = recvQueued(fd)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return q >= n
	})
}

// A handler that pauses after every read, resumed from another goroutine,
// gets every byte of a flood in order, and while it is paused the peer is
// held back by TCP's window.
func TestPauseResumeUnderPressure(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, ReadBuffer(4096))
	r := newRecorder()
	r.pause = true
	c, peer := pair(t, pl, r)
	want := pattern(8 << 20)
	werr := make(chan error, 1)
	go func() {
		_, err := peer.Write(want)
		werr <- err
	}()
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	reads := 0
	for {
		r.waitFor(t, "a read", func(r *recorder) bool { return r.reads > reads })
		r.mu.Lock()
		n := r.data.Len()
		reads = r.reads
		r.mu.Unlock()
		if n == len(want) {
			break
		}
		if err := pl.Resume(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.bytes(), want) {
		t.Fatal("bytes differ")
	}
	if r.reads < len(want)/4096 {
		t.Fatalf("%d reads of 4 KiB for %d bytes: pausing did not stop reading", r.reads, len(want))
	}
}

// While paused, a flood fills the kernel buffers and then stops: the
// peer's write blocks, and nothing is read.
func TestPausedFloodIsHeldBack(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	peer.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := peer.Write(make([]byte, 64<<20))
	if !isTimeout(err) {
		t.Fatalf("flood of 64 MiB into a paused socket: wrote %d, err %v; want a write timeout", n, err)
	}
	if got := len(r.bytes()); got != 0 {
		t.Fatalf("read %d bytes while paused", got)
	}
	if n >= 64<<20 {
		t.Fatalf("the whole flood went through")
	}
	_ = c
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestHalfCloseIsReported(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	peer.Write([]byte("last words"))
	peer.(*net.TCPConn).CloseWrite()
	pl.Resume(c)
	r.waitFor(t, "EOF", func(r *recorder) bool { return r.eof })
	if got := string(r.bytes()); got != "last words" {
		t.Fatalf("read %q before EOF", got)
	}
	// The other direction still works.
	if _, err := pl.Write(c, []byte("reply")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.LimitReader(peer, 5))
	if err != nil || string(got) != "reply" {
		t.Fatalf("peer read %q, %v", got, err)
	}
}

func TestPeerResetIsAnError(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	pl.Resume(c)
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close()
	r.waitFor(t, "an error", func(r *recorder) bool { return r.err != nil })
	if !isErr(r.err, unix.ECONNRESET) {
		t.Fatalf("error %v, want ECONNRESET", r.err)
	}
	if r.eof {
		t.Fatal("EOF reported besides the reset")
	}
	if _, err := pl.Write(c, []byte("x")); !isErr(err, unix.ECONNRESET) {
		t.Fatalf("Write after reset = %v, want ECONNRESET", err)
	}
	pl.Close(c)
}

// With a tiny send buffer most of a large write is queued; the poller
// flushes it in order, reports progress, and disarms at zero.
func TestPartialWritesWithTinySndbuf(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	r := newRecorder()
	c, peer := pair(t, pl, r)
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })

	want := pattern(2 << 20)
	var queued int
	for i := 0; i < len(want); i += 100 << 10 { // several writes, some behind a queue
		q, err := pl.Write(c, want[i:min(i+100<<10, len(want))])
		if err != nil {
			t.Fatal(err)
		}
		queued = q
	}
	if queued == 0 {
		t.Fatal("2 MiB written through a 4 KiB send buffer with nothing queued")
	}
	// Flushes before this may have met the queue grown by a later Write;
	// from here on nothing is written, so the queue only shrinks.
	r.mu.Lock()
	settled := len(r.flushes)
	r.mu.Unlock()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
	r.waitFor(t, "a flush to zero", func(r *recorder) bool {
		return len(r.flushes) > 0 && r.flushes[len(r.flushes)-1] == 0
	})
	if q, _ := pl.Queued(c); q != 0 {
		t.Fatalf("Queued = %d after the peer read everything", q)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := settled + 1; i < len(r.flushes); i++ {
		if r.flushes[i] > r.flushes[i-1] {
			t.Fatalf("queue grew between flushes with no write: %v", r.flushes[settled:])
		}
	}
}

func TestCloseDrainSendsTheQueue(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
	want := pattern(1 << 20)
	if q, err := pl.Write(c, want); err != nil || q == 0 {
		t.Fatalf("Write = %d, %v; want something queued", q, err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(peer)
		got <- b
	}()
	if err := pl.CloseDrain(c, 10*time.Second, 0); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("peer got %d bytes, want %d", len(b), len(want))
	}
	if _, err := pl.Write(c, want); err != ErrClosed {
		t.Fatalf("Write after CloseDrain = %v, want ErrClosed", err)
	}
}

// queuedPair connects a socket to a peer, with 4 KiB buffers between them,
// and writes 4 MiB, want, on it: most of it is queued.
func queuedPair(t *testing.T, pl *Pool) (c Handle, peer net.Conn, want []byte) {
	t.Helper()
	c, peer = pair(t, pl, newRecorder())
	peer.(*net.TCPConn).SetReadBuffer(4096)
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
	want = pattern(4 << 20)
	if q, err := pl.Write(c, want); err != nil || q == 0 {
		t.Fatalf("Write = %d, %v; want something queued", q, err)
	}
	return c, peer, want
}

func TestCloseDrainTimesOutAndDiscards(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer, want := queuedPair(t, pl)
	// The peer reads nothing: the queue cannot drain.
	if err := pl.CloseDrain(c, 50*time.Millisecond, 0); err != ErrTimeout {
		t.Fatalf("CloseDrain = %v, want ErrTimeout", err)
	}
	b, _ := io.ReadAll(peer)
	if len(b) >= len(want) {
		t.Fatalf("peer got all %d bytes of a discarded queue", len(b))
	}
	if !bytes.Equal(b, want[:len(b)]) {
		t.Fatal("what arrived is not a prefix of what was sent")
	}
}

// CloseDrain's limit bounds the drain even while the queue moves: a peer
// that reads steadily, but slowly, for longer than the limit.
func TestCloseDrainLimit(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer, want := queuedPair(t, pl)
	got := make(chan []byte)
	go func() {
		var b []byte
		buf := make([]byte, 4096)
		for {
			n, err := peer.Read(buf)
			b = append(b, buf[:n]...)
			if err != nil {
				got <- b
				return
			}
			time.Sleep(time.Millisecond) // slow: 4 MiB would take seconds
		}
	}()
	if err := pl.CloseDrain(c, time.Hour, 100*time.Millisecond); err != ErrTimeout {
		t.Fatalf("CloseDrain = %v, want ErrTimeout", err)
	}
	if b := <-got; len(b) >= len(want) || !bytes.Equal(b, want[:len(b)]) {
		t.Fatalf("peer got %d of %d bytes, want a prefix", len(b), len(want))
	}
}

// A drain ends when the connection fails: a peer that resets it leaves
// nothing to wait for, however long the limits.
func TestCloseDrainEndsOnReset(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer, _ := queuedPair(t, pl)
	done := make(chan error, 1)
	go func() { done <- pl.CloseDrain(c, time.Hour, 0) }()
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close()
	if err := testkit.Result(t, "CloseDrain of a reset connection", done); err != nil {
		t.Fatalf("CloseDrain = %v, want nil: the queue went with the connection", err)
	}
}

func TestAbortResetsThePeer(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Write(c, []byte("unread"))
	if err := pl.Abort(c); err != nil {
		t.Fatal(err)
	}
	var err error
	for err == nil {
		_, err = peer.Read(make([]byte, 64))
	}
	if !isErr(err, unix.ECONNRESET) {
		t.Fatalf("peer read error %v, want ECONNRESET", err)
	}
}

// shutdown(write) waits for the queue: the FIN follows the last byte.
func TestShutdownWriteAfterQueue(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
	want := pattern(1 << 20)
	if q, err := pl.Write(c, want); err != nil || q == 0 {
		t.Fatalf("Write = %d, %v; want something queued", q, err)
	}
	if err := pl.Shutdown(c, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if _, err := pl.Write(c, []byte("x")); !isErr(err, unix.EPIPE) {
		t.Fatalf("Write after Shutdown = %v, want EPIPE", err)
	}
	b, err := io.ReadAll(peer)
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("peer got %d bytes (%v), want %d then EOF", len(b), err, len(want))
	}
}
