package inet

import (
	"strconv"
	"time"
)

// Infinity is the timeout that never expires: Erlang's infinity.
const Infinity time.Duration = -1

// Family is inet's address family: inet, inet6 or local.
type Family int

const (
	// Inet is IPv4, the zero Family, as inet is gen_tcp's default.
	Inet Family = iota
	// Inet6 is IPv6.
	Inet6
	// Local is Unix domain sockets (AF_UNIX).
	Local
)

// String returns the family's atom: "inet", "inet6" or "local".
func (f Family) String() string {
	switch f {
	case Inet:
		return "inet"
	case Inet6:
		return "inet6"
	case Local:
		return "local"
	}
	return "Family(" + strconv.Itoa(int(f)) + ")"
}

// LocalAddr is the address of a local (AF_UNIX) socket, Erlang's
// {local, Path}: a path, an abstract address (starting with NUL), or ""
// for an unnamed socket.
type LocalAddr string
