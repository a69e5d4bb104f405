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

// A big Send to a peer that reads it waits until the kernel has taken it
// all: it returns with nothing queued, and every byte arrives in order,
// header first, then the packet sent behind it.
func TestSendBigWaitsWhileWritten(t *testing.T) {
	// A reader the machine's load holds up for 50 ms would stall the
	// Send, which would then copy: what is checked here is the wait.
	defer func(d time.Duration) { lendStall = d }(lendStall)
	lendStall = time.Minute
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False))
	defer c.Close()
	body := pattern(16<<20, 1)
	want := append(frame(4, body), frame(4, []byte("next"))...)
	got := make(chan []byte, 1)
	testkit.Go(t, "the peer's reads", func() {
		b := make([]byte, len(want))
		if _, err := io.ReadFull(c, b); err != nil {
			t.Error(err)
		}
		got <- b
	})
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
