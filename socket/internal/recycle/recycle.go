// Package recycle holds the buffers that an owner hands back to its port
// with a message's Release (socket.TCP.Release, ssl.SSL.Release), for
// later packets of any port, and the message's hold on its buffer (Ref),
// which a message embeds and whose Release gives the buffer back once.
//
// The buffers are shared by all ports, in size classes of four per power
// of two (a kept packet's buffer is at most 1.25 times its length), from
// just above 1<<(MinShift-1) bytes to MaxPooled (128 MiB); a larger
// packet is allocated, as before. Those of less than BigFrom (1 MiB) wait
// for a later packet in a sync.Pool per class, those of BigFrom and more
// in one bounded free list that drops what waits there a second unused
// (big.go). A buffer is filled by a copy (Ref.Copy,
// in pieces, as a big one must be), or a port reads a big packet straight
// into a released one (Take) and hands it out in place (Ref.Hold).
//
// Each recycled buffer has a header (Buf), allocated with it and recycled
// with it, whose generation each release advances by a compare-and-swap
// from the one the message was handed out with: a second release, of the
// message or of a copy of it, however concurrent, fails there and gives
// nothing back, so that no buffer is ever handed to two packets.
package recycle

import (
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	// MinShift and MaxShift bound the classes, four per power of two:
	// from above 1<<(MinShift-1) bytes (the first class,
	// 1<<(MinShift-1) + 1<<(MinShift-3) = 40 bytes, takes packets of 33
	// to 40 bytes) to 128 MiB: a big packet, read into a mapped buffer
	// (socket's bigbuf.go) or decrypted, is copied into a released buffer
	// that is resident already, rather than into new memory that is
	// cleared and faulted in, and left to the garbage collector. A port
	// keeps its smallest packets in their message (TCP up to 48 bytes, SSL
	// up to 64), so the first classes are never used today; they keep
	// ClassOf simple.
	MinShift = 6
	MaxShift = 27
	// MaxPooled is the largest packet copied into a recycled buffer.
	MaxPooled = 1 << MaxShift
	// Classes is the number of size classes.
	Classes = (MaxShift - MinShift + 1) * 4
)

// ErrReleased is what a message's Release answers when its data was
// released already, by it or by a copy of it: the second release would
// let two packets share a buffer.
var ErrReleased = errors.New("socket: Release: the message's data was released already")

// Kind is what a message's Release does (Ref).
type Kind uint8

const (
	// Literal is a message the port did not make (a composite literal):
	// its Release only sets Data to nil.
	Literal Kind = iota
	// First is a packet copied by a port that does not recycle: its
	// Release makes the port recycle.
	First
	// Own is a packet whose data is its own, in its message or allocated
	// by a port that recycles already: its Release gives nothing back.
	Own
	// Pooled is a packet in a recycled buffer: its Release gives the
	// buffer back.
	Pooled
	// Released is a message whose Release has run.
	Released
)

// A Buf is a recycled buffer and its header: the buffer's class and its
// generation, which each release advances.
type Buf struct {
	gen   atomic.Uint32
	class uint8
	data  *byte // the buffer's first byte; it holds ClassSize(class) bytes
}

// Class returns b's size class.
func (b *Buf) Class() uint8 { return b.class }

// pools holds the released buffers of the classes below BigFrom (big.go
// keeps the others), class k at [k], by their headers: a
// pointer goes in and out of a sync.Pool without an allocation, where a
// slice would cost one.
var pools [Classes]sync.Pool

// ClassOf returns the size class of a packet of n bytes,
// 1<<(MinShift-1) < n <= MaxPooled: the least of 1<<(k-1) + i<<(k-3),
// i = 1..4, that holds it, where 1<<(k-1) < n <= 1<<k.
func ClassOf(n int) uint8 {
	k := bits.Len(uint(n - 1))
	return uint8((k-MinShift)*4 + (n-1-1<<(k-1))>>(k-3))
}

// ClassSize returns the size of class c's buffers.
func ClassSize(c uint8) int {
	k := int(c)/4 + MinShift
	return 1<<(k-1) + (int(c)%4+1)<<(k-3)
}

// Get returns a buffer of class c: a released one when there is one.
func Get(c uint8) *Buf {
	if b := Take(c); b != nil {
		return b
	}
	return &Buf{class: c, data: unsafe.SliceData(make([]byte, ClassSize(c)))}
}

