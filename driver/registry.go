package driver

import "iter"

// Registered is an open socket of a Pool, as Sockets reports it.
type Registered struct {
	Handle Handle
	// Handler is the socket's handler: nil for a socket registered
	// without one (a listening socket, a connect under way, a raw
	// socket).
	Handler Handler
}

// Sockets yields the pool's open sockets, in the order of their slots:
// the slot table is the registry of live sockets, so that listing them
// costs registration and close nothing. Each socket's slot is locked only
// while it is read; yield runs with no lock held, so it may call the
// pool. A socket registered or closed meanwhile may or may not be
// yielded.
func (pl *Pool) Sockets() iter.Seq[Registered] {
	return func(yield func(Registered) bool) {
		pl.slots.mu.Lock()
		n := pl.slots.n
		pl.slots.mu.Unlock()
		for i := uint32(0); i < n; i++ {
			s := pl.slots.get(i)
			s.mu.Lock()
			open := s.state&stOpen != 0
			r := Registered{Handle: makeHandle(i, s.gen), Handler: s.h}
			s.mu.Unlock()
			if open && !yield(r) {
				return
			}
		}
	}
}
