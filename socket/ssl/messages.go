package ssl

import (
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// The messages a TLS socket sends its owner, as OTP's ssl sends
// {ssl, S, Data}, {ssl_closed, S}, {ssl_error, S, Reason} and
// {ssl_passive, S}. Each is a socket.Message whose From is the socket
// underneath, so that s.Match (and a type switch on socket.Message) takes
// them as it takes a TCP port's. None is logged when it ends in dead
// letters.
type (
	// SSL is {ssl, Socket, Data}: one packet of decrypted data, the
	// owner's to keep, or to hand back to the port with Release once it
	// is used up; with {packet, http*}, Packet holds the HTTP packet
	// instead (framing.HTTPRequest, ...), as OTP's {ssl, S, HttpPacket}.
	SSL struct {
		Socket *Socket
		Data   []byte
		Packet framing.HTTPPacket

		ref recycle.Ref // what Release gives back; go vet reports a copy
	}

	// Closed is {ssl_closed, Socket}: the peer sent close_notify, or
	// closed the connection.
	Closed struct{ Socket *Socket }

	// Error is {ssl_error, Socket, Reason}: Reason is an *Alert for a TLS
	// alert, sent or received, or the socket's reason (econnreset with
	// ShowEconnreset, emsgsize, ...); a Closed follows.
	Error struct {
		Socket *Socket
		Reason error
	}

	// Passive is {ssl_passive, Socket}: an {active, N} socket's counter
	// reached zero and the socket went passive.
	Passive struct{ Socket *Socket }
)

// From returns the socket underneath m.Socket.
func (m *SSL) From() *socket.Socket { return m.Socket.sock }

// From returns the socket underneath m.Socket.
func (m *Closed) From() *socket.Socket { return m.Socket.sock }

// From returns the socket underneath m.Socket.
func (m *Error) From() *socket.Socket { return m.Socket.sock }

// From returns the socket underneath m.Socket.
func (m *Passive) From() *socket.Socket { return m.Socket.sock }

// IgnoreDeadLetterLogging keeps protoactor from logging the message when
// its owner is gone.
func (*SSL) IgnoreDeadLetterLogging()     {}
func (*Closed) IgnoreDeadLetterLogging()  {}
func (*Error) IgnoreDeadLetterLogging()   {}
func (*Passive) IgnoreDeadLetterLogging() {}

var (
	_ socket.Message = (*SSL)(nil)
	_ socket.Message = (*Closed)(nil)
	_ socket.Message = (*Error)(nil)
	_ socket.Message = (*Passive)(nil)
)
