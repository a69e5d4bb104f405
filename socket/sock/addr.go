package sock

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/otpnet/otpnet/internal/unix"
)

// Addr is a socket address, Erlang's sockaddr(): the map #{family =>
// Family, addr => Addr, port => Port}. An IPv6 address's zone is its
// scope_id (a number, or an interface name); flowinfo is always 0. The
// zero Addr is #{family => unspec, addr => <<>>}, which Recvfrom gives on
// a stream socket.
type Addr struct {
	Family Domain
	Addr   netip.Addr
	Port   uint16
}

// Any returns #{family => f, addr => any, port => port}: every interface
// of family f. Bind(Any(Inet, 0)) is socket:bind(S, any).
func Any(f Domain, port uint16) Addr {
	if f == Inet6 {
		return Addr{f, netip.IPv6Unspecified(), port}
	}
	return Addr{f, netip.IPv4Unspecified(), port}
}

// Loopback returns #{family => f, addr => loopback, port => port}:
// 127.0.0.1 or ::1. Bind(Loopback(Inet, 0)) is socket:bind(S, loopback).
func Loopback(f Domain, port uint16) Addr {
	if f == Inet6 {
		return Addr{f, netip.IPv6Loopback(), port}
	}
	return Addr{f, netip.AddrFrom4([4]byte{127, 0, 0, 1}), port}
}

// AddrFrom returns ap as an Addr: family inet for an IPv4 address, inet6
// for any other (an IPv4-mapped IPv6 address stays inet6).
func AddrFrom(ap netip.AddrPort) Addr {
	f := Inet6
	if ap.Addr().Is4() {
		f = Inet
	}
	return Addr{f, ap.Addr(), ap.Port()}
}

// AddrPort returns a's address and port.
func (a Addr) AddrPort() netip.AddrPort { return netip.AddrPortFrom(a.Addr, a.Port) }

// String returns a as Erlang prints the map:
// #{addr => {127,0,0,1},family => inet,port => 4000}.
func (a Addr) String() string {
	var b strings.Builder
	b.WriteString("#{addr => ")
	switch a.Family {
	case Inet, Inet6:
		writeTuple(&b, a.Addr)
	default:
		b.WriteString("<<>>")
	}
	b.WriteString(",family => " + a.Family.String())
	if a.Family == Inet6 {
		b.WriteString(",flowinfo => 0")
	}
	if a.Family == Inet || a.Family == Inet6 {
		b.WriteString(",port => " + strconv.Itoa(int(a.Port)))
	}
	if a.Family == Inet6 {
		b.WriteString(",scope_id => " + strconv.Itoa(int(zoneID(a.Addr.Zone()))))
	}
	b.WriteString("}")
	return b.String()
}

// writeTuple writes ip as Erlang's address tuple: {127,0,0,1}, or eight
// 16-bit fields for IPv6.
func writeTuple(b *strings.Builder, ip netip.Addr) {
	b.WriteByte('{')
	s := ip.AsSlice()
	step := 1
	if len(s) == 16 {
		step = 2
	}
	for i := 0; i < len(s); i += step {
		if i > 0 {
			b.WriteByte(',')
		}
		v := int(s[i])
		if step == 2 {
			v = v<<8 | int(s[i+1])
		}
		b.WriteString(strconv.Itoa(v))
	}
	b.WriteByte('}')
}

// sockaddr returns a as the kernel's address, or nil when its family and
// address do not go together.
func (a Addr) sockaddr() unix.Sockaddr {
	s := new(sockaddrs)
	if !s.set(a) {
		return nil
	}
	return s.sockaddr()
}

// addrOf returns the kernel's address sa as an Addr; nil is the zero Addr.
func addrOf(sa unix.Sockaddr) Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return Addr{Inet, netip.AddrFrom4(sa.Addr), uint16(sa.Port)}
	case *unix.SockaddrInet6:
		return inet6(sa.Addr, sa.ZoneId, uint16(sa.Port))
	}
	return Addr{}
}

// inet6 returns an inet6 Addr; a scope id other than 0 is its zone.
func inet6(ip [16]byte, scope uint32, port uint16) Addr {
	a := netip.AddrFrom16(ip)
	if scope != 0 {
		a = a.WithZone(strconv.Itoa(int(scope)))
	}
	return Addr{Inet6, a, port}
}

// sockaddrs holds an address in its family's form for the kernel: a
// socket's writer keeps one, so that a datagram's destination costs no
// allocation, as for Go's net.UDPConn.
type sockaddrs struct {
	v4  unix.SockaddrInet4
	v6  unix.SockaddrInet6
	is6 bool // v6 holds the address, not v4
}

// set stores a in the form of its family, and reports false when a's
// family and address do not go together.
func (s *sockaddrs) set(a Addr) bool {
	if !validAddr(a) {
		return false
	}
	s.is6 = a.Family == Inet6
	if s.is6 {
		s.v6 = unix.SockaddrInet6{Port: int(a.Port), ZoneId: zoneID(a.Addr.Zone()), Addr: a.Addr.As16()}
	} else {
		s.v4 = unix.SockaddrInet4{Port: int(a.Port), Addr: a.Addr.As4()}
	}
	return true
}

// validAddr reports whether a's family and address go together.
func validAddr(a Addr) bool {
	return a.Family == Inet && a.Addr.Is4() || a.Family == Inet6 && a.Addr.Is6()
}

// sockaddr returns the address set stored.
func (s *sockaddrs) sockaddr() unix.Sockaddr {
	if s.is6 {
		return &s.v6
	}
	return &s.v4
}

// zoneID returns the scope id a zone names: a number, or an interface's
// index; 0 for no zone or an unknown interface.
func zoneID(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if n, err := strconv.ParseUint(zone, 10, 32); err == nil {
		return uint32(n)
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}
