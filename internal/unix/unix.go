//go:build unix

package unix

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sockaddr is a socket address.
type Sockaddr = unix.Sockaddr

// SockaddrInet4 is an IPv4 socket address.
type SockaddrInet4 = unix.SockaddrInet4

// SockaddrInet6 is an IPv6 socket address.
type SockaddrInet6 = unix.SockaddrInet6

// SockaddrUnix is a Unix domain socket address.
type SockaddrUnix = unix.SockaddrUnix

// RawSockaddrUnix is the kernel's Unix domain socket address; its Path's
// length bounds a path.
type RawSockaddrUnix = unix.RawSockaddrUnix

// Errno is a system call's error number.
type Errno = unix.Errno

// Linger is SO_LINGER's value.
type Linger = unix.Linger

// PollFd is one fd of Poll.
type PollFd = unix.PollFd

// Address families, socket types, levels, options and shutdown's hows.
const (
	AF_INET         = unix.AF_INET
	AF_INET6        = unix.AF_INET6
	AF_UNIX         = unix.AF_UNIX
	AF_UNSPEC       = unix.AF_UNSPEC
	SOCK_STREAM     = unix.SOCK_STREAM
	SOCK_DGRAM      = unix.SOCK_DGRAM
	SOL_SOCKET      = unix.SOL_SOCKET
	IPPROTO_IP      = unix.IPPROTO_IP
	IPPROTO_IPV6    = unix.IPPROTO_IPV6
	IPPROTO_TCP     = unix.IPPROTO_TCP
	IPPROTO_UDP     = unix.IPPROTO_UDP
	SO_ACCEPTCONN   = unix.SO_ACCEPTCONN
	SO_BROADCAST    = unix.SO_BROADCAST
	SO_DONTROUTE    = unix.SO_DONTROUTE
	SO_ERROR        = unix.SO_ERROR
	SO_KEEPALIVE    = unix.SO_KEEPALIVE
	SO_LINGER       = unix.SO_LINGER
	SO_RCVBUF       = unix.SO_RCVBUF
	SO_REUSEADDR    = unix.SO_REUSEADDR
	SO_REUSEPORT    = unix.SO_REUSEPORT
	SO_SNDBUF       = unix.SO_SNDBUF
	IP_TOS          = unix.IP_TOS
	IP_TTL          = unix.IP_TTL
	IP_RECVTOS      = unix.IP_RECVTOS
	IP_RECVTTL      = unix.IP_RECVTTL
	IPV6_TCLASS     = unix.IPV6_TCLASS
	IPV6_RECVTCLASS = unix.IPV6_RECVTCLASS
	IPV6_V6ONLY     = unix.IPV6_V6ONLY
	TCP_NODELAY     = unix.TCP_NODELAY
	SHUT_RD         = unix.SHUT_RD
	SHUT_WR         = unix.SHUT_WR
	SHUT_RDWR       = unix.SHUT_RDWR
	MSG_NOSIGNAL    = unix.MSG_NOSIGNAL
	IFNAMSIZ        = unix.IFNAMSIZ
	POLLIN          = unix.POLLIN
	POLLOUT         = unix.POLLOUT
	POLLERR         = unix.POLLERR
	POLLHUP         = unix.POLLHUP
	POLLNVAL        = unix.POLLNVAL
	PROT_READ       = unix.PROT_READ
	PROT_WRITE      = unix.PROT_WRITE
	MAP_PRIVATE     = unix.MAP_PRIVATE
	MAP_ANON        = unix.MAP_ANON
	F_DUPFD_CLOEXEC = unix.F_DUPFD_CLOEXEC
)

// Error numbers.
const (
	EACCES        = unix.EACCES
	EADDRINUSE    = unix.EADDRINUSE
	EADDRNOTAVAIL = unix.EADDRNOTAVAIL
	EAFNOSUPPORT  = unix.EAFNOSUPPORT
	EAGAIN        = unix.EAGAIN
	EALREADY      = unix.EALREADY
	EBADF         = unix.EBADF
	EFAULT        = unix.EFAULT
	ECONNABORTED  = unix.ECONNABORTED
	ECONNREFUSED  = unix.ECONNREFUSED
	ECONNRESET    = unix.ECONNRESET
	EHOSTUNREACH  = unix.EHOSTUNREACH
	EINPROGRESS   = unix.EINPROGRESS
	EINTR         = unix.EINTR
	EINVAL        = unix.EINVAL
	EISCONN       = unix.EISCONN
	EMFILE        = unix.EMFILE
	EMSGSIZE      = unix.EMSGSIZE
	ENETUNREACH   = unix.ENETUNREACH
	ENFILE        = unix.ENFILE
	ENOBUFS       = unix.ENOBUFS
	ENOPROTOOPT   = unix.ENOPROTOOPT
	ENOTCONN      = unix.ENOTCONN
	ENOTSOCK      = unix.ENOTSOCK
	ENOTSUP       = unix.ENOTSUP
	EOPNOTSUPP    = unix.EOPNOTSUPP
	EPERM         = unix.EPERM
	EPIPE         = unix.EPIPE
	ETIMEDOUT     = unix.ETIMEDOUT
)

