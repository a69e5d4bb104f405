package unix

import (
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Sockaddr is a socket address.
type Sockaddr = windows.Sockaddr

// SockaddrInet4 is an IPv4 socket address.
type SockaddrInet4 = windows.SockaddrInet4

// SockaddrInet6 is an IPv6 socket address.
type SockaddrInet6 = windows.SockaddrInet6

// SockaddrUnix is a Unix domain socket address (AF_UNIX, which Windows
// has since Windows 10 1803).
type SockaddrUnix = windows.SockaddrUnix

// RawSockaddrUnix is Winsock's Unix domain socket address; its Path's
// length bounds a path.
type RawSockaddrUnix = windows.RawSockaddrUnix

// Errno is a system call's error number: syscall.Errno, whose POSIX names
// Windows' syscall package defines.
type Errno = syscall.Errno

// Linger is SO_LINGER's value.
type Linger = windows.Linger

// PollFd is one socket of Poll (WSAPOLLFD's fields, the socket held as
// on Unix).
type PollFd struct {
	Fd      int32
	Events  int16
	Revents int16
}

// Address families, socket types, levels, options and shutdown's hows:
// Winsock's values. Winsock's headers define SO_ACCEPTCONN, SO_ERROR,
// IP_RECVTOS, IP_RECVTTL, IPV6_TCLASS and IPV6_RECVTCLASS, which
// x/sys/windows does not: their values are the headers'.
const (
	AF_INET         = windows.AF_INET
	AF_INET6        = windows.AF_INET6
	AF_UNIX         = windows.AF_UNIX
	AF_UNSPEC       = windows.AF_UNSPEC
	SOCK_STREAM     = windows.SOCK_STREAM
	SOCK_DGRAM      = windows.SOCK_DGRAM
	SOL_SOCKET      = windows.SOL_SOCKET
	IPPROTO_IP      = windows.IPPROTO_IP
	IPPROTO_IPV6    = windows.IPPROTO_IPV6
	IPPROTO_TCP     = windows.IPPROTO_TCP
	IPPROTO_UDP     = windows.IPPROTO_UDP
	SO_ACCEPTCONN   = 0x2
	SO_BROADCAST    = windows.SO_BROADCAST
	SO_DONTROUTE    = windows.SO_DONTROUTE
	SO_ERROR        = 0x1007
	SO_KEEPALIVE    = windows.SO_KEEPALIVE
	SO_LINGER       = windows.SO_LINGER
	SO_RCVBUF       = windows.SO_RCVBUF
	SO_REUSEADDR    = windows.SO_REUSEADDR
	SO_SNDBUF       = windows.SO_SNDBUF
	IP_TOS          = windows.IP_TOS
	IP_TTL          = windows.IP_TTL
	IP_RECVTOS      = 40
	IP_RECVTTL      = 21
	IPV6_TCLASS     = 39
	IPV6_RECVTCLASS = 40
	IPV6_V6ONLY     = windows.IPV6_V6ONLY
	TCP_NODELAY     = windows.TCP_NODELAY
	SHUT_RD         = windows.SHUT_RD
	SHUT_WR         = windows.SHUT_WR
	SHUT_RDWR       = windows.SHUT_RDWR
	POLLIN          = 0x300 // POLLRDNORM|POLLRDBAND
	POLLOUT         = 0x10  // POLLWRNORM
	POLLERR         = 0x1
	POLLHUP         = 0x2
	POLLNVAL        = 0x4
)

// Names that Windows does not have. SO_REUSEPORT is an option no level
// has: setting or getting it answers ENOPROTOOPT. MSG_NOSIGNAL is no
// flag, as Windows raises no SIGPIPE. IFNAMSIZ is Linux's, which bounds
// bind_to_device's name before setsockopt refuses it. The PROT_ and MAP_
// values are the only ones Mmap takes: anonymous private read-write
// memory. F_DUPFD_CLOEXEC is a command FcntlInt refuses.
const (
	SO_REUSEPORT    = -1
	MSG_NOSIGNAL    = 0
	IFNAMSIZ        = 16
	PROT_READ       = 0x1
	PROT_WRITE      = 0x2
	MAP_PRIVATE     = 0x2
	MAP_ANON        = 0x20
	F_DUPFD_CLOEXEC = 1030
)

// Error numbers: syscall's POSIX ones, which inet names as Erlang does;
// Winsock's errors are translated to them (see errno).
const (
	EACCES        = syscall.EACCES
	EADDRINUSE    = syscall.EADDRINUSE
	EADDRNOTAVAIL = syscall.EADDRNOTAVAIL
	EAFNOSUPPORT  = syscall.EAFNOSUPPORT
	EAGAIN        = syscall.EAGAIN
	EALREADY      = syscall.EALREADY
	EBADF         = syscall.EBADF
	EFAULT        = syscall.EFAULT
	ECONNABORTED  = syscall.ECONNABORTED
	ECONNREFUSED  = syscall.ECONNREFUSED
	ECONNRESET    = syscall.ECONNRESET
	EHOSTUNREACH  = syscall.EHOSTUNREACH
	EINPROGRESS   = syscall.EINPROGRESS
	EINTR         = syscall.EINTR
	EINVAL        = syscall.EINVAL
	EISCONN       = syscall.EISCONN
	EMFILE        = syscall.EMFILE
	EMSGSIZE      = syscall.EMSGSIZE
	ENETUNREACH   = syscall.ENETUNREACH
	ENFILE        = syscall.ENFILE
	ENOBUFS       = syscall.ENOBUFS
	ENOPROTOOPT   = syscall.ENOPROTOOPT
	ENOTCONN      = syscall.ENOTCONN
	ENOTSOCK      = syscall.ENOTSOCK
	ENOTSUP       = syscall.ENOTSUP
	EOPNOTSUPP    = syscall.EOPNOTSUPP
	EPERM         = syscall.EPERM
	EPIPE         = syscall.EPIPE
	ETIMEDOUT     = syscall.ETIMEDOUT
)

// wsaErrnos are Winsock's errors with their POSIX names.
var wsaErrnos = map[syscall.Errno]syscall.Errno{
	windows.WSAEINTR:           EINTR,
	windows.WSAEBADF:           EBADF,
	windows.WSAEACCES:          EACCES,
	windows.WSAEFAULT:          EFAULT,
	windows.WSAEINVAL:          EINVAL,
	windows.WSAEMFILE:          EMFILE,
	windows.WSAEWOULDBLOCK:     EAGAIN,
	windows.WSAEINPROGRESS:     EINPROGRESS,
	windows.WSAEALREADY:        EALREADY,
	windows.WSAENOTSOCK:        ENOTSOCK,
	windows.WSAEMSGSIZE:        EMSGSIZE,
	windows.WSAENOPROTOOPT:     ENOPROTOOPT,
	windows.WSAEOPNOTSUPP:      EOPNOTSUPP,
	windows.WSAEAFNOSUPPORT:    EAFNOSUPPORT,
	windows.WSAEADDRINUSE:      EADDRINUSE,
	windows.WSAEADDRNOTAVAIL:   EADDRNOTAVAIL,
	windows.WSAENETUNREACH:     ENETUNREACH,
	windows.WSAECONNABORTED:    ECONNABORTED,
	windows.WSAECONNRESET:      ECONNRESET,
	windows.WSAENOBUFS:         ENOBUFS,
	windows.WSAEISCONN:         EISCONN,
	windows.WSAENOTCONN:        ENOTCONN,
	windows.WSAESHUTDOWN:       EPIPE,
	windows.WSAETIMEDOUT:       ETIMEDOUT,
	windows.WSAECONNREFUSED:    ECONNREFUSED,
	windows.WSAEHOSTUNREACH:    EHOSTUNREACH,
	windows.WSAENETRESET:       ECONNRESET,
	windows.WSAENETDOWN:        ENETUNREACH,
	windows.WSAEPROTONOSUPPORT: EAFNOSUPPORT,
	windows.WSAESOCKTNOSUPPORT: EAFNOSUPPORT,
}

// errno gives Winsock's error err its POSIX name, as inet_drv does on
// Windows; other errors are returned as they are.
func errno(err error) error {
	if e, ok := err.(syscall.Errno); ok {
		if p, ok := wsaErrnos[e]; ok {
			return p
		}
	}
	return err
}

var (
	ws2          = windows.NewLazySystemDLL("ws2_32.dll")
	ioctlsocket  = ws2.NewProc("ioctlsocket")
	accept       = ws2.NewProc("accept")
	wsaPoll      = ws2.NewProc("WSAPoll")
	wsaStartOnce sync.Once
	wsaStartErr  error
)

// fionbio is ioctlsocket's command that sets a socket non-blocking.
const fionbio = 0x8004667e

// Socket is Winsock's socket, made after WSAStartup.
func Socket(domain, typ, proto int) (int, error) {
	wsaStartOnce.Do(func() {
		var d windows.WSAData
		wsaStartErr = windows.WSAStartup(uint32(0x202), &d)
	})
	if wsaStartErr != nil {
		return -1, wsaStartErr
	}
	h, err := windows.Socket(domain, typ, proto)
	if err != nil {
		return -1, errno(err)
	}
	return int(h), nil
}

// Bind is Winsock's bind.
func Bind(fd int, sa Sockaddr) error { return errno(windows.Bind(windows.Handle(fd), sa)) }

// Listen is Winsock's listen.
func Listen(fd, backlog int) error { return errno(windows.Listen(windows.Handle(fd), backlog)) }

// Connect is Winsock's connect. A non-blocking connect under way answers
// WSAEWOULDBLOCK there: EINPROGRESS, as on Unix.
func Connect(fd int, sa Sockaddr) error {
	err := windows.Connect(windows.Handle(fd), sa)
	if err == windows.WSAEWOULDBLOCK {
		return EINPROGRESS
	}
	return errno(err)
}

// Accept is Winsock's accept.
func Accept(fd int) (int, Sockaddr, error) {
	var rsa windows.RawSockaddrAny
	n := int32(unsafe.Sizeof(rsa))
	r, _, e := accept.Call(uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)))
	if windows.Handle(r) == windows.InvalidHandle {
		return -1, nil, errno(e)
	}
	sa, err := rsa.Sockaddr()
	if err != nil {
		windows.Closesocket(windows.Handle(r))
		return -1, nil, errno(err)
	}
	return int(r), sa, nil
}

