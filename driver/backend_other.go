//go:build !linux

package driver

import "errors"

// defaultBackend is the only one off Linux (on Windows it does not run
// yet: see newBackend there).
const defaultBackend = "portable"

// backends are the backends this system has.
var backends = []string{"portable"}

func checkBackend(name string) error {
	switch name {
	case "portable":
		return nil
	case "epoll":
		return errors.New("epoll is Linux's only")
	}
	return errors.New(`want "portable"`)
}
