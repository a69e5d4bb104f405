package driver

// defaultBackend is Linux's: epoll.
const defaultBackend = "epoll"

// backends are the backends this system has.
var backends = []string{"epoll", "portable", "poll"}

// unavailable says why a backend that this system lacks is missing.
var unavailable = map[string]string{}

func newBackend(name string, p *poller) (backend, error) {
	switch name {
	case "portable":
		return newPortable(p), nil
	case "poll":
		return newPollBackend(p)
	}
	return newEpoller()
}
