//go:build unix && !linux

package driver

import "errors"

// defaultBackend is the only one off Linux.
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

func newBackend(_ string, p *poller) (backend, error) { return newPortable(p), nil }
