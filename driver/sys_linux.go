package driver

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov bounds the iovecs of one writev; the kernel allows 1024 (IOV_MAX).
const maxIov = 64

// writev is unix.Writev without its allocation: the iovecs live on the
// stack. It is sendmsg, raw or not, as fastWrite is sendto.
func writev(fd int, bufs [][]byte) (int, error) {
	var iov [maxIov]unix.Iovec
	n, total := 0, 0
	for _, b := range bufs {
		if n == maxIov {
			break
		}
		if len(b) == 0 {
			continue
		}
		iov[n].Base = &b[0]
		iov[n].SetLen(len(b))
		n++
		total += len(b)
	}
	if n == 0 {
		return 0, nil
	}
	if raceEnabled {
		// x/sys's writev tells the race detector what it read (see
		// fastIO); it allocates, which only race builds pay.
		return unix.Writev(fd, bufs[:min(len(bufs), maxIov)])
	}
	// sendmsg with MSG_DONTWAIT, which never blocks (see fastIO), raw
	// or not: direct calls both, as the iovecs' address is a uintptr
	// only within the call expression (unsafe.Pointer's rule for system
	// calls). A socket is all the driver writes to; ENOTSOCK is writev.
	msg := unix.Msghdr{Iov: &iov[0]}
	msg.SetIovlen(n)
	var r uintptr
	var e unix.Errno
	if total <= fastMax && guard.state.Load() == guardArmed {
		r, _, e = unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	} else {
		r, _, e = unix.Syscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
	}
	if e == unix.ENOTSOCK {
		r, _, e = unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// accept4 is accept4(2) without the peer's address, which nobody here
// needs: unix.Accept4 allocates it for every connection.
func accept4(fd, flags int) (int, error) {
	nfd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), 0, 0, uintptr(flags), 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(nfd), nil
}

// lingers reports whether closing fd may block: SO_LINGER is on with a
// positive time. Linux then waits in close(2), O_NONBLOCK or not, until
// the peer has acknowledged the bytes the kernel holds and the FIN, or the
// time has passed.
//
// The option is read from the kernel, once per close of a connection or
// raw socket, rather than kept in the slot when set: it can be set behind
// the driver's back, by a Control, Dial's or Listen's control (a raw
// setsockopt), inherited from a listening socket, or come with an adopted
// fd. One getsockopt costs little beside the close(2) and epoll_ctl that
// a close makes anyway; unix.GetsockoptLinger would allocate its result.
func lingers(fd int) bool {
	var l unix.Linger
	n := uint32(unsafe.Sizeof(l))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_LINGER,
		uintptr(unsafe.Pointer(&l)), uintptr(unsafe.Pointer(&n)), 0)
	return errno == 0 && l.Onoff != 0 && l.Linger > 0
}

// sockFlags are the flags socket(2) and accept4(2) are given: non-blocking
// and close-on-exec in the one call.
const sockFlags = unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC

// openSocket is socket(2), non-blocking and close-on-exec.
func openSocket(domain, typ, proto int) (int, error) {
	return hooks.socket(domain, typ|sockFlags, proto)
}

// blockForLinger readies fd for a close(2) that lingers: nothing to do on
// Linux, which lingers whether fd is non-blocking or not.
func blockForLinger(int) {}
