//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package erltest

import "golang.org/x/sys/unix"

// ioctlGetTermios is the ioctl that reads a terminal's termios.
const ioctlGetTermios = unix.TIOCGETA