// Shutdown is Winsock's shutdown.
func Shutdown(fd, how int) error { return errno(windows.Shutdown(windows.Handle(fd), how)) }

// Close is closesocket.
func Close(fd int) error { return errno(windows.Closesocket(windows.Handle(fd))) }

// Dup answers EOPNOTSUPP: a socket is duplicated on Windows through
// WSADuplicateSocket, for another process.
func Dup(int) (int, error) { return -1, EOPNOTSUPP }

// FcntlInt answers EOPNOTSUPP: Windows has no fcntl.
func FcntlInt(uintptr, int, int) (int, error) { return -1, EOPNOTSUPP }

// CloseOnExec keeps fd from being inherited by child processes.
func CloseOnExec(fd int) { windows.CloseOnExec(windows.Handle(fd)) }

// SetNonblock sets or clears fd's non-blocking mode (ioctlsocket's
// FIONBIO).
func SetNonblock(fd int, nonblocking bool) error {
	var on uint32
	if nonblocking {
		on = 1
	}
	r, _, e := ioctlsocket.Call(uintptr(fd), fionbio, uintptr(unsafe.Pointer(&on)))
	if r != 0 {
		return errno(e)
	}
	return nil
}

// Read is WSARecv of one buffer: 0 bytes and no error is the peer's
// orderly close, as on Unix.
func Read(fd int, p []byte) (int, error) {
	var n, flags uint32
	buf := windows.WSABuf{Len: uint32(len(p))}
	if len(p) > 0 {
		buf.Buf = &p[0]
	}
	if err := windows.WSARecv(windows.Handle(fd), &buf, 1, &n, &flags, nil, nil); err != nil {
		return -1, errno(err)
	}
	return int(n), nil
}

