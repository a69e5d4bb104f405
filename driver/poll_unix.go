//go:build unix

package driver

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultWakePair is a pipe on Unix.
var defaultWakePair = pipePair

// pipePair makes a non-blocking, close-on-exec pipe: its read end and its
// write end. Not every Unix has pipe2 (macOS has not), so the flags are
// set after pipe, under ForkLock, as package os does there.
func pipePair() (r, w int, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, -1, err
	}
	for _, fd := range p {
		if err = unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return -1, -1, err
		}
	}
	return p[0], p[1], nil
}
