package erltest

import "golang.org/x/sys/unix"

// ioctlGetTermios is the ioctl that reads a terminal's termios.
const ioctlGetTermios = unix.TCGETS
