package sock

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fromAddr is where recvfrom puts a datagram's sender: the socket's reader
// keeps one, so that Recvfrom allocates no address (x/sys's Recvfrom
// allocates two), as Go's net.UDPConn does not.
type fromAddr struct {
	sa  unix.RawSockaddrAny
	len uint32 // socklen_t
}

// recvfrom reads a datagram into p, and its sender into f: recvfrom(2).
func (f *fromAddr) recvfrom(fd int, p []byte) (int, error) {
	f.len = unix.SizeofSockaddrAny
	f.sa.Addr.Family = unix.AF_UNSPEC
	var buf unsafe.Pointer
	if len(p) > 0 {
		buf = unsafe.Pointer(&p[0])
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(buf), uintptr(len(p)), 0,
		uintptr(unsafe.Pointer(&f.sa)), uintptr(unsafe.Pointer(&f.len)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// addr returns the sender as an Addr; the zero Addr when the kernel gave
// none of inet and inet6.
func (f *fromAddr) addr() Addr {
	switch f.sa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&f.sa))
		return Addr{Inet, netip.AddrFrom4(sa.Addr), netPort(&sa.Port)}
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&f.sa))
		return inet6(sa.Addr, sa.Scope_id, netPort(&sa.Port))
	}
	return Addr{}
}

// sendto sends datagram p to to: sendto(2), as net.UDPConn's WriteTo
// does, which costs the kernel less than sendmsg(2).
func sendto(fd int, p []byte, to unix.Sockaddr) error { return unix.Sendto(fd, p, 0, to) }

// netPort reads a port stored in network byte order.
func netPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
