package driver

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov bounds the iovecs of one writev; the kernel allows 1024 (IOV_MAX).
const maxIov = 64

// writev is unix.Writev without its allocation: the iovecs live on the
// stack.
func writev(fd int, bufs [][]byte) (int, error) {
	var iov [maxIov]unix.Iovec
	n := 0
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
	}
	if n == 0 {
		return 0, nil
	}
	r, _, e := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
