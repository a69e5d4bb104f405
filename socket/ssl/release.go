package ssl

import (
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket/internal/layer"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// Release hands m's Data back to its port, to hold a later packet's
// bytes, and sets m.Data to nil, as socket.TCP.Release does for a TCP
// port's packet, on the same recycled buffers and with the same rule:
// it is the owner's promise that neither m.Data nor any slice taken of
// it is used after the call, for the next packet of any port, TCP or
// TLS, may be copied into the same memory at once. Call it once the
// bytes have been used up, for example after Send returns, which has
// encrypted them into records. Releasing is optional.
//
// A port starts recycling when its owner first releases one of its
// packets: each later packet of more than 64 bytes, up to 128 MiB (a
// {packet, 4} packet may span many records), is then copied into a
// recycled buffer, and ControllingProcess stops it until the new
// owner's first Release (or a late Release of a packet the old owner held,
// which only decides where later packets are copied). A second Release of
// the same message, or of a copy of it (an SSL value copied, which go vet
// reports) whose data was released through another, does nothing and
// returns socket.ErrReleased. Release of a small packet (64 bytes or
// fewer, which lives in its message), of an HTTP packet, or of an SSL the
// port did not make (a composite literal) only sets Data to nil. Release
// of a nil *SSL does nothing and returns nil.
func (m *SSL) Release() error {
	if m == nil {
		return nil
	}
	m.Data = nil
	first, err := m.ref.Release()
	if first && m.Socket != nil && m.Socket.sock != nil {
		layer.StartRecycling(m.Socket.sock)
	}
	return err
}

// Data is {ssl, S, Data}: packet copied into the message's own
// allocation when small, into a recycled buffer when the port recycles
// (SSL.Release), else into one of its own.
func (l *tlsLayer) Data(packet []byte, http framing.HTTPPacket) any {
	s := (*Socket)(l)
	if http != nil {
		m := &SSL{Socket: s, Packet: http}
		m.ref.Set(recycle.Own)
		return m
	}
	if len(packet) <= smallPacket {
		m := &smallSSL{}
		n := copy(m.buf[:], packet)
		m.SSL.Socket, m.SSL.Data = s, m.buf[:n:n]
		m.ref.Set(recycle.Own)
		return &m.SSL
	}
	m := &SSL{Socket: s}
	recycling := layer.Recycling(s.sock)
	switch {
	case recycling && len(packet) <= recycle.MaxPooled:
		m.Data = m.ref.Copy(packet)
	case recycling:
		m.Data = append([]byte(nil), packet...)
		m.ref.Set(recycle.Own)
	default:
		m.Data = append([]byte(nil), packet...)
		m.ref.Set(recycle.First)
	}
	return m
}

// smallPacket is the largest packet Data keeps in its message's own
// allocation, as the TCP port does.
const smallPacket = 64

// smallSSL is the message of a packet of up to smallPacket bytes, in one
// 128-byte allocation.
type smallSSL struct {
	SSL
	buf [smallPacket]byte
}