// Write is WSASend of one buffer.
func Write(fd int, p []byte) (int, error) {
	var n uint32
	buf := windows.WSABuf{Len: uint32(len(p))}
	if len(p) > 0 {
		buf.Buf = &p[0]
	}
	if err := windows.WSASend(windows.Handle(fd), &buf, 1, &n, 0, nil, nil); err != nil {
		return -1, errno(err)
	}
	return int(n), nil
}

// Recvfrom is Winsock's recvfrom.
func Recvfrom(fd int, p []byte, flags int) (int, Sockaddr, error) {
	n, from, err := windows.Recvfrom(windows.Handle(fd), p, flags)
	return n, from, errno(err)
}

// SendmsgN sends p to to, nil on a connected socket, and returns how many
// bytes went. Control messages (oob) answer EOPNOTSUPP. With an address
// it is sendto, which sends a datagram whole or not at all.
func SendmsgN(fd int, p, oob []byte, to Sockaddr, flags int) (int, error) {
	if len(oob) > 0 {
		return 0, EOPNOTSUPP
	}
	if to == nil {
		return Write(fd, p)
	}
	if err := windows.Sendto(windows.Handle(fd), p, flags, to); err != nil {
		return 0, errno(err)
	}
	return len(p), nil
}

// Getsockname is Winsock's getsockname.
func Getsockname(fd int) (Sockaddr, error) {
	sa, err := windows.Getsockname(windows.Handle(fd))
	return sa, errno(err)
}

// Getpeername is Winsock's getpeername.
func Getpeername(fd int) (Sockaddr, error) {
	sa, err := windows.Getpeername(windows.Handle(fd))
	return sa, errno(err)
}

