package socket

import (
	"sync/atomic"
	"unsafe"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// A partial packet whose length the framing knows (its header gave it, or
// a raw Recv asked for it) is read the way inet_drv reads it: the port
// reserves room for the packet once, and the driver reads the rest
// straight into it (ReadBuffer, OnReadInto), with no copy per read. A
// packet of mapMin or more is kept off the Go heap, in memory mapped for
// it alone and given back as soon as the packet is delivered or the port
// drops it, to a small cache of mappings (mapcache.go) that the next
// large packet is read into and that unmaps what waits there unused: the
// memory goes back to the system within seconds, with no garbage
// collection, as Erlang keeps large binaries off its process heaps.
//
// Without packet_size, the room grows a step at a time (growStep, then
// doubling what is held), so that a header that lies about the length
// costs what has been received plus one step of address space, of which
// only the bytes received are resident (past hugeFrom, with the rest of
// the huge page being filled: at most half again). With packet_size, which is at
// most 1 GiB, the packet's length is reserved at once, as inet_drv does.

const (
	// directRead is the least a partial packet must still need for the
	// port to lend its buffer to the driver: the driver's own read
	// buffer is 64 KiB, and smaller rests are read into it and copied.
	directRead = 64 << 10
	// mapMin is the size from which a packet's buffer is mapped.
	mapMin = 1 << 20
	// growStep is the first room reserved without packet_size.
	growStep = 4 << 20
	// hugePage is the size of a transparent huge page: mappings larger
	// than one are made of whole ones.
	hugePage = 2 << 20
	// hugeFrom is how much of a packet must have come before its mapping
	// asks for huge pages: the huge page the next read touches is then
	// at most half what has come, so that a partial packet's resident
	// memory stays within 1.5 times its bytes.
	hugeFrom = 2 * hugePage
)

// mappedBufs counts the buffers mapped for packets and not yet unmapped:
// the tests check that every one is given back.
var mappedBufs atomic.Int64

// noteNeed records what the packet at the start of the port's buffer
// needs, header included, from r, the result of decoding it: the length
// when it is incomplete and large enough to be read into place, else 0.
// A port keeps it in its ext, which a port that never sees such a packet
// does not need. The caller holds s.mu.
func (s *Socket) noteNeed(r framing.Result) {
	need := 0
	if r.N == 0 && r.More >= directRead {
		need = r.More
	}
	if need > 0 || s.ext != nil && s.ext.need != 0 {
		s.extra().need = need
	}
}

// ReadBuffer lends the driver the room after the partial packet, when the
// packet's length is known and at least directRead bytes of it are still
// to come: the room is reserved here, if it was not yet.
func (p *port) ReadBuffer() []byte {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ext
	// Once the packet is in a mapped buffer, its last bytes are read
	// into it too, however few, so that it never has to be copied out.
	// A port that wants no more (passive, with no Recv) reserves nothing.
	if x == nil || len(s.buf) == 0 || x.need <= len(s.buf) || x.need-len(s.buf) < directRead && !s.usesBig() ||
		x.layer != nil || s.closed() || s.gone || s.recv == nil && (!s.active.active() || s.dead) || !s.reserve(x.need) {
		return nil
	}
	if !x.huge && len(s.buf) >= hugeFrom && s.usesBig() {
		hugePages(x.big)
		x.huge = true
	}
	room := s.buf[len(s.buf):min(cap(s.buf), x.need)]
	if len(room) == 0 {
		return nil // reserve makes room; never lend none, which the driver would not give back
	}
	x.lent = room
	return room
}

// OnReadInto takes the n bytes the driver read into the room ReadBuffer
// lent: they are the packet's next bytes, already in place, unless the
// port's buffer changed meanwhile (the port closed, or an Unrecv or a
// SetOpts replaced it); they are then taken as OnRead takes bytes.
func (p *port) OnReadInto(n int) bool {
	s := (*Socket)(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ext
	if s.closed() || s.gone || n == 0 {
		x.lent = nil
		s.settleBuf()
		return false
	}
	// What the read event does before the bytes are taken goes here,
	// while the room is still lent: it cannot be unmapped meanwhile.
	s.recvUnrecvd()
	data := x.lent[:n]
	if l := s.layerOf(); l != nil {
		s.stats.input(n)
		// A layer attached while the driver read (a TLS upgrade): the
		// bytes are its input, as OnRead's are. The room stays lent, so
		// not unmapped, until the layer has taken them.
		more := s.layerRead(l, data)
		x.lent = nil
		s.settleBuf()
		return more
	}
	inPlace := len(s.buf) < cap(s.buf) && unsafe.SliceData(s.buf[len(s.buf):]) == unsafe.SliceData(data)
	x.lent = nil
	if !inPlace {
		return s.feed(data) // copied before the buffer it is in is unmapped
	}
	s.buf = s.buf[:len(s.buf)+n]
	rest, more := s.deliver(s.buf)
	s.keep(rest, true)
	return more
}

// reserve makes the port's buffer's room reach toward need bytes, the
// partial packet's length: all of it with packet_size, else a step more
// than is held. It reports false when the memory could not be mapped;
// the packet is then read as a small one is. The caller holds s.mu.
func (s *Socket) reserve(need int) bool {
	want := need
	if s.opts.packetSize == 0 || need > int(s.opts.packetSize) {
		// Stepwise: no packet_size, or a raw Recv's length, which
		// packet_size does not bound.
		want = min(need, max(2*len(s.buf), growStep))
		if need-want < directRead {
			want = need // not a step that leaves a rest too small to lend
		}
	}
	if cap(s.buf) >= want || s.takePooled(need) {
		return true
	}
	if want < mapMin {
		s.buf = append(make([]byte, 0, want), s.buf...)
		return true
	}
	if want > hugePage {
		want = (want + hugePage - 1) &^ (hugePage - 1) // whole huge pages
	}
	x := s.ext
	if x.big != nil && x.pooled == nil && s.usesBig() {
		b, err := remapBuf(x.big, want)
		if err != nil {
			return false
		}
		x.big, s.buf = b, b[:len(s.buf)]
		return true
	}
	b, huge, charged, err := getMap(want, max(want, need))
	if err != nil {
		return false
	}
	// The bytes held are copied out before the buffer they are in is
	// given back: a released one may be taken by another port at once.
	n := len(s.buf)
	recycle.CopyPieces(b, s.buf)
	s.giveBack()
	x.big, s.buf, x.huge, x.charged = b, b[:n], huge, charged
	return true
}

// takePooled makes a released buffer (TCP.Release) the port's buffer
// for a packet of need bytes, when the port recycles, the packet is big
// and of at most maxPooled bytes, and a buffer of its class has been
// released and not taken since: memory that is resident already, so that
// a header that lies costs nothing more, and the packet can be its
// message's Data with no copy (inPlace). It takes none while the port's
// buffer is a big one already, mid-packet. The caller holds s.mu.
func (s *Socket) takePooled(need int) bool {
	if need < mapMin || need > maxPooled || !s.recycling() || s.usesBig() {
		return false
	}
	c := recycle.ClassOf(need)
	size := recycle.ClassSize(c)
	if !chargeReused(size) {
		return false
	}
	b := recycle.Take(c)
	if b == nil {
		reusedHeld.Add(-int64(size))
		return false
	}
	d := b.Bytes(size)
	n := len(s.buf)
	recycle.CopyPieces(d, s.buf) // before what held them is given back
	s.giveBack()
	x := s.ext
	// huge: a heap buffer is not advised.
	x.big, x.pooled, x.huge, x.charged, s.buf = d, b, true, size, d[:n]
	return true
}

// giveBack gives the port's big buffer, which its buffer no longer uses,
// back: a mapping to the cache, a released buffer to its pool. The
// caller holds s.mu.
func (s *Socket) giveBack() {
	x := s.ext
	switch {
	case x.big == nil:
		return
	case x.pooled != nil:
		recycle.Put(x.pooled)
	default:
		putMap(x.big, x.huge)
	}
	x.forget()
}

// forget forgets x.big, given back or handed out, and takes what
// reusedHeld counted of it off. The caller holds the port's s.mu.
func (x *portExt) forget() {
	reusedHeld.Add(-int64(x.charged))
	x.big, x.huge, x.pooled, x.charged = nil, false, nil, 0
}

// inPlace returns the message for packet p, which ends the port's
// buffer, when that buffer is a released one (takePooled): p's Data is
// the buffer itself, handed to the owner with no copy, and the port
// forgets it. Otherwise it returns nil, and so while the room after the
// buffer's bytes is lent to the driver (ReadBuffer), which may be reading
// into it without s.mu: a delivery then (a SetOpts that activates the
// port) copies. The caller holds s.mu, and the port does not touch the
// buffer again: its caller's rest is empty.
func (s *Socket) inPlace(p []byte) *TCP {
	x := s.ext
	if x == nil || x.pooled == nil || x.lent != nil || len(p) == 0 || !s.usesBig() {
		return nil
	}
	start, end := uintptr(unsafe.Pointer(unsafe.SliceData(s.buf))), uintptr(unsafe.Pointer(unsafe.SliceData(s.buf)))+uintptr(len(s.buf))
	at := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
	if at < start || at+uintptr(len(p)) != end {
		return nil // not in the buffer, or bytes after it there
	}
	m := &TCP{Socket: s, Data: p[:len(p):len(p)]}
	m.ref.Hold(x.pooled)
	x.forget()
	return m
}

// usesBig reports whether the port's buffer is its mapped one. The caller
// holds s.mu.
func (s *Socket) usesBig() bool {
	x := s.ext
	return x != nil && x.big != nil && cap(s.buf) > 0 && unsafe.SliceData(s.buf) == unsafe.SliceData(x.big)
}

// dropBuf drops the bytes read and not delivered. The caller holds s.mu.
func (s *Socket) dropBuf() {
	s.buf = nil
	s.settleBuf()
}

// settleBuf gives the port's mapped buffer back (to the cache of
// mappings, mapcache.go) once it holds nothing of the port's and is not
// lent to the driver. The caller holds s.mu.
func (s *Socket) settleBuf() {
	if x := s.ext; x != nil && x.big != nil && x.lent == nil && !s.usesBig() {
		s.giveBack()
	}
}

// unmapBuf gives b, a packet's mapped buffer, back to the system. It
// cannot fail, b being a mapping of the port's own; if it did, the count
// the tests check would say so.
func unmapBuf(b []byte) {
	if unix.Munmap(b) == nil {
		mappedBufs.Add(-1)
	}
}

// clone returns a copy of packet p for its owner. A large packet is
// copied a piece at a time: a single copy of many MiB cannot be
// preempted, and a garbage collection that must stop the poller's
// goroutine to scan its stack spins for as long as it lasts.
func clone(p []byte) []byte {
	if len(p) < mapMin {
		return append([]byte(nil), p...)
	}
	c := make([]byte, len(p))
	recycle.CopyPieces(c, p)
	return c
}
