package driver

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/otpnet/otpnet/internal/unix"
)

// passed reports whether ch is closed.
func passed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// lentPair returns a pool and a connection of it, whose send buffer is
// small, and its peer.
func lentPair(t *testing.T) (*Pool, Handle, net.Conn) {
	t.Helper()
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
	return pl, c, peer
}

// A write the kernel cannot take at once, on an empty queue, is lent: the
// queue references the caller's slices of 64 KiB or more, copies the
// smaller ones, and a write behind it is queued after it; every byte
// arrives in order, and the lent channel closes once the lent bytes are
// written (to the kernel), not before.
func TestWritevLent(t *testing.T) {
	eachBackend(t, func(t *testing.T, pl *Pool) {
		r := newRecorder()
		c, peer := pair(t, pl, r)
		pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })
		head, body, small := []byte("head"), pattern(4<<20), pattern(1000)
		q, lent, err := pl.WritevLent(c, [][]byte{head, body, small}, 1<<20)
		if err != nil || q == 0 || lent == nil {
			t.Fatalf("WritevLent = %d, %v, %v; want bytes queued, lent", q, lent, err)
		}
		more := []byte("more")
		if _, err := pl.Write(c, more); err != nil {
			t.Fatal(err)
		}
		// The peer has read nothing: 4 MiB cannot all be in the
		// kernel's buffers.
		if passed(lent) {
			t.Fatal("lent closed before the peer read anything")
		}
		want := bytes.Join([][]byte{head, body, small, more}, nil)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(peer, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("bytes differ")
		}
		<-lent
		if q, _ := pl.Queued(c); q != 0 {
			t.Fatalf("Queued = %d after the peer read everything", q)
		}
		pl.Close(c)
	})
}

// A small rest, or a write behind queued bytes, is copied as Writev's:
// no channel.
func TestWritevLentCopies(t *testing.T) {
	pl, c, peer := lentPair(t)
	defer pl.Close(c)
	body := pattern(4 << 20)
	if _, lent, err := pl.WritevLent(c, [][]byte{body}, 8<<20); err != nil || lent != nil {
		t.Fatalf("a rest under min: lent %v, %v; want copied", lent, err)
	}
	if _, lent, err := pl.WritevLent(c, [][]byte{body}, 1<<20); err != nil || lent != nil {
		t.Fatalf("behind queued bytes: lent %v, %v; want copied", lent, err)
	}
	got := make([]byte, 2*len(body))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(append([]byte(nil), body...), body...)) {
		t.Fatal("bytes differ")
	}
}

// Unlend copies what is left of the lent bytes and closes the channel:
// the caller's slices may change after it, and what the peer reads is
// what was written.
func TestUnlend(t *testing.T) {
	pl, c, peer := lentPair(t)
	defer pl.Close(c)
	body := pattern(4 << 20)
	want := append([]byte(nil), body...)
	_, lent, err := pl.WritevLent(c, [][]byte{[]byte("head"), body}, 1<<20)
	if err != nil || lent == nil {
		t.Fatalf("WritevLent: lent %v, %v", lent, err)
	}
	queued, _ := pl.Queued(c)
	if _, err := pl.Write(c, []byte("tail")); err != nil {
		t.Fatal(err)
	}
	// Lent counts the lent bytes left, not the tail queued after them.
	if n, err := pl.Lent(c); err != nil || n != queued {
		t.Fatalf("Lent = %d, %v with %d queued before the tail", n, err, queued)
	}
	if err := pl.Unlend(c); err != nil {
		t.Fatal(err)
	}
	if !passed(lent) {
		t.Fatal("lent open after Unlend")
	}
	if n, err := pl.Lent(c); err != nil || n != 0 {
		t.Fatalf("Lent = %d, %v after Unlend", n, err)
	}
	for i := range body {
		body[i] = 0xdd
	}
	got := make([]byte, 4+len(want)+4)
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Join([][]byte{[]byte("head"), want, []byte("tail")}, nil)) {
		t.Fatal("bytes differ")
	}
}

// Closing the socket drops the queue and what it lent: the channel
// closes.
func TestLentClose(t *testing.T) {
	pl, c, _ := lentPair(t)
	_, lent, err := pl.WritevLent(c, [][]byte{pattern(4 << 20)}, 1<<20)
	if err != nil || lent == nil {
		t.Fatalf("WritevLent: lent %v, %v", lent, err)
	}
	pl.Close(c)
	<-lent
	if err := pl.Unlend(c); err == nil {
		t.Error("Unlend of a closed socket: nil, want its error")
	}
}
