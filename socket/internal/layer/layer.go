// Package layer is the seam between a socket's port and a protocol run
// over it, TLS (package socket/ssl): the bytes the port reads go through
// the layer before framing, the bytes a Send makes go through it before
// the send queue, and the port's messages are the layer's. Everything else
// (framing, active modes, passive Recv, watermarks, send_timeout,
// exit_on_close, owner links, monitors) stays the port's own, so that a
// TLS socket behaves as a TCP one does.
//
// The package holds the interface and the hook that package socket sets
// when it starts, so that socket's public API does not grow for it.
package layer

import "github.com/otpnet/otpnet/framing"

// Layer is a protocol the port runs its bytes through. Every method is
// called with the port's lock held (the driver's OnRead, Send, Close,
// Shutdown): a Layer must never call back into its socket, nor block on
// the network. What Input, Seal and CloseNotify return stays the
// layer's: the port uses it until it calls Done, before it releases its
// lock.
type Layer interface {
	// Input takes wire bytes the port read (nil: decode only what the
	// layer holds) and returns the plaintext they complete, which the
	// port frames and delivers, and the bytes the layer must send in
	// answer (an alert, a key update), which the port queues before any
	// later Send. The layer keeps a partial record itself; wire is the
	// driver's, not to be kept. err is io.EOF when the peer ended the
	// stream (TLS's close_notify), any other error is fatal to it.
	Input(wire []byte) (plain, out []byte, err error)
	// Append adds b to the plaintext of the next Seal; the layer may
	// keep b itself until then, not after.
	Append(b []byte)
	// Seal returns the records for the plaintext Append gave since the
	// last Seal, to be queued. (A Send's slices come one Append each, so
	// that its array of slices stays on the sender's stack.)
	Seal() ([]byte, error)
	// CloseNotify returns the records that end the stream, once; nil
	// after that, or when there are none to send.
	CloseNotify() []byte
	// Done tells the layer that the port is done with what Input, Seal
	// or CloseNotify returned.
	Done()

	// Data, Closed, Error and Passive make the messages the port sends
	// its owner in place of a TCP port's *TCP (or *HTTP), *TCPClosed,
	// *TCPError and *TCPPassive. Data copies packet, which aliases a
	// buffer (into a recycled one when Recycling says so): the buffer
	// goes back to the layer at Done, so no message may keep it; http is
	// set instead of packet for {packet, http*}.
	Data(packet []byte, http framing.HTTPPacket) any
	Closed() any
	Error(why error) any
	Passive() any
}

// Attach installs l on the socket s (a *socket.Socket), which must be
// open, passive and have no Recv pending: from then on every byte it reads
// and sends goes through l, and the bytes it holds already, read and not
// received, are l's first input. Package socket sets it when it starts.
var Attach func(s any, l Layer) error

// Of returns the layer installed on the socket s (a *socket.Socket), or
// nil. Package socket sets it when it starts.
var Of func(s any) Layer

// CheckOptions checks the values of opts (a []socket.Option) as SetOpts
// does, without a socket: for options kept to be set later. Package
// socket sets it when it starts.
var CheckOptions func(opts any) error

// OnExit makes f run once when the port of the socket s (a
// *socket.Socket) exits, as its monitors are told; at once if it has
// already. f runs with the port's lock held: it must not block, nor call
// the socket. stop takes f back. It is how a layer's handshake waiting on
// its user (ssl's paused hello) learns that the socket has closed.
// Package socket sets it when it starts.
var OnExit func(s any, f func()) (stop func())

// Recycling reports whether the port of the socket s (a *socket.Socket)
// copies packets into recycled buffers (package socket/internal/recycle):
// its owner has released one's data, as socket.TCP.Release tells. The
// caller holds the port's lock: it is for a Layer's methods. Package
// socket sets it when it starts.
var Recycling func(s any) bool

// StartRecycling makes the port of the socket s (a *socket.Socket) copy
// packets into recycled buffers, as the Release of a packet it copied as
// ever does (recycle.First); it takes the port's lock. Package socket
// sets it when it starts.
var StartRecycling func(s any)
