package socket

import (
	"errors"
	"math/bits"
	"sync"
	"unsafe"
)

// An owner that is done with a packet's data may hand it back to the
// port (TCP.Release), and the port copies a later packet into it instead
// of allocating: an echo, a proxy or a parser that does not keep the
// bytes then costs the garbage collector only the small message. The
// buffers are shared by all ports, in power-of-two classes from just
// above smallPacket (whose packets live in their message) to maxPooled;
// a larger packet is allocated, as before. A port copies into recycled
// buffers only once its owner has released a packet: a port whose owner
// never does makes its messages as it always has.

const (
	// minPoolShift and maxPoolShift bound the pooled buffers' classes:
	// 128 bytes to 64 KiB, the driver's read buffer, the most a packet
	// read at once holds.
	minPoolShift = 7
	maxPoolShift = 16
	// maxPooled is the largest packet copied into a recycled buffer.
	maxPooled = 1 << maxPoolShift
	// inline marks a small packet's message, whose data lives in it
	// (TCP.class): releasing it gives nothing back, and needs no lock.
	inline = 0xfe
	// released marks a TCP whose data was released (TCP.class).
	released = 0xff
)

// dataPools holds the released buffers, class k at [k-minPoolShift], as
// a pointer to their first byte: a pointer goes in and out of a
// sync.Pool without an allocation, where a slice would cost one.
var dataPools [maxPoolShift - minPoolShift + 1]sync.Pool

// ErrReleased is what TCP.Release answers for a message whose data was
// released already: the second release would let two packets share a
// buffer.
var ErrReleased = errors.New("socket: TCP.Release: the message's data was released already")

// Release hands m's Data back to its port, to hold a later packet's
// bytes, and sets m.Data to nil. It is the owner's promise that neither
// m.Data nor any slice taken of it is used after the call: the next
// packet of any port may be copied into the same memory at once. Call it
// once the bytes have been used up, for example after Send returns,
// which has written them or copied what it queued. Releasing is
// optional: data that is not released is the garbage collector's, as
// always, and nothing else changes.
//
// A port starts recycling buffers, at no cost to ports whose owners never
// release, when its owner first releases one of its packets: each later
// packet of more than 64 bytes, up to 64 KiB, is then copied into a
// buffer of its power-of-two size class, a released one when there is
// one. A second Release of the same message does nothing and returns
// ErrReleased; a copy of the message (a TCP value copied) holds the same
// buffer, so only one of them may be released. Under the race detector a
// released buffer is overwritten with 0xdd bytes, so that a test that
// reads data after releasing it sees garbage, and the detector reports a
// read of it that races with the port filling it again. Release of a
// packet of 64 bytes or fewer, which lives in its message, or of a TCP
// that the port did not make (a composite literal), only sets its Data
// to nil.
func (m *TCP) Release() error {
	switch m.class {
	case released:
		return ErrReleased
	case inline:
	case 0:
		if s := m.Socket; s != nil {
			s.mu.Lock()
			s.setRecycling()
			s.mu.Unlock()
		}
	default:
		putData(unsafe.Slice(m.buf, 1<<m.class), m.class)
	}
	m.Data, m.buf, m.class = nil, nil, released
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

// pooledTCP returns the message for packet p, of more than smallPacket
// and at most maxPooled bytes, copied into a recycled buffer, or a new
// one of its class. The caller holds s.mu.
func pooledTCP(s *Socket, p []byte) *TCP {
	class := uint8(max(bits.Len(uint(len(p)-1)), minPoolShift))
	b := getData(class)
	n := copy(b, p)
	return &TCP{Socket: s, Data: b[:n:n], buf: unsafe.SliceData(b), class: class}
}

// getData returns a buffer of class k (1<<k bytes): a released one when
// there is one.
func getData(k uint8) []byte {
	if p, _ := dataPools[k-minPoolShift].Get().(*byte); p != nil {
		return unsafe.Slice(p, 1<<k)
	}
	return make([]byte, 1<<k)
}

// putData keeps b, a released buffer of class k, for a later packet.
func putData(b []byte, k uint8) {
	if raceEnabled {
		for i := range b {
			b[i] = 0xdd
		}
	}
	dataPools[k-minPoolShift].Put(unsafe.SliceData(b))
}
