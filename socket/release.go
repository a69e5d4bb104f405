package socket

import "github.com/otpnet/otpnet/socket/internal/recycle"

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
// The buffers and the message's hold on one (a generation-checked
// header, so that no buffer is ever handed to two packets) are package
// socket/internal/recycle's, shared with the TLS port's messages
// (ssl.SSL.Release), which start and stop recycling on their port as
// TCP's do.

// maxPooled is the largest packet copied into a recycled buffer.
const maxPooled = recycle.MaxPooled

// ErrReleased is what TCP.Release answers for a message whose data was
// released already, by it or by a copy of it: the second release would
// let two packets share a buffer. ssl.SSL.Release answers it too.
var ErrReleased = recycle.ErrReleased

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
// the first place when there is one, and delivered in it.
// ControllingProcess stops it: the new owner's first Release starts it
// again, and so does a late Release of a packet the old owner held
// (which only decides where later packets are copied). A second Release of
// the same message does nothing and returns ErrReleased, and so does the
// Release of a copy of a message (a TCP value copied, which go vet
// reports) whose data was released through another: a recycled buffer goes
// back once, however many copies race to release it. Release of a packet
// that lives in its message (of 48 bytes or fewer, or 64 on a port that
// does not recycle), or of a TCP that the port did not make (a composite
// literal), only sets its Data to nil; it does not start the port
// recycling. Release of a nil *TCP does nothing and returns nil.
func (m *TCP) Release() error {
	if m == nil {
		return nil
	}
	m.Data = nil
	first, err := m.ref.Release()
	if first && m.Socket != nil {
		m.Socket.startRecycling()
	}
	return err
}

// startRecycling makes the port copy packets into recycled buffers: the
// Release of a packet it copied as ever (a recycle.First).
func (s *Socket) startRecycling() {
	s.mu.Lock()
	s.setRecycling()
	s.mu.Unlock()
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

// pooledTCP returns the message for packet p, of more than smallPacket
// and at most maxPooled bytes, copied into a recycled buffer, or a new
// one of its class. The caller holds s.mu.
func pooledTCP(s *Socket, p []byte) *TCP {
	m := &TCP{Socket: s}
	m.Data = m.ref.CopySized(p, pooledLen(len(p)))
	return m
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
