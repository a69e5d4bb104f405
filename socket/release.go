package socket

import (
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// An owner that is done with a packet's data may hand it back to the
// port (TCP.Release), and the port copies a later packet into it instead
// of allocating: an echo, a proxy or a parser that does not keep the
// bytes then costs the garbage collector only the small message. The
// buffers are shared by all ports, in size classes of four per power of
// two (a kept packet's buffer is at most 1.25 times its length), from
// just above smallPacket (whose packets live in their message) to
// maxPooled (128 MiB); a larger packet is allocated, as before. A port
// copies into recycled buffers only once its owner has released a
// packet: a port whose owner never does makes its messages as it always
// has. A big packet (1 MiB or more) of such a port is read straight into
// a released buffer when one of its class is there (takePooled), and is
// then its message's Data with no copy at all.
//
// Each recycled buffer has a header (pooledBuf), allocated with it and
// recycled with it, whose generation each release advances by a
// compare-and-swap from the one the message was handed out with: a
// second release, of the message or of a copy of it, however
// concurrent, fails there and gives nothing back, so that no buffer is
// ever handed to two packets.

const (
	// minPoolShift and maxPoolShift bound the pooled buffers' classes,
	// four per power of two: from above 1<<(minPoolShift-1) bytes (the
	// first class, 1<<(minPoolShift-1) + 1<<(minPoolShift-3) bytes, takes
	// the packets just larger than smallPacket) to 128 MiB: a big packet,
	// read into a mapped buffer (bigbuf.go), is copied into a released
	// buffer that is resident already, rather than into new memory that
	// is cleared and faulted in, and left to the garbage collector.
	minPoolShift = 6
	maxPoolShift = 27
	// maxPooled is the largest packet copied into a recycled buffer.
	maxPooled = 1 << maxPoolShift
	// poolClasses is the number of size classes.
	poolClasses = (maxPoolShift - minPoolShift + 1) * 4
)

// The kinds of TCP message (TCP.kind).
const (
	// kindLiteral is a TCP the port did not make (a composite literal):
	// its Release only sets Data to nil.
	kindLiteral uint8 = iota
	// kindFirst is a packet copied by a port that does not recycle: its
	// Release makes the port recycle, under the port's lock.
	kindFirst
	// kindOwn is a packet whose data is its own, in its message or
	// allocated by a port that recycles already: its Release gives
	// nothing back and takes no lock.
	kindOwn
	// kindPooled is a packet in a recycled buffer (TCP.buf, handed out
	// at generation TCP.gen): its Release gives the buffer back.
	kindPooled
	// kindReleased is a TCP whose Release has run.
	kindReleased
)

// A pooledBuf is a recycled buffer and its header: the buffer's class
// and its generation, which each release advances.
type pooledBuf struct {
	gen   atomic.Uint32
	class uint8
	data  *byte // the buffer's first byte; it holds classSize(class) bytes
}

// dataPools holds the released buffers, class k at [k], by their
// headers: a pointer goes in and out of a sync.Pool without an
// allocation, where a slice would cost one.
var dataPools [poolClasses]sync.Pool

// noCopy makes go vet's copylocks check report a copied TCP value, which
// would share the message's buffer (TCP.Release). It has no size.
type noCopy struct{}

// Lock is a no-op, for go vet.
func (*noCopy) Lock() {}

// Unlock is a no-op, for go vet.
func (*noCopy) Unlock() {}

// ErrReleased is what TCP.Release answers for a message whose data was
// released already, by it or by a copy of it: the second release would
// let two packets share a buffer.
var ErrReleased = errors.New("socket: TCP.Release: the message's data was released already")

// Release hands m's Data back to its port, to hold a later packet's
// bytes, and sets m.Data to nil. It is the owner's promise that neither
// m.Data nor any slice taken of it is used after the call: the next
// packet of any port may be copied into the same memory at once.
// Releasing is optional: data that is not released is the garbage
// collector's, as always, and nothing else changes. Call it once the
// bytes have been used up, for example after Send returns, which has
// written them or copied what it queued.
//
// A use after release is a bug the program may not see: the buffers are
// shared by all ports, so that data read after its release can be
// another connection's packet, in production as in tests. Under the race
// detector a released buffer is overwritten with 0xdd bytes, so that a
// test that reads data after releasing it sees garbage; that fill is the
// safeguard, for the detector reports such a read only when it races
// with the port filling the buffer again, which it does not always do.
//
// A port starts recycling buffers, at no cost to ports whose owners never
// release, when its owner first releases one of its packets: each later
// packet of more than 48 bytes, up to 128 MiB, is then copied into a
// buffer of its size class (four per power of two), a released one when
// there is one; a packet of 1 MiB or more is read into such a buffer in
// the first place when there is one, and delivered in it. ControllingProcess stops it: the new owner's first
// Release starts it again. A second Release of the same message does
// nothing and returns ErrReleased, and so does the Release of a copy of a
// message (a TCP value copied, which go vet reports) whose data was
// released through another: a recycled buffer goes back once, however
// many copies race to release it. Release of a packet that lives in
// its message (of 48 bytes or fewer, or 64 on a port that does not
// recycle), or of a TCP that the port did not make (a composite
// literal), only sets its Data to nil; it does not start the port
// recycling. Release of a nil *TCP does nothing and
// returns nil.
func (m *TCP) Release() error {
	if m == nil {
		return nil
	}
	switch m.kind {
	case kindLiteral, kindOwn:
		// Nothing goes back: the data is the message's own.
	case kindReleased:
		return ErrReleased
	case kindPooled:
		b := m.buf
		m.Data, m.buf, m.kind = nil, nil, kindReleased
		if !b.gen.CompareAndSwap(m.gen, m.gen+1) {
			return ErrReleased // a copy released it first
		}
		putData(b)
		return nil
	case kindFirst:
		if s := m.Socket; s != nil {
			s.mu.Lock()
			s.setRecycling()
			s.mu.Unlock()
		}
	}
	m.Data, m.kind = nil, kindReleased
	return nil
}

// recycling reports whether the port copies packets into recycled
// buffers: its owner has released one's data. The caller holds s.mu.
func (s *Socket) recycling() bool { return s.mark && !s.dead }

// setRecycling makes a live port copy packets into recycled buffers. The
// caller holds s.mu.
func (s *Socket) setRecycling() {
	if !s.dead {
		s.mark = true
	}
}

// stopRecycling makes a live port copy packets as it does before its
// owner releases one, as a new owner's port does. The caller holds s.mu.
func (s *Socket) stopRecycling() {
	if !s.dead { // a dead port's mark is shutting, Close's
		s.mark = false
	}
}

// classOf returns the size class of a packet of n bytes, smallPacket < n
// <= maxPooled: the least of 1<<(k-1) + i<<(k-3), i = 1..4, that holds
// it, where 1<<(k-1) < n <= 1<<k.
func classOf(n int) uint8 {
	k := bits.Len(uint(n - 1))
	return uint8((k-minPoolShift)*4 + (n-1-1<<(k-1))>>(k-3))
}

// classSize returns the size of class c's buffers.
func classSize(c uint8) int {
	k := int(c)/4 + minPoolShift
	return 1<<(k-1) + (int(c)%4+1)<<(k-3)
}

// pooledTCP returns the message for packet p, of more than smallPacket
// and at most maxPooled bytes, copied into a recycled buffer, or a new
// one of its class. The caller holds s.mu.
func pooledTCP(s *Socket, p []byte) *TCP {
	b := getData(classOf(pooledLen(len(p))))
	d := unsafe.Slice(b.data, len(p))
	copyPieces(d, p)
	return &TCP{Socket: s, Data: d, buf: b, gen: b.gen.Load(), kind: kindPooled}
}

// pooledLen returns the length whose class holds a packet of n bytes: n,
// or for a big packet n and a 4-byte header, so that the buffer released
// after it takes the next one with its header (takePooled), as {packet,
// 4} reads it, and the packet can be delivered in place.
func pooledLen(n int) int {
	if n >= mapMin && n+4 <= maxPooled {
		return n + 4
	}
	return n
}

// getData returns a buffer of class c: a released one when there is one.
func getData(c uint8) *pooledBuf {
	if b, _ := dataPools[c].Get().(*pooledBuf); b != nil {
		return b
	}
	return &pooledBuf{class: c, data: unsafe.SliceData(make([]byte, classSize(c)))}
}

// putData keeps b, a released buffer, for a later packet.
func putData(b *pooledBuf) {
	if raceEnabled {
		d := unsafe.Slice(b.data, classSize(b.class))
		d[0] = 0xdd
		for i := 1; i < len(d); i *= 2 {
			copy(d[i:], d[:i])
		}
	}
	dataPools[b.class].Put(b)
}