// Take returns a released buffer of class c, or nil when there is none:
// memory that is resident already, which a port may read a big packet
// into and hand out in place (Ref.Hold), or give back with Put.
func Take(c uint8) *Buf {
	if c >= bigClass {
		return takeBig(c)
	}
	b, _ := pools[c].Get().(*Buf)
	return b
}

// Bytes returns the first n bytes of b, n <= ClassSize(b.Class()), with
// a capacity of n.
func (b *Buf) Bytes(n int) []byte { return unsafe.Slice(b.data, n) }

// Put keeps b, a buffer of Get or Take that no Ref holds (a Ref gives its
// buffer back with Release), for a later packet. Under the race detector
// its bytes are overwritten with 0xdd first, so that a test that reads
// data after releasing it sees garbage: by doubling copies, a piece at a
// time, not a byte at a time, whose every store the race detector
// instruments: 0.12 s for a 128 MiB buffer, where that took 1.3 s.
func Put(b *Buf) {
	if raceEnabled {
		d := b.Bytes(ClassSize(b.class))
		d[0] = 0xdd
		for i := 1; i < len(d); i *= 2 {
			CopyPieces(d[i:], d[:min(i, len(d)-i)])
		}
	}
	if b.class >= bigClass {
		putBig(b)
		return
	}
	pools[b.class].Put(b)
}

// CopyPieces copies src to dst, len(dst) >= len(src), piece bytes at a
// time: a copy of many MiB in one go could not be preempted, and a
// garbage collection that must stop the copying goroutine (the poller's,
// or a port's) to scan its stack would spin for as long as it lasts.
func CopyPieces(dst, src []byte) {
	for i := 0; i < len(src); i += piece {
		copy(dst[i:], src[i:min(len(src), i+piece)])
	}
}

// piece is the most CopyPieces copies at once: some tens of
// microseconds.
const piece = 256 << 10

// noCopy makes go vet's copylocks check report a copied message, which
// would share its buffer. It has no size.
type noCopy struct{}

// Lock is a no-op, for go vet.
func (*noCopy) Lock() {}

// Unlock is a no-op, for go vet.
func (*noCopy) Unlock() {}

// Ref is a message's hold on its data: its Kind and, for a Pooled one,
// its buffer and the generation it was handed out at. Its zero value is
// a Literal's. A message embeds it by value (it has a noCopy marker, so
// that go vet reports a copied message) and releases through it.
type Ref struct {
	_    noCopy
	buf  *Buf
	gen  uint32
	kind Kind
}

// Copy copies p into a buffer of its class, 1<<(MinShift-1) < len(p) <=
// MaxPooled, a released one when there is one, and returns the copy
// with r made its Pooled Ref.
func (r *Ref) Copy(p []byte) []byte { return r.CopySized(p, len(p)) }

// CopySized is Copy into a buffer of the class of size bytes, len(p) <=
// size <= MaxPooled, not of len(p): a port whose next packet may come
// with a header (socket's {packet, 4}) asks for room for it too, so that
// the buffer, once released, takes that packet whole (Take). The copy
// has a capacity of len(p).
func (r *Ref) CopySized(p []byte, size int) []byte {
	b := Get(ClassOf(size))
	d := b.Bytes(len(p))
	CopyPieces(d, p)
	r.Hold(b)
	return d
}

// Hold makes r the Pooled Ref of b, a buffer of Get or Take, whose data
// r's message now holds (a packet read into it in place).
func (r *Ref) Hold(b *Buf) { r.buf, r.gen, r.kind = b, b.gen.Load(), Pooled }

// Set makes r a Ref of kind k that holds no buffer: Literal, First or
// Own.
func (r *Ref) Set(k Kind) { r.buf, r.kind = nil, k }

// Kind returns r's kind.
func (r *Ref) Kind() Kind { return r.kind }

// Buf returns the buffer of a Pooled r, else nil.
func (r *Ref) Buf() *Buf { return r.buf }

// Release gives r's buffer back, once, and marks r Released. first is
// true when r is a First's: its port is to start recycling. It answers
// ErrReleased when r was released already, or a copy of it was.
func (r *Ref) Release() (first bool, err error) {
	switch r.kind {
	case Released:
		return false, ErrReleased
	case Pooled:
		b := r.buf
		r.buf, r.kind = nil, Released
		if !b.gen.CompareAndSwap(r.gen, r.gen+1) {
			return false, ErrReleased // a copy released it first
		}
		Put(b)
		return false, nil
	}
	first = r.kind == First
	r.kind = Released
	return first, nil
}
