//go:build unix && !linux

package driver

// defaultBackend is the portable one off Linux.
const defaultBackend = "portable"

// backends are the backends this system has.
var backends = []string{"portable", "poll"}

// unavailable says why a backend that this system lacks is missing.
var unavailable = map[string]string{"epoll": "epoll is Linux's only"}

func newBackend(name string, p *poller) (backend, error) {
	if name == "poll" {
		return newPollBackend(p)
	}
	return newPortable(p), nil
}
