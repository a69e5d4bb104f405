package socket

import (
	"bytes"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

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
		want := testkit.PacketOf(i, n)
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
		if m.ref.Kind() == recycle.Pooled && cap(m.Data) != len(m.Data) {
			t.Errorf("packet %d: Data's capacity %d passes its length %d", i, cap(m.Data), len(m.Data))
		}
		pooled := i > 1 && n > smallPacket && n <= maxPooled // packet 0 was released when packet 1 had come
		if got := m.ref.Kind() == recycle.Pooled; got != pooled {
			t.Errorf("packet %d (%d bytes): in a recycled buffer %v, want %v", i, n, got, pooled)
		}
		if pooled {
			if size := recycle.ClassSize(m.ref.Buf().Class()); size < n || 4*size >= 5*n {
				t.Errorf("packet %d (%d bytes) is in a buffer of %d", i, n, size)
			}
		}
		if held != nil {
			if !bytes.Equal(held.Data, testkit.PacketOf(i-1, sizes[i-1])) {
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
// its message, neither. A nil message's Release does nothing.
func TestReleaseTwice(t *testing.T) {
	s := &Socket{mark: true}
	for _, m := range []*TCP{
		newTCP(s, testkit.PacketOf(1, 4096)),
		newTCP(s, testkit.PacketOf(2, smallPacket)),
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
	if err := (*TCP)(nil).Release(); err != nil {
		t.Fatalf("a nil message's Release: %v", err)
	}
}

// copyTCP returns a copy of *m, as a careless owner makes one (v := *m),
// which go vet reports in a program and so is made here by reflection.
func copyTCP(m *TCP) *TCP {
	v := new(TCP)
	reflect.ValueOf(v).Elem().Set(reflect.ValueOf(m).Elem())
	return v
}

// A copy of a message shares its recycled buffer: once one of them is
// released, the other's Release answers ErrReleased and gives nothing
// back, before the buffer is handed out again or after, so that the two
// next packets of the class have buffers of their own.
func TestReleaseCopy(t *testing.T) {
	s := &Socket{mark: true}
	for _, later := range []bool{false, true} {
		m := newTCP(s, testkit.PacketOf(1, 4096))
		v := copyTCP(m)
		if err := m.Release(); err != nil {
			t.Fatal(err)
		}
		var a *TCP
		if later { // the buffer went to a packet before the copy's release
			a = newTCP(s, testkit.PacketOf(2, 4096))
		}
		if err := v.Release(); !errors.Is(err, ErrReleased) {
			t.Fatalf("the copy's Release after the message's: %v, want ErrReleased", err)
		}
		if !later {
			a = newTCP(s, testkit.PacketOf(2, 4096))
		}
		b := newTCP(s, testkit.PacketOf(3, 4096))
		if unsafe.SliceData(a.Data) == unsafe.SliceData(b.Data) {
			t.Fatal("two packets held at once share a buffer")
		}
		if !bytes.Equal(a.Data, testkit.PacketOf(2, 4096)) {
			t.Fatal("a packet changed when the next came")
		}
		a.Release()
		b.Release()
	}
}

// Copies of a message released at once by goroutines of their own: one
// Release gives the buffer back, every other answers ErrReleased.
func TestReleaseCopiesConcurrently(t *testing.T) {
	s := &Socket{mark: true}
	m := newTCP(s, testkit.PacketOf(1, 1000))
	releases := []func() error{m.Release}
	for range 7 {
		releases = append(releases, copyTCP(m).Release)
	}
	if n := testkit.ReleaseAtOnce(t, ErrReleased, releases...); n != 1 {
		t.Fatalf("%d copies' Release gave the buffer back, want 1", n)
	}
}

// The owner's first Release of a packet the port made as ever starts
// the port recycling; until then it copies as it always has. A small
// packet's, which lives in its message, does not, nor does a composite
// literal's that names the port: releasing them takes no lock.
func TestReleaseStartsRecycling(t *testing.T) {
	s := &Socket{}
	if err := newTCP(s, testkit.PacketOf(1, smallPacket)).Release(); err != nil || s.recycling() {
		t.Fatalf("releasing a small packet: %v, recycling %v", err, s.recycling())
	}
	if err := (&TCP{Socket: s, Data: testkit.PacketOf(1, 4096)}).Release(); err != nil || s.recycling() {
		t.Fatalf("releasing a composite literal: %v, recycling %v", err, s.recycling())
	}
	m := newTCP(s, testkit.PacketOf(1, 4096))
	if m.ref.Kind() == recycle.Pooled {
		t.Fatal("a port whose owner never released recycles")
	}
	if err := m.Release(); err != nil {
		t.Fatal(err)
	}
	if !s.recycling() {
		t.Fatal("releasing did not start the port recycling")
	}
	if m := newTCP(s, testkit.PacketOf(2, 4096)); m.ref.Kind() != recycle.Pooled || recycle.ClassSize(m.ref.Buf().Class()) != 4096 {
		t.Fatalf("a 4096-byte packet went in a buffer of %d bytes (kind %d), want 4096", recycle.ClassSize(m.ref.Buf().Class()), m.ref.Kind())
	}
}

// A packet too large to recycle, made by a port that recycles, is
// released without the port's lock: here held by the test all along.
func TestReleaseLargeTakesNoLock(t *testing.T) {
	s := &Socket{mark: true}
	m := newTCP(s, testkit.PacketOf(1, maxPooled+1))
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := testkit.Bounded(t, "releasing a large packet while the port's lock is held", m.Release); err != nil {
		t.Fatal(err)
	}
}

// A recycled packet costs one allocation, its message (48 bytes), where
// one that is not costs its copy as well.
func TestRecycledPacketOneAllocation(t *testing.T) {
	s := &Socket{mark: true}
	p := testkit.PacketOf(1, 4096)
	newTCP(s, p).Release()
	if n := testing.AllocsPerRun(1000, func() { newTCP(s, p).Release() }); n != 1 {
		t.Fatalf("a recycled 4096-byte packet allocates %v times, want 1", n)
	}
	plain := &Socket{}
	if n := testing.AllocsPerRun(100, func() { newTCP(plain, p) }); n != 2 {
		t.Fatalf("a 4096-byte packet of a port that does not recycle allocates %v times, want 2", n)
	}
}

// The fields of Release fit in the 16 bytes the message gained (48, from
// 32, the noCopy marker costing none), and a packet of up to smallPacket
// bytes still shares a 96-byte allocation with its message, as before
// them, the malloc size class of 32+64; one of up to inlinePacket takes
// the next, 112.
func TestTCPSizeof(t *testing.T) {
	for _, c := range []struct {
		what      string
		got, want uintptr
	}{
		{"a message", unsafe.Sizeof(TCP{}), 48},
		{"a small packet's message", unsafe.Sizeof(smallTCP{}), 96},
		{"a 64-byte packet's message", unsafe.Sizeof(inlineTCP{}), 112},
	} {
		if c.got != c.want {
			t.Errorf("%s is %d bytes, want %d", c.what, c.got, c.want)
		}
	}
}

// recyclingPair returns a connected pair whose server side, owned by p in
// {active, once} (passive now), recycles: p has released a packet of it.
func recyclingPair(t *testing.T, p proc) (client, server *Socket) {
	t.Helper()
	c, s := pair(t, p, Active(Once))
	if err := c.Send(testkit.PacketOf(1, 4096)); err != nil {
		t.Fatal(err)
	}
	m, ok := testkit.Next(t, p).(*TCP)
	if !ok || m.Release() != nil {
		t.Fatalf("got a %T (%v), want a packet to release", m, ok)
	}
	return c, s
}

// ControllingProcess stops the port recycling, which its new owner,
// which has released nothing, may not want: its packets are copied as
// they were before the old owner's Release, until the new owner's.
func TestControllingProcessStopsRecycling(t *testing.T) {
	p, q := newProc(t), newProc(t)
	c, s := recyclingPair(t, p)
	if err := s.ControllingProcess(p, q.Self()); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(testkit.PacketOf(2, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	if m, ok := testkit.Next(t, q).(*TCP); !ok || m.ref.Kind() == recycle.Pooled {
		t.Fatalf("the new owner got a %T in a recycled buffer (%v), want a packet not in one", m, ok)
	}
}

// A port that recycles and then exits by itself (the peer closed, with
// exit_on_close) is not taken for one that a Close is closing: its
// Close returns at once, twice.
func TestReleaseThenExitClose(t *testing.T) {
	p := newProc(t)
	c, s := recyclingPair(t, p)
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

// Big packets, read into mapped buffers, go to an owner that releases in
// recycled buffers too, up to maxPooled, whole and in order, whether the
// owner releases each or keeps some: a packet kept while later ones come
// is not touched by them. Every mapping is given back.
func TestReleaseBigPackets(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	defer c.Close()
	sizes := []int{mapMin, 3<<20 + 5, mapMin + 1, 70000, 9 << 20, 3<<20 + 5, maxPooled + 1}
	var stream []byte
	for i, n := range sizes {
		stream = append(stream, frame(4, pattern(n, byte(i)))...)
	}
	writeChunks(t, c, stream, chunkSizes...)
	kept := map[int]*TCP{}
	for i, n := range sizes {
		m := testkit.ExpectOf(t, p, func(*TCP) bool { return true })
		if !bytes.Equal(m.Data, pattern(n, byte(i))) {
			t.Fatalf("packet %d: %d bytes, want %d, differing", i, len(m.Data), n)
		}
		pooled := i > 0 && n <= maxPooled // the first release makes the port recycle
		if got := m.ref.Kind() == recycle.Pooled; got != pooled {
			t.Errorf("packet %d (%d bytes): in a recycled buffer %v, want %v", i, n, got, pooled)
		}
		if i%3 == 2 {
			kept[i] = m // not released while the next come
		} else if err := m.Release(); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOpts(Active(Once)); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range kept {
		if !bytes.Equal(m.Data, pattern(sizes[i], byte(i))) {
			t.Errorf("packet %d, kept, changed as later ones came", i)
		}
	}
	if holdsMapping(s) {
		t.Error("the port keeps a mapping with no packet in it")
	}
	s.Close()
	dropMaps()
	if n := mappedBufs.Load(); n != 0 {
		t.Errorf("%d mappings left after the cache was emptied", n)
	}
}

// A big packet of a port that recycles is read straight into a released
// buffer of its class, when there is one, and delivered in it: its Data
// is that buffer past the header, whole, and no mapping was made for it.
func TestReleaseBigInPlace(t *testing.T) {
	p := newProc(t)
	s, c := recyclingBigPort(t, p)
	const n = 3<<20 + 5
	inPlace := false
	// A released buffer may be taken by another test's port meanwhile
	// or dropped by the free list's timer: the packet is then read into
	// a mapping and copied, and the next one is tried.
	for try := 1; try <= 20 && !inPlace; try++ {
		b := recycle.Get(recycle.ClassOf(n + 4))
		recycle.Put(b)
		mapped := mappedBufs.Load()
		body := pattern(n, byte(try))
		writeChunks(t, c, frame(4, body), 1<<20, 3, directRead+1)
		if err := s.SetOpts(Active(Once)); err != nil {
			t.Fatal(err)
		}
		m := testkit.ExpectOf(t, p, func(*TCP) bool { return true })
		if !bytes.Equal(m.Data, body) {
			t.Fatalf("try %d: %d bytes, want %d, differing", try, len(m.Data), n)
		}
		if unsafe.SliceData(m.Data) == &b.Bytes(5)[4] {
			inPlace = true
			if now := mappedBufs.Load(); now != mapped {
				t.Errorf("a packet delivered in place: %d mappings, %d before", now, mapped)
			}
		}
		if err := m.Release(); err != nil {
			t.Fatal(err)
		}
	}
	if !inPlace {
		t.Fatal("no big packet was delivered in the released buffer")
	}
	if holdsMapping(s) {
		t.Error("the port keeps a big buffer with no packet in it")
	}
}

// A raw Recv whose packet was read into a released buffer, outgrown by a
// longer Recv, moves to a mapping with every byte it held: they are
// copied out before the released buffer goes back for other packets
// (where the race detector poisons it).
func TestReleaseBigOutgrown(t *testing.T) {
	p := newProc(t)
	s, c := recyclingBigPort(t, p)
	if err := s.SetOpts(Packet(framing.Raw), Active(False)); err != nil {
		t.Fatal(err)
	}
	releaseBufs(2 << 20)
	body := pattern(8<<20, 7)
	writeChunks(t, c, body[:3<<19], 1<<20, 3, directRead+1)
	// A Recv of 2 MiB reads what comes into a released buffer; it times
	// out, once that holds all that was sent, with the bytes left there.
	timedOut := make(chan error, 1)
	go func() {
		_, err := s.Recv(2<<20, time.Second)
		timedOut <- err
	}()
	testkit.Until(t, "the part sent read into a released buffer", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ext != nil && s.ext.pooled != nil && s.usesBig() && len(s.buf) == 3<<19
	})
	if err := <-timedOut; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Recv of 2 MiB with 1.5 MiB sent: %v, want a timeout", err)
	}
	writeChunks(t, c, body[3<<19:], 1<<20)
	got, err := s.Recv(8<<20, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if i := firstDiff(got, body); i >= 0 {
		t.Fatalf("%d bytes, want %d, differing from byte %d", len(got), len(body), i)
	}
}

// firstDiff returns the first index where a and b differ, or -1 when
// they are equal.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// A packet that a SetOpts delivers while the room after it, in a
// released buffer, is lent to the driver (which reads into it without
// the port's lock) is copied: the owner is not handed the buffer the
// driver may still be writing to.
func TestReleaseBigNotInPlaceWhileLent(t *testing.T) {
	p := newProc(t)
	s, c := recyclingBigPort(t, p)
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	releaseBufs(3<<20 + 4)
	body := pattern(3<<20, 7)
	writeChunks(t, c, frame(4, body)[:3<<19], 1<<20, 3, directRead+1)
	var pooled *recycle.Buf
	testkit.Until(t, "the half packet read into a released buffer", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.ext != nil && s.ext.pooled != nil && s.usesBig() && len(s.buf) == 3<<19 && s.ext.lent == nil {
			pooled = s.ext.pooled
			// What ReadBuffer does before the driver's read into the room.
			s.ext.lent = s.buf[len(s.buf):s.ext.need]
			return true
		}
		return false
	})
	if err := s.SetOpts(Packet(framing.Raw), Active(Once)); err != nil {
		t.Fatal(err)
	}
	m := testkit.ExpectOf(t, p, func(*TCP) bool { return true })
	if m.ref.Buf() == pooled {
		t.Error("the owner was handed the buffer whose tail is lent to the driver")
	}
	if !bytes.Equal(m.Data, frame(4, body)[:3<<19]) {
		t.Errorf("%d bytes delivered, want the %d held", len(m.Data), 3<<19)
	}
	s.mu.Lock()
	s.ext.lent = nil // what OnReadInto does when the read ends
	s.settleBuf()
	s.mu.Unlock()
	if err := m.Release(); err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// recyclingBigPort returns a port of p's, {packet, 4} and active once,
// that recycles (its owner released its first packet), on an empty
// cache of mappings, and its peer, closed when the test ends.
func recyclingBigPort(t *testing.T, p proc) (*Socket, net.Conn) {
	t.Helper()
	dropMaps()
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write(frame(4, pattern(100, 0))); err != nil {
		t.Fatal(err)
	}
	first := testkit.ExpectOf(t, p, func(*TCP) bool { return true })
	if err := first.Release(); err != nil { // the port recycles from here on
		t.Fatal(err)
	}
	return s, c
}

// releaseBufs releases a few buffers of the class of n bytes, for a port
// to read a packet into.
func releaseBufs(n int) {
	var bs []*recycle.Buf
	for range 8 {
		bs = append(bs, recycle.Get(recycle.ClassOf(n)))
	}
	for _, b := range bs {
		recycle.Put(b)
	}
}

// A port takes a released buffer for a big packet only within the budget
// of reused memory that partial packets hold (reusedMax), counts it there
// while it holds it, and takes it off once it gives it back.
func TestReleaseBigBudget(t *testing.T) {
	p := newProc(t)
	s, _ := recyclingBigPort(t, p)
	const n = 3 << 20
	size := int64(recycle.ClassSize(recycle.ClassOf(n)))
	releaseBufs(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra()
	held := reusedHeld.Load()
	reusedHeld.Add(reusedMax - held - size + 1) // one byte short of room for it
	took := s.takePooled(n)
	reusedHeld.Add(-(reusedMax - held - size + 1))
	if took {
		s.ext.forget()
		t.Fatal("a released buffer taken beyond the budget")
	}
	if !s.takePooled(n) {
		t.Fatal("no released buffer taken within the budget")
	}
	if got := reusedHeld.Load(); got != held+size {
		t.Errorf("reusedHeld %d while the buffer is held, want %d", got, held+size)
	}
	s.buf = nil
	s.settleBuf()
	if got := reusedHeld.Load(); got != held {
		t.Errorf("reusedHeld %d once the buffer was given back, want %d", got, held)
	}
}
