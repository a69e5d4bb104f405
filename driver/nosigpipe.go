//go:build darwin || freebsd || netbsd || dragonfly

package driver

import "golang.org/x/sys/unix"

// noSigpipe sets SO_NOSIGPIPE on fd: a write on it after the peer has gone
// fails with EPIPE and raises no SIGPIPE. Go's runtime ignores SIGPIPE on
// fds other than 1 and 2, but not in a c-archive or c-shared build, where
// the host program's handler, by default the one that ends it, would get
// it. It is set on every socket the driver opens, accepts or adopts.
func noSigpipe(fd int) { _ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1) }
