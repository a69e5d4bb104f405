package socket

import "golang.org/x/sys/unix"

// remapBuf grows b, a packet's mapped buffer, to n bytes: Linux moves the
// pages, it copies none.
func remapBuf(b []byte, n int) ([]byte, error) {
	return unix.Mremap(b, n, unix.MREMAP_MAYMOVE)
}

// hugePages asks for b, a packet's mapped buffer, to be backed by huge
// pages where it can be (transparent huge pages in madvise mode): the
// reads into it then fault a page per 2 MiB rather than per 4 KiB. mremap
// keeps the advice. It is only advice: an error changes nothing.
func hugePages(b []byte) {
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
}
