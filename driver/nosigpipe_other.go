//go:build !darwin && !freebsd && !netbsd && !dragonfly

package driver

// noSigpipe does nothing: this system has no SO_NOSIGPIPE (see the BSDs'
// version).
func noSigpipe(int) {}
