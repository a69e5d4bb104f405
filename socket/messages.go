package socket

import "github.com/otpnet/otpnet/framing"

// The messages a port sends its owner, as an Erlang port sends
// {tcp, S, Data}, {tcp_closed, S}, {tcp_error, S, Reason},
// {tcp_passive, S} and, with {packet, http*}, {http, S, HttpPacket}.
// Owners receive them as pointers: *TCP, *TCPClosed, and so on. None is
// logged when it ends in dead letters.
type (
	// TCP is {tcp, Socket, Data}: one packet. Data is the owner's to keep.
	TCP struct {
		Socket *Socket
		Data   []byte
	}

	// TCPClosed is {tcp_closed, Socket}: the peer closed the connection.
	TCPClosed struct{ Socket *Socket }

	// TCPError is {tcp_error, Socket, Reason}: Reason is emsgsize,
	// econnreset (with ShowEconnreset) or another POSIX error; a TCPClosed
	// follows.
	TCPError struct {
		Socket *Socket
		Reason error
	}

	// TCPPassive is {tcp_passive, Socket}: an {active, N} socket's counter
	// reached zero and the socket went passive.
	TCPPassive struct{ Socket *Socket }

	// HTTP is {http, Socket, HttpPacket}, for {packet, http | httph |
	// http_bin | httph_bin}: an HTTPRequest, HTTPResponse, HTTPHeader,
	// HTTPEOH or HTTPError of package framing.
	HTTP struct {
		Socket *Socket
		Packet framing.HTTPPacket
	}
)

// IgnoreDeadLetterLogging keeps protoactor from logging the message when
// its owner is gone: the port counts such messages instead.
func (*TCP) IgnoreDeadLetterLogging()        {}
func (*TCPClosed) IgnoreDeadLetterLogging()  {}
func (*TCPError) IgnoreDeadLetterLogging()   {}
func (*TCPPassive) IgnoreDeadLetterLogging() {}
func (*HTTP) IgnoreDeadLetterLogging()       {}
