//go:build linux || darwin || windows

package inet

import "syscall"

// STREAMS' errnos, which Linux and macOS have and FreeBSD does not.
func init() {
	errnoAtoms[syscall.ENOSTR] = "enostr"
	errnoAtoms[syscall.ENODATA] = "enodata"
	errnoAtoms[syscall.ETIME] = "etime"
	errnoAtoms[syscall.ENOSR] = "enosr"
}
