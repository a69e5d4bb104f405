package socket

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
)

// queuedOf returns how many bytes s's driver queue holds.
func queuedOf(t *testing.T, s *Socket) int {
	t.Helper()
	q, err := s.pool().Queued(s.h)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// peerReads reads n bytes from c in a goroutine of the test's, and sends
// them on the channel it returns.
func peerReads(t *testing.T, c net.Conn, n int) <-chan []byte {
	got := make(chan []byte, 1)
	testkit.Go(t, "the peer's reads", func() {
		b := make([]byte, n)
		if _, err := io.ReadFull(c, b); err != nil {
			t.Error(err)
		}
		got <- b
	})
	return got
}

// A big Send to a peer that reads it waits until the kernel has taken it
// all: it returns with nothing queued, and every byte arrives in order,
// header first, then the packet sent behind it.
func TestSendBigWaitsWhileWritten(t *testing.T) {
	// A reader the machine's load holds up for 50 ms would stall the
	// Send, which would then copy: what is checked here is the wait.
	testLendStall.Store(int64(time.Minute))
	defer testLendStall.Store(0)
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False))
	defer c.Close()
	body := pattern(16<<20, 1)
	want := append(frame(4, body), frame(4, []byte("next"))...)
	got := peerReads(t, c, len(want))
	if err := s.Send(body); err != nil {
		t.Fatal(err)
	}
	if q := queuedOf(t, s); q != 0 {
		t.Errorf("%d bytes queued after a big Send returned: want it written", q)
	}
	if err := s.Send([]byte("next")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(<-got, want) {
		t.Fatal("the bytes the peer read differ")
	}
}

// A big Send to a peer that does not read returns, its data queued, as
// OTP's does: the queue holds a copy, so that the caller's slice may
// change at once, and the peer reads what was sent.
func TestSendBigStalledCopies(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False), Sndbuf(16<<10))
	defer c.Close()
	body := pattern(2<<20, 2)
	want := frame(4, append([]byte(nil), body...))
	if err := s.Send(body); err != nil {
		t.Fatal(err)
	}
	if q := queuedOf(t, s); q == 0 {
		t.Fatal("nothing queued after a big Send to a peer that reads nothing")
	}
	for i := range body {
		body[i] = 0xdd
	}
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Fatal("the peer read other bytes than were sent")
	}
}

// A big Send to a peer that reads, but less than lendFrom bytes per
// lendStall, does not wait for it all to be read: once a lendStall passes
// with less than lendFrom read, the rest is copied to the queue and Send
// returns, before the peer has read the whole packet, which it reads
// then, whole.
func TestSendBigSlowReaderCopies(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False), Sndbuf(16<<10))
	defer c.Close()
	if err := c.(*net.TCPConn).SetReadBuffer(128 << 10); err != nil {
		t.Fatal(err)
	}
	body := pattern(4<<20, 3)
	want := frame(4, append([]byte(nil), body...))
	var read atomic.Int64
	got := make(chan []byte, 1)
	testkit.Go(t, "the peer's slow reads", func() {
		b := make([]byte, len(want))
		for off := 0; off < len(b); {
			n, err := io.ReadFull(c, b[off:min(len(b), off+64<<10)])
			if err != nil {
				t.Error(err)
				break
			}
			off += n
			read.Store(int64(off))
			// 64 KiB per 40 ms: a quarter of lendFrom per lendStall.
			time.Sleep(40 * time.Millisecond)
		}
		got <- b
	})
	if err := s.Send(body); err != nil {
		t.Fatal(err)
	}
	// The kernels' buffers hold well under 1 MiB: a Send that waited
	// for the data to be written would return with less left unread.
	if n := read.Load(); n > int64(len(want)-1<<20) {
		t.Errorf("Send returned once the peer had read %d of %d bytes: want it copied, and returned, well before", n, len(want))
	}
	for i := range body {
		body[i] = 0xdd
	}
	if !bytes.Equal(<-got, want) {
		t.Fatal("the peer read other bytes than were sent")
	}
}

