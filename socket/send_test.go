package socket

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"golang.org/x/sys/unix"
)

// drain reads n bytes from s with Recv.
func drain(t *testing.T, s *Socket, n int) []byte {
	t.Helper()
	var got []byte
	for len(got) < n {
		data, err := s.Recv(0, 5*time.Second)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", len(got), n, err)
		}
		got = append(got, data...)
	}
	return got
}

// gen_tcp_misc_SUITE:send_timeout: the peer does not read; a send that
// fills the queue past the high watermark times out, and what it queued
// still arrives, intact, when the peer reads.
func TestSendTimeout(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(SendTimeout(100*time.Millisecond), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	var sent []byte
	var err error
	for range 1000 {
		if err = c.Send(chunk); err != nil {
			break
		}
		sent = append(sent, chunk...)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send = %v, want timeout", err)
	}
	sent = append(sent, chunk...) // the timed-out send's data stays queued
	got := drain(t, s, len(sent))
	if !bytes.Equal(got, sent) {
		t.Fatal("bytes differ")
	}
	// The socket works again once the queue drained.
	if err := c.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, s, 5); string(got) != "after" {
		t.Fatalf("got %q", got)
	}
}

func TestSendTimeoutClose(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False))
	c.SetOpts(SendTimeout(50*time.Millisecond), SendTimeoutClose(true), Sndbuf(4096))
	if err := sendUntilError(c); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send = %v, want timeout", err)
	}
	if err := c.Send(make([]byte, 64<<10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after a timeout with send_timeout_close = %v, want closed", err)
	}
}

// The socket backend's send waits until written, and on timeout returns
// what it could not write.
func TestSocketBackendRest(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(InetBackend(BackendSocket), SendTimeout(100*time.Millisecond), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	big := bytes.Repeat([]byte("xyz"), 3<<20)
	err := c.Send(big)
	var te *inet.SendTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send = %v, want {timeout, Rest}", err)
	}
	if len(te.Rest) == 0 || len(te.Rest) >= len(big) {
		t.Fatalf("rest is %d of %d bytes", len(te.Rest), len(big))
	}
	written := len(big) - len(te.Rest)
	if !bytes.Equal(te.Rest, big[written:]) {
		t.Fatal("rest is not the tail of the data")
	}
	got := drain(t, s, written)
	if !bytes.Equal(got, big[:written]) {
		t.Fatal("what was written differs")
	}
}

// Watermarks are coupled as in OTP.
func TestWatermarks(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False))
	get := func() (int, int) {
		o, err := c.GetOpts(OptHighWatermark, OptLowWatermark)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].Value().(int), o[1].Value().(int)
	}
	if h, l := get(); h != 8192 || l != 4096 {
		t.Fatalf("defaults %d/%d, want 8192/4096", h, l)
	}
	c.SetOpts(HighWatermark(100))
	if h, l := get(); h != 100 || l != 100 {
		t.Fatalf("high 100: %d/%d, want 100/100", h, l)
	}
	c.SetOpts(LowWatermark(200))
	if h, l := get(); h != 200 || l != 200 {
		t.Fatalf("low 200: %d/%d, want 200/200", h, l)
	}
}

func TestPacketHeaderTooLong(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False), Packet(framing.One))
	if err := c.Send(make([]byte, 256)); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("Send of 256 bytes with packet 1 = %v, want emsgsize", err)
	}
	if err := c.Send(make([]byte, 255)); err != nil {
		t.Fatal(err)
	}
}

func TestDelaySend(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False), Packet(framing.Two))
	c.SetOpts(DelaySend(true))
	for i := range 100 {
		if err := c.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		data, err := s.Recv(0, 5*time.Second)
		if err != nil || len(data) != 1 || data[0] != byte(i) {
			t.Fatalf("packet %d = %v, %v", i, data, err)
		}
	}
}
