package driver

import "errors"

// defaultBackend is Linux's: epoll.
const defaultBackend = "epoll"

// backends are the backends this system has.
var backends = []string{"epoll", "portable"}

func checkBackend(name string) error {
	switch name {
	case "epoll", "portable":
		return nil
	}
	return errors.New(`want "epoll" or "portable"`)
}

func newBackend(name string, p *poller) (backend, error) {
	if name == "portable" {
		return newPortable(p), nil
	}
	e, err := newEpoller()
	if err != nil {
		return nil, err
	}
	return e, nil
}
