// Package socket is otpnet's gen_tcp: each socket is a port owned by an
// actor, whose mailbox receives TCP, TCPClosed, TCPError and TCPPassive
// messages with {active, true | false | once | N} flow control.
//
// This package is being built; see the README's status table.
package socket
