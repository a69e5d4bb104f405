package socket

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
)

// packetOf returns packet i of size n: bytes that differ from those of
// every other packet, so that a buffer two packets shared would show.
func packetOf(i, n int) []byte {
	p := make([]byte, n)
	for j := range p {
		p[j] = byte(i*31 + j*7)
	}
	return p
}

// Once the owner releases a packet's data, the port copies later packets
// into recycled buffers of the class that fits them, and every packet
// arrives whole and its own: two packets held at once never share a
// buffer, whatever was released before.
func TestReleaseRecycles(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Packet(framing.Four), Active(False))
	sizes := []int{65, 100, 128, 129, 4096, 4000, 5000, 65536, 65537, 300, 4096, 64}
	var held *TCP // the packet before, released once the next has come
	for i, n := range sizes {
		want := packetOf(i, n)
		if err := c.Send(want); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOpts(Active(Once)); err != nil {
			t.Fatal(err)
		}
		m, ok := testkit.Next(t, p).(*TCP)
		if !ok || !bytes.Equal(m.Data, want) {
			t.Fatalf("packet %d (%d bytes) is not what was sent", i, n)
		}
		if m.class != 0 && cap(m.Data) != len(m.Data) {
			t.Errorf("packet %d: Data's capacity %d passes its length %d", i, cap(m.Data), len(m.Data))
		}
		pooled := i > 1 && n > smallPacket && n <= maxPooled // packet 0 was released when packet 1 had come
		if got := m.class != 0 && m.class != inline; got != pooled {
			t.Errorf("packet %d (%d bytes): in a recycled buffer %v, want %v", i, n, got, pooled)
		}
		if pooled && 1<<m.class < n || pooled && 1<<m.class >= 2*n && n > 1<<minPoolShift {
			t.Errorf("packet %d (%d bytes) is in a buffer of class %d", i, n, m.class)
		}
		if held != nil {
			if !bytes.Equal(held.Data, packetOf(i-1, sizes[i-1])) {
				t.Fatalf("packet %d changed when packet %d came", i-1, i)
			}
			if err := held.Release(); err != nil {
				t.Fatal(err)
			}
		}
		held = m
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
}

// Releasing twice is caught: the second Release answers ErrReleased and
// gives nothing back, so that no buffer is handed out twice; Data is nil
// after the first, so a use of it finds nothing. A message the port did
// not make gives nothing back either, and a small packet, which lives in
// its message, neither.
func TestReleaseTwice(t *testing.T) {
	s := &Socket{mark: true}
	for _, m := range []*TCP{
		newTCP(s, packetOf(1, 4096)),
		newTCP(s, packetOf(2, smallPacket)),
		{Socket: s, Data: []byte("mine")},
		{Data: []byte("no socket")},
	} {
		if err := m.Release(); err != nil {
			t.Fatalf("first Release: %v", err)
		}
		if m.Data != nil {
			t.Fatalf("Data is %q after Release", m.Data)
		}
		if err := m.Release(); !errors.Is(err, ErrReleased) {
			t.Fatalf("second Release: %v, want ErrReleased", err)
		}
	}
}

// The owner's first Release of a packet the port made as ever starts
// the port recycling; until then it copies as it always has. A small
// packet's, which lives in its message, does not: releasing one takes
// no lock.
func TestReleaseStartsRecycling(t *testing.T) {
	s := &Socket{}
	if err := newTCP(s, packetOf(1, smallPacket)).Release(); err != nil || s.recycling() {
		t.Fatalf("releasing a small packet: %v, recycling %v", err, s.recycling())
	}
	m := newTCP(s, packetOf(1, 4096))
	if m.class != 0 {
		t.Fatal("a port whose owner never released recycles")
	}
	if err := m.Release(); err != nil {
		t.Fatal(err)
	}
	if !s.recycling() {
		t.Fatal("releasing did not start the port recycling")
	}
	if m := newTCP(s, packetOf(2, 4096)); m.class != 12 {
		t.Fatalf("a 4096-byte packet went in class %d, want 12", m.class)
	}
}

// A recycled packet costs one allocation, its message (48 bytes), where
// one that is not costs its copy as well.
func TestRecycledPacketOneAllocation(t *testing.T) {
	s := &Socket{mark: true}
	p := packetOf(1, 4096)
	newTCP(s, p).Release()
	if n := testing.AllocsPerRun(1000, func() { newTCP(s, p).Release() }); n != 1 {
		t.Fatalf("a recycled 4096-byte packet allocates %v times, want 1", n)
	}
	plain := &Socket{}
	if n := testing.AllocsPerRun(100, func() { newTCP(plain, p) }); n != 2 {
		t.Fatalf("a 4096-byte packet of a port that does not recycle allocates %v times, want 2", n)
	}
}

// The message keeps its size class: a small packet and its message are
// still one 112-byte allocation with the recycled buffer's fields.
func TestTCPSizeof(t *testing.T) {
	if got := unsafe.Sizeof(struct {
		TCP
		buf [smallPacket]byte
	}{}); got > 112 {
		t.Errorf("a small packet's message is %d bytes, more than 112", got)
	}
}

// A port that recycles and then exits by itself (the peer closed, with
// exit_on_close) is not taken for one that a Close is closing: its
// Close returns at once, twice.
func TestReleaseThenExitClose(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(Once))
	if err := c.Send(packetOf(1, 4096)); err != nil {
		t.Fatal(err)
	}
	m, ok := testkit.Next(t, p).(*TCP)
	if !ok || m.Release() != nil {
		t.Fatalf("got %v, want a packet to release", m)
	}
	c.Close()
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	if m, ok := testkit.Next(t, p).(*TCPClosed); !ok || m.Socket != s {
		t.Fatalf("got %v, want the server's TCPClosed", m)
	}
	for range 2 {
		testkit.Bounded(t, "the exited port's Close", s.Close)
	}
}