// lentSend starts a big Send of body on s, whose peer reads nothing, with
// lendStall a minute, and returns once its data is lent to the driver,
// with the channel its result comes on.
func lentSend(t *testing.T, s *Socket, body []byte) <-chan error {
	t.Helper()
	testLendStall.Store(int64(time.Minute))
	t.Cleanup(func() { testLendStall.Store(0) })
	sent := make(chan error, 1)
	go func() { sent <- s.Send(body) }()
	testkit.Until(t, "the Send's data lent", func() bool {
		n, err := s.pool().Lent(s.h)
		return err == nil && n > 0
	})
	return sent
}

// A big Send whose data is lent to the driver, to a peer that does not
// read, returns when SendTimeout passes, with its data copied to the
// queue, and succeeds, as one that found the queue empty does in OTP,
// with or without SendTimeoutClose: the socket stays open, and the peer
// reads the packet whole, then the next.
func TestSendBigLentSendTimeout(t *testing.T) {
	for _, closeOn := range []bool{false, true} {
		p := newProc(t)
		s, c := netPair(t, p, Packet(framing.Four), Active(False), Sndbuf(16<<10),
			SendTimeout(200*time.Millisecond), SendTimeoutClose(closeOn))
		body := pattern(4<<20, 5)
		want := append(frame(4, append([]byte(nil), body...)), frame(4, []byte("next"))...)
		if err := <-lentSend(t, s, body); err != nil {
			t.Fatalf("SendTimeoutClose %v: the lent Send: %v", closeOn, err)
		}
		if n, err := s.pool().Lent(s.h); err != nil || n != 0 {
			t.Fatalf("SendTimeoutClose %v: %d bytes still lent (%v) after the Send returned", closeOn, n, err)
		}
		for i := range body {
			body[i] = 0xdd
		}
		got := peerReads(t, c, len(want))
		// The next waits while the queue is busy, as long as that takes.
		if err := s.SetOpts(SendTimeout(Infinity)); err != nil {
			t.Fatal(err)
		}
		if err := s.Send([]byte("next")); err != nil {
			t.Fatalf("SendTimeoutClose %v: a Send after the timeout: %v", closeOn, err)
		}
		if !bytes.Equal(<-got, want) {
			t.Fatalf("SendTimeoutClose %v: the peer read other bytes than were sent", closeOn)
		}
		c.Close()
		s.Close()
	}
}

// Sends made while a big Send's data is lent queue behind it, and their
// bytes are not taken for its progress: the big Send still waits, the
// others return, and the peer reads all in the order they were sent.
func TestSendBigLentConcurrentSends(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False), Sndbuf(16<<10))
	defer c.Close()
	body := pattern(4<<20, 6)
	sent := lentSend(t, s, body)
	lent, err := s.pool().Lent(s.h)
	if err != nil {
		t.Fatal(err)
	}
	small := make(chan error, 1)
	go func() {
		// They find the queue busy, from the second on: they wait
		// until the peer reads.
		for i := range 3 {
			if err := s.Send(pattern(1000, byte(i))); err != nil {
				small <- err
				return
			}
		}
		small <- nil
	}()
	testkit.Until(t, "a small Send queued behind the lent data", func() bool {
		return queuedOf(t, s) > lent
	})
	select {
	case err := <-sent:
		t.Fatalf("the big Send returned (%v) before the peer read anything", err)
	default:
	}
	want := frame(4, body)
	for i := range 3 {
		want = append(want, frame(4, pattern(1000, byte(i)))...)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the peer read other bytes than were sent, or in another order")
	}
}

// A Close with linger {true, 0} while a big Send's data is lent resets
// the connection and drops the queue: the Send returns, as one whose
// data was queued, and nothing is lent any more.
func TestSendBigLentClose(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False), Sndbuf(16<<10), Linger(true, 0))
	defer c.Close()
	sent := lentSend(t, s, pattern(4<<20, 7))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("the lent Send after Close: %v", err)
	}
}
