//go:build unix && !linux

package driver

func newBackend(_ string, p *poller) (backend, error) { return newPortable(p), nil }
