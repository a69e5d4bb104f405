package sock

import (
	"strconv"

	"github.com/otpnet/otpnet/internal/unix"
)

// Domain is a socket's address family, Erlang's domain(). Its values are
// the kernel's AF_ constants.
type Domain int

const (
	// Unspec is the family of the address Recvfrom gives on a stream
	// socket, where the kernel tells none: Erlang's unspec.
	Unspec Domain = unix.AF_UNSPEC
	Inet   Domain = unix.AF_INET  // IPv4: inet
	Inet6  Domain = unix.AF_INET6 // IPv6: inet6
)

// Type is a socket's type, Erlang's type(). Its values are the kernel's
// SOCK_ constants.
type Type int

const (
	Stream Type = unix.SOCK_STREAM // a byte stream: stream
	Dgram  Type = unix.SOCK_DGRAM  // datagrams: dgram
)

// Protocol is a socket's protocol, Erlang's protocol(). Its values are the
// kernel's IPPROTO_ constants.
type Protocol int

const (
	TCP Protocol = unix.IPPROTO_TCP // tcp
	UDP Protocol = unix.IPPROTO_UDP // udp
)

// How is what Shutdown shuts down. Its values are the kernel's SHUT_
// constants.
type How int

const (
	Read      How = unix.SHUT_RD   // read
	Write     How = unix.SHUT_WR   // write
	ReadWrite How = unix.SHUT_RDWR // read_write
)

// The Erlang atoms of the values this package knows; Open and Shutdown
// refuse the others.
var (
	domains   = map[Domain]string{Unspec: "unspec", Inet: "inet", Inet6: "inet6"}
	types     = map[Type]string{Stream: "stream", Dgram: "dgram"}
	protocols = map[Protocol]string{TCP: "tcp", UDP: "udp"}
	hows      = map[How]string{Read: "read", Write: "write", ReadWrite: "read_write"}
)

// String returns the Erlang atom: "inet", "inet6" or "unspec".
func (d Domain) String() string { return atom(domains, d, "Domain") }

// String returns the Erlang atom: "stream" or "dgram".
func (t Type) String() string { return atom(types, t, "Type") }

// String returns the Erlang atom: "tcp" or "udp".
func (p Protocol) String() string { return atom(protocols, p, "Protocol") }

// String returns the Erlang atom: "read", "write" or "read_write".
func (h How) String() string { return atom(hows, h, "How") }

// atom returns v's atom, or TYPE(N) for a value Erlang has no atom for.
func atom[T ~int](atoms map[T]string, v T, typ string) string {
	if a, ok := atoms[v]; ok {
		return a
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}
