// Package tlspool is the seam between package socket/ssl and the
// acceptor pools of package supervisor/ranch: what a pool needs of TLS
// sockets and options that a user of package ssl has no use for, so
// that ssl's API does not grow for it. Package ssl sets the functions
// when it starts.
package tlspool

import (
	"time"

	"github.com/otpnet/otpnet/socket"
)

// PausesHello reports whether opt, an ssl.Option, is ssl.HandshakeHello:
// a pause for a handshake_continue that a pool has no one to make.
var PausesHello func(opt any) bool

// Handshaker is the server's side of the handshake of an accepted TLS
// socket, ssl.Socket.Handshake.
type Handshaker interface {
	Handshake(timeout time.Duration) error
}

// Accepted returns the TLS socket (an *ssl.Socket) of s, a connection
// accepted on the socket underneath the listening TLS socket l (an
// *ssl.Socket, its Socket) by socket's Accept or AsyncAccept, as a pool
// accepts: TransportAccept's answer, its handshake to come.
var Accepted func(l any, s *socket.Socket) (Handshaker, error)
