// Package recycle holds the buffers that an owner hands back to its port
// with a message's Release (socket.TCP.Release, ssl.SSL.Release), for
// later packets of any port, and the message's hold on its buffer (Ref),
// which a message embeds and whose Release gives the buffer back once.
//
// The buffers are shared by all ports, in size classes of four per power
// of two (a kept packet's buffer is at most 1.25 times its length), from
// just above 1<<(MinShift-1) bytes to MaxPooled; a larger packet is
// allocated, as before. Each recycled buffer has a header (Buf),
// allocated with it and recycled with it, whose generation each release
// advances by a compare-and-swap from the one the message was handed out
// with: a second release, of the message or of a copy of it, however
// concurrent, fails there and gives nothing back, so that no buffer is
// ever handed to two packets.
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
	// to 40 bytes) to 64 KiB, the driver's read buffer, the most a packet
	// read at once holds. A port keeps its smallest packets in their
	// message (TCP up to 48 bytes, SSL up to 64), so the first classes
	// are never used today; they keep ClassOf simple.
	MinShift = 6
	MaxShift = 16
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

// pools holds the released buffers, class k at [k], by their headers: a
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
	if b, _ := pools[c].Get().(*Buf); b != nil {
		return b
	}
	return &Buf{class: c, data: unsafe.SliceData(make([]byte, ClassSize(c)))}
}

// Bytes returns the first n bytes of b, n <= ClassSize(b.Class()), with
// a capacity of n.
func (b *Buf) Bytes(n int) []byte { return unsafe.Slice(b.data, n) }

// put keeps b, a released buffer, for a later packet. Under the race
// detector its bytes are overwritten with 0xdd first, so that a test that
// reads data after releasing it sees garbage.
func put(b *Buf) {
	if raceEnabled {
		d := unsafe.Slice(b.data, ClassSize(b.class))
		for i := range d {
			d[i] = 0xdd
		}
	}
	pools[b.class].Put(b)
}

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
func (r *Ref) Copy(p []byte) []byte {
	b := Get(ClassOf(len(p)))
	d := b.Bytes(len(p))
	copy(d, p)
	r.Hold(b)
	return d
}

// Hold makes r the Pooled Ref of b, a buffer of Get.
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
		put(b)
		return false, nil
	}
	first = r.kind == First
	r.kind = Released
	return first, nil
}