// GetsockoptInt is getsockopt of an int.
func GetsockoptInt(fd, level, opt int) (int, error) {
	if opt < 0 {
		return 0, ENOPROTOOPT
	}
	v, err := windows.GetsockoptInt(windows.Handle(fd), level, opt)
	return v, errno(err)
}

// SetsockoptInt is setsockopt of an int.
func SetsockoptInt(fd, level, opt, value int) error {
	if opt < 0 {
		return ENOPROTOOPT
	}
	return errno(windows.SetsockoptInt(windows.Handle(fd), level, opt, value))
}

// sysLinger is Winsock's LINGER, two u_shorts.
type sysLinger struct{ Onoff, Linger uint16 }

// GetsockoptLinger is getsockopt of a Linger.
func GetsockoptLinger(fd, level, opt int) (*Linger, error) {
	var l sysLinger
	n := int32(unsafe.Sizeof(l))
	if err := windows.Getsockopt(windows.Handle(fd), int32(level), int32(opt), (*byte)(unsafe.Pointer(&l)), &n); err != nil {
		return nil, errno(err)
	}
	return &Linger{Onoff: int32(l.Onoff), Linger: int32(l.Linger)}, nil
}

// SetsockoptLinger is setsockopt of a Linger.
func SetsockoptLinger(fd, level, opt int, l *Linger) error {
	return errno(windows.SetsockoptLinger(windows.Handle(fd), level, opt, l))
}

// SetsockoptBytes is setsockopt of v's bytes as they are: the raw option
// of inet:setopts.
func SetsockoptBytes(fd, level, opt int, v []byte) error {
	var p *byte
	if len(v) > 0 {
		p = &v[0]
	}
	return errno(windows.Setsockopt(windows.Handle(fd), int32(level), int32(opt), p, int32(len(v))))
}

// GetsockoptBytes is getsockopt into buf: it returns the option's length.
func GetsockoptBytes(fd, level, opt int, buf []byte) (int, error) {
	var p *byte
	if len(buf) > 0 {
		p = &buf[0]
	}
	n := int32(len(buf))
	if err := windows.Getsockopt(windows.Handle(fd), int32(level), int32(opt), p, &n); err != nil {
		return 0, errno(err)
	}
	return int(n), nil
}

// IoctlGetInt is ioctlsocket of a request that reads an int (FIONREAD, 0x4004667f).
func IoctlGetInt(fd int, req uint) (int, error) {
	var v uint32
	r, _, e := ioctlsocket.Call(uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(&v)))
	if r != 0 {
		return 0, errno(e)
	}
	return int(v), nil
}

// wsaPollFd is WSAPOLLFD.
type wsaPollFd struct {
	fd      uintptr
	events  int16
	revents int16
}

// wsaPollBufs holds the WSAPOLLFD arrays of Poll between calls, so that a
// poller's loop does not allocate one per call.
var wsaPollBufs sync.Pool // of *[]wsaPollFd

// Poll is WSAPoll.
func Poll(fds []PollFd, timeout int) (int, error) {
	if len(fds) == 0 {
		return 0, EINVAL
	}
	bp, _ := wsaPollBufs.Get().(*[]wsaPollFd)
	if bp == nil {
		bp = new([]wsaPollFd)
	}
	defer wsaPollBufs.Put(bp)
	w := (*bp)[:0]
	for _, f := range fds {
		w = append(w, wsaPollFd{fd: uintptr(f.Fd), events: f.Events})
	}
	*bp = w
	r, _, e := wsaPoll.Call(uintptr(unsafe.Pointer(&w[0])), uintptr(len(w)), uintptr(int32(timeout)))
	if int32(r) < 0 {
		return -1, errno(e)
	}
	for i := range fds {
		fds[i].Revents = w[i].revents
	}
	return int(r), nil
}

// Mmap maps length bytes of anonymous private read-write memory
// (VirtualAlloc), the only mapping it makes: others answer EINVAL.
func Mmap(fd int, offset int64, length, prot, flags int) ([]byte, error) {
	if fd != -1 || offset != 0 || length <= 0 || prot != PROT_READ|PROT_WRITE || flags != MAP_PRIVATE|MAP_ANON {
		return nil, EINVAL
	}
	p, err := windows.VirtualAlloc(0, uintptr(length), windows.MEM_COMMIT|windows.MEM_RESERVE, windows.PAGE_READWRITE)
	if err != nil {
		return nil, err
	}
	// p is memory outside Go's heap, which the collector does not move:
	// read as a pointer through its address, as vet wants.
	return unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), length), nil
}

// Munmap frees a mapping Mmap returned.
func Munmap(b []byte) error {
	if len(b) == 0 {
		return EINVAL
	}
	return windows.VirtualFree(uintptr(unsafe.Pointer(&b[0])), 0, windows.MEM_RELEASE)
}
