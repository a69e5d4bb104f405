package socket

import (
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket/internal/recycle"
)

// The messages a port sends its owner, as an Erlang port sends
// {tcp, S, Data}, {tcp_closed, S}, {tcp_error, S, Reason},
// {tcp_passive, S} and, with {packet, http*}, {http, S, HttpPacket}.
// Owners receive them as pointers: *TCP, *TCPClosed, and so on. None is
// logged when it ends in dead letters.
type (
	// TCP is {tcp, Socket, Data}: one packet. Data is the owner's to keep,
	// or to hand back to the port with Release once it is used up.
	TCP struct {
		Socket *Socket
		Data   []byte

		ref recycle.Ref // what Release gives back; go vet reports a copy
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

// Message is what every message about a socket has: *TCP, *TCPClosed,
// *TCPError, *TCPPassive, *HTTP, a socket monitor's *Down, and the
// results of AsyncAccept and AsyncRecv, *AcceptResult and *RecvResult.
// From returns the socket the message is about, the S of Erlang's {tcp,
// S, Data}, {tcp_closed, S}, ..., {'DOWN', Ref, port, S, Info} and
// {inet_async, S, Ref, Result}, so that all of one socket's messages are
// one type switch, or one match:
//
//	msg, err := p.Receive(s.Match, t) // receive {tcp, S, _} | {tcp_closed, S} | ...
//	switch m := msg.(type) { ... }
//
// Messages of a protocol run over a Socket (TLS's ssl, ssl_closed, ...)
// implement Message too, with From the Socket they arrive over, so Match
// takes them as well.
//
// The method is From, not Socket (the structs' field has that name): the
// port is the sender of its messages in Erlang, and the field stays for
// composite literals and plain reading.
type Message interface {
	From() *Socket
}

// From returns m.Socket.
func (m *TCP) From() *Socket { return m.Socket }

// From returns m.Socket.
func (m *TCPClosed) From() *Socket { return m.Socket }

// From returns m.Socket.
func (m *TCPError) From() *Socket { return m.Socket }

// From returns m.Socket.
func (m *TCPPassive) From() *Socket { return m.Socket }

// From returns m.Socket.
func (m *HTTP) From() *Socket { return m.Socket }

// Match reports whether msg is a Message from s, for Process.Receive (and
// TakeMatching): p.Receive(s.Match, t) is Erlang's receive of any of s's
// messages, {tcp, S, _}, {tcp_closed, S}, {tcp_error, S, _},
// {tcp_passive, S}, {http, S, _}, the Down of a monitor of S or the
// result of an AsyncAccept or AsyncRecv on S, {inet_async, S, _, _},
// leaving every other message queued. It allocates nothing.
func (s *Socket) Match(msg any) bool {
	m, ok := msg.(Message)
	return ok && m.From() == s
}

// IgnoreDeadLetterLogging keeps protoactor from logging the message when
// its owner is gone: the port counts such messages instead.
func (*TCP) IgnoreDeadLetterLogging()        {}
func (*TCPClosed) IgnoreDeadLetterLogging()  {}
func (*TCPError) IgnoreDeadLetterLogging()   {}
func (*TCPPassive) IgnoreDeadLetterLogging() {}
func (*HTTP) IgnoreDeadLetterLogging()       {}
