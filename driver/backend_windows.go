package driver

// defaultBackend is Windows' only one: poll, on WSAPoll.
const defaultBackend = "poll"

// backends are the backends this system has.
var backends = []string{"poll"}

// unavailable says why a backend that this system lacks is missing.
var unavailable = map[string]string{
	"epoll": "epoll is Linux's only",
	"portable": "the portable backend is Unix's: it waits for a socket's readiness in Go's netpoller, " +
		"and Windows' (IOCP) tells completions, not readiness, of writes and accepts",
}

// defaultWakePair is a loopback UDP socket pair on Windows: WSAPoll takes
// only sockets.
var defaultWakePair = udpPair

func newBackend(_ string, p *poller) (backend, error) { return newPollBackend(p) }
