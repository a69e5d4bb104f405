package driver

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool is a fixed set of pollers serving sockets. Its methods may be called
// from any goroutine.
type Pool struct {
	backend string // "epoll", "portable" or "poll"
	pollers []*poller
	next    atomic.Uint32 // round-robin choice of poller
	slots   slotTable
	closed  atomic.Bool
	life    sync.RWMutex // registrations hold it shared; Close exclusively
	wg      sync.WaitGroup
	// lingerers close the fds whose close(2) may linger.
	lingerers lingerers
}

// Option configures NewPool.
type Option func(*config) error

type config struct {
	pollers int
	bufSize int
	backend string
}

// Pollers sets the number of poller goroutines (default GOMAXPROCS).
func Pollers(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 1024 {
			return fmt.Errorf("driver: Pollers(%d): want 1..1024", n)
		}
		c.pollers = n
		return nil
	}
}

// ReadBuffer sets the size of each poller's shared read buffer (default
// 64 KiB): the most a single OnRead call sees.
func ReadBuffer(size int) Option {
	return func(c *config) error {
		if size < 1 || size > 1<<26 {
			return fmt.Errorf("driver: ReadBuffer(%d): want 1..64 MiB", size)
		}
		c.bufSize = size
		return nil
	}
}

// Backend chooses where the pollers' events come from: "epoll" (an epoll
// set per poller; Linux only, and Linux's default), "portable" (Go's
// own netpoller, through a goroutine per socket that waits for it: on
// Unix, and the default on macOS and FreeBSD) or "poll" (poll(2) on the
// sockets that want an event: on Unix, and on Windows, where it is the
// only one, on WSAPoll). See the package doc, Backends, for the systems
// that build.
func Backend(name string) Option {
	return func(c *config) error {
		if err := checkBackend(name); err != nil {
			return fmt.Errorf("driver: Backend(%q): %w", name, err)
		}
		c.backend = name
		return nil
	}
}

// NewPool starts a pool of pollers.
func NewPool(opts ...Option) (*Pool, error) {
	c := config{pollers: runtime.GOMAXPROCS(0), bufSize: 64 << 10, backend: defaultBackend}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	pl := &Pool{backend: c.backend, pollers: make([]*poller, 0, c.pollers)}
	for range c.pollers {
		p, err := newPoller(pl, &c)
		if err != nil {
			for _, p := range pl.pollers {
				p.closeFds()
			}
			return nil, err
		}
		pl.pollers = append(pl.pollers, p)
	}
	for _, p := range pl.pollers {
		pl.wg.Add(1)
		go func() {
			defer pl.wg.Done()
			p.sys.run(p)
		}()
	}
	return pl, nil
}

// Stop stops the pollers and closes every socket still registered. Blocked
// Accept and Dial calls return ErrClosed; every later call does too. Stop
// waits for the poller goroutines to exit, and for the closes that linger
// (SO_LINGER on, bytes the peer has not acknowledged) to end: for up to
// the linger time.
func (pl *Pool) Stop() error {
	if !pl.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	for _, p := range pl.pollers {
		p.stop.Store(true)
		p.wake()
	}
	pl.wg.Wait()
	pl.life.Lock() // no registration in flight past this point
	pl.slots.each(func(_ uint32, s *slot) {
		s.mu.Lock()
		if s.state&stOpen != 0 {
			s.closeLocked()
		}
		s.mu.Unlock()
	})
	for _, p := range pl.pollers {
		p.closeFds()
	}
	pl.life.Unlock()
	pl.lingerers.stop()
	return nil
}

// Submit runs fn on the poller goroutine that serves h, after the events it
// is handling now. fn must not block. It returns ErrClosed when h is closed.
func (pl *Pool) Submit(h Handle, fn func()) error {
	if fn == nil {
		return errors.New("driver: Submit(nil)")
	}
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	p := s.p
	s.mu.Unlock()
	p.submit(task{fn: fn})
	return nil
}

// lock returns h's slot locked, or ErrClosed when h names no open socket.
func (pl *Pool) lock(h Handle) (*slot, error) {
	s := pl.slots.get(h.index())
	if s == nil || h.gen() == 0 {
		return nil, ErrClosed
	}
	s.mu.Lock()
	if !s.open(h.gen()) {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	return s, nil
}

// register puts fd in a free slot served by the next poller, with interest
// in events. The socket starts paused: nothing is read until Resume.
func (pl *Pool) register(fd int, k kind, h Handler, events uint32) (Handle, *slot, error) {
	pl.life.RLock()
	defer pl.life.RUnlock()
	if pl.closed.Load() {
		return 0, nil, ErrClosed
	}
	idx, s, err := pl.slots.alloc()
	if err != nil {
		return 0, nil, err
	}
	p := pl.pollers[pl.next.Add(1)%uint32(len(pl.pollers))]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idx, s.fd, s.kind, s.p, s.h = idx, int32(fd), k, p, h
	s.state = stOpen | stPaused | stPending
	if k != kindConn {
		s.x = &slotExt{}
	}
	add := p.sys.add
	if k == kindRaw {
		s.x.raw = newRawIO()
		add = func(s *slot, _ uint32) error { return attachFile(s) }
	}
	gen := s.gen
	if err := add(s, events); err != nil {
		s.state, s.h, s.x, s.fd = 0, nil, nil, -1
		pl.slots.release(idx)
		return 0, nil, err
	}
	return makeHandle(idx, gen), s, nil
}

// fdClosedError is a register error after which the fd is closed
// already: attachFile closed it. The caller must not close it again.
type fdClosedError struct{ error }

func (e fdClosedError) Unwrap() error { return e.error }

// closeUnregistered closes fd, whose register failed with err, unless the
// register closed it already.
func closeUnregistered(fd int, err error) {
	var closed fdClosedError
	if !errors.As(err, &closed) {
		hooks.close(fd)
	}
}

// Close closes h's socket at once. Queued writes are dropped; the kernel
// still sends what it already holds, then FIN. Close never waits, so a
// Handler may call it: a close(2) that may linger (SO_LINGER on with a
// positive time) goes on on a goroutine of its own, and the fd of a
// listening socket whose Accept is in accept(2) is closed when that
// ends (until then its port stays bound). CloseLinger and CloseDrain wait
// for both. Under the portable backend Close waits only for the
// goroutines parked on the socket's readiness to wake and leave its fd,
// which they do at once, and then closes the fd, as under epoll; under
// the poll backend, called off the socket's poller, for the poller to
// leave a poll that holds the socket.
func (pl *Pool) Close(h Handle) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	s.closeLocked()
	s.mu.Unlock()
	return nil
}

// CloseLinger closes h's socket as Close does, and returns once its fd is
// closed: with SO_LINGER on, once the peer has acknowledged what the
// kernel holds, or the linger time has passed, as socket:close does; for
// a listening socket, once no Accept's accept(2) still uses the fd, so
// that its port is free and a Listen on it right after succeeds, as after
// gen_tcp:close. It holds no lock while it waits. It must not be called
// from a Handler method, nor on a poller (a Submit's task).
func (pl *Pool) CloseLinger(h Handle) error {
	s, err := pl.lock(h)
	if err != nil {
		return err
	}
	s.closeWait()
	return nil
}
