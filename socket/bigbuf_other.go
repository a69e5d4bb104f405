//go:build !linux

package socket

import "github.com/otpnet/otpnet/internal/unix"

// remapBuf grows b, a packet's mapped buffer, to n bytes: into a new
// mapping, where there is no mremap.
func remapBuf(b []byte, n int) ([]byte, error) {
	nb, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	copy(nb, b)
	if err := unix.Munmap(b); err != nil {
		panic("socket: unmapping a packet's buffer: " + err.Error())
	}
	return nb, nil
}

// hugePages does nothing: huge pages are asked for on Linux only.
func hugePages([]byte) {}
