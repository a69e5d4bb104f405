package socket

import "golang.org/x/sys/unix"

// remapBuf grows b, a packet's mapped buffer, to n bytes: Linux moves the
// pages, it copies none.
func remapBuf(b []byte, n int) ([]byte, error) {
	return unix.Mremap(b, n, unix.MREMAP_MAYMOVE)
}