// Socket is socket(2).
func Socket(domain, typ, proto int) (int, error) { return unix.Socket(domain, typ, proto) }

// Bind is bind(2).
func Bind(fd int, sa Sockaddr) error { return unix.Bind(fd, sa) }

// Listen is listen(2).
func Listen(fd, backlog int) error { return unix.Listen(fd, backlog) }

// Connect is connect(2).
func Connect(fd int, sa Sockaddr) error { return unix.Connect(fd, sa) }

// Accept is accept(2).
func Accept(fd int) (int, Sockaddr, error) { return unix.Accept(fd) }

// Shutdown is shutdown(2).
func Shutdown(fd, how int) error { return unix.Shutdown(fd, how) }

// Close is close(2).
func Close(fd int) error { return unix.Close(fd) }

// Dup is dup(2).
func Dup(fd int) (int, error) { return unix.Dup(fd) }

// FcntlInt is fcntl(2) with an int argument.
func FcntlInt(fd uintptr, cmd, arg int) (int, error) { return unix.FcntlInt(fd, cmd, arg) }

// CloseOnExec sets fd's close-on-exec flag.
func CloseOnExec(fd int) { unix.CloseOnExec(fd) }

// SetNonblock sets or clears fd's O_NONBLOCK.
func SetNonblock(fd int, nonblocking bool) error { return unix.SetNonblock(fd, nonblocking) }

// Read is read(2).
func Read(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// Write is write(2).
func Write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }

// Recvfrom is recvfrom(2).
func Recvfrom(fd int, p []byte, flags int) (int, Sockaddr, error) {
	return unix.Recvfrom(fd, p, flags)
}

// SendmsgN is sendmsg(2): it sends p (and the control message oob) to to,
// nil on a connected socket, and returns how many bytes of p went.
func SendmsgN(fd int, p, oob []byte, to Sockaddr, flags int) (int, error) {
	return unix.SendmsgN(fd, p, oob, to, flags)
}

// Getsockname is getsockname(2).
func Getsockname(fd int) (Sockaddr, error) { return unix.Getsockname(fd) }

// Getpeername is getpeername(2).
func Getpeername(fd int) (Sockaddr, error) { return unix.Getpeername(fd) }

// GetsockoptInt is getsockopt(2) of an int.
func GetsockoptInt(fd, level, opt int) (int, error) { return unix.GetsockoptInt(fd, level, opt) }

// SetsockoptInt is setsockopt(2) of an int.
func SetsockoptInt(fd, level, opt, value int) error {
	return unix.SetsockoptInt(fd, level, opt, value)
}

// GetsockoptLinger is getsockopt(2) of a Linger.
func GetsockoptLinger(fd, level, opt int) (*Linger, error) {
	return unix.GetsockoptLinger(fd, level, opt)
}

// SetsockoptLinger is setsockopt(2) of a Linger.
func SetsockoptLinger(fd, level, opt int, l *Linger) error {
	return unix.SetsockoptLinger(fd, level, opt, l)
}

// SetsockoptBytes is setsockopt(2) of v's bytes as they are: the raw
// option of inet:setopts.
func SetsockoptBytes(fd, level, opt int, v []byte) error {
	var p unsafe.Pointer
	if len(v) > 0 {
		p = unsafe.Pointer(&v[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(p), uintptr(len(v)), 0)
	if e != 0 {
		return e
	}
	return nil
}

// GetsockoptBytes is getsockopt(2) into buf: it returns the option's
// length.
func GetsockoptBytes(fd, level, opt int, buf []byte) (int, error) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	n := uint32(len(buf))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(p), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// IoctlGetInt is ioctl(2) of a request that reads an int.
func IoctlGetInt(fd int, req uint) (int, error) { return unix.IoctlGetInt(fd, req) }

// Poll is poll(2).
func Poll(fds []PollFd, timeout int) (int, error) { return unix.Poll(fds, timeout) }

// Mmap is mmap(2).
func Mmap(fd int, offset int64, length, prot, flags int) ([]byte, error) {
	return unix.Mmap(fd, offset, length, prot, flags)
}

// Munmap is munmap(2) of a mapping Mmap returned.
func Munmap(b []byte) error { return unix.Munmap(b) }
