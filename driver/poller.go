package driver

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// maxReads bounds the reads one socket gets per event when each read fills
// the buffer, so a flooding peer cannot starve the poller's other sockets:
// the socket goes on the ready list and continues after the others.
const maxReads = 4

// poller is one goroutine serving its share of the sockets: it runs their
// events, its tasks and its ready list. Where the events come from is its
// backend's business: an epoll set (epoll_linux.go), Go's netpoller
// (portable.go) or poll(2) (poll.go).
type poller struct {
	pool  *Pool
	sys   backend
	buf   []byte   // the shared read buffer
	ready []Handle // sockets with more to read after their maxReads
	stop  atomic.Bool

	mu       sync.Mutex // guards tasks, spare, sleeping, woken and dead
	tasks    []task
	spare    []task
	sleeping bool // waiting (or about to wait) for events
	woken    bool // wake was called since it began to wait
	dead     bool // stopped: take no more tasks
}

// backend is where a poller's events come from. add, modify, del and
// again are called with the slot's lock held, and must not block.
type backend interface {
	// run is the poller's loop, until p.stop.
	run(p *poller)
	// add registers s's socket with interest in events.
	add(s *slot, events uint32) error
	// modify changes the interest set of s's socket.
	modify(s *slot, events uint32) error
	// del unregisters s's socket, which is closing.
	del(s *slot)
	// again tells that a call on s's socket met EAGAIN in a direction
	// (write: writing or connecting; otherwise reading or accepting):
	// its next readiness there must come as an event. An edge-triggered
	// epoll set does so by itself.
	again(s *slot, write bool)
	// wake makes run look at the tasks.
	wake()
	// close releases the backend's resources, once run has returned and
	// every socket is closed.
	close()
}

func newPoller(pl *Pool, c *config) (*poller, error) {
	p := &poller{pool: pl, buf: make([]byte, c.bufSize)}
	var err error
	p.sys, err = newBackend(c.backend, p)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// closeFds stops the poller taking tasks and releases its backend.
func (p *poller) closeFds() {
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
	p.sys.close()
}

// A task is work for a poller: fn; or, when fn is nil, the events ev of
// handle h's socket; or, when ev is 0 too, resuming the read of h.
type task struct {
	fn func()
	h  Handle
	ev uint32
}

// submit queues t. A poller that is running takes it on its next turn; one
// waiting for events is woken, once however many tasks come before it
// wakes. A busy poller so costs its submitters no syscall.
func (p *poller) submit(t task) {
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		return // the pool stopped: its wake-up fd is closed, or another file's now
	}
	p.tasks = append(p.tasks, t)
	wake := p.sleeping && !p.woken
	p.woken = p.woken || wake
	p.mu.Unlock()
	if wake {
		p.sys.wake()
	}
}

// nudge wakes the poller if it waits for events, as submit does, with no
// task: for a backend whose poller must see a change of interest (poll.go).
func (p *poller) nudge() {
	p.mu.Lock()
	wake := p.sleeping && !p.woken && !p.dead
	p.woken = p.woken || wake
	p.mu.Unlock()
	if wake {
		p.sys.wake()
	}
}

// wake makes the poller look at its stop flag and tasks.
func (p *poller) wake() { p.sys.wake() }

// runTasks runs the tasks queued so far.
func (p *poller) runTasks() {
	p.mu.Lock()
	ts := p.tasks
	p.tasks = p.spare[:0]
	p.mu.Unlock()
	for i, t := range ts {
		switch {
		case t.fn != nil:
			t.fn()
		case t.ev != 0:
			p.dispatch(t.h.index(), t.h.gen(), t.ev)
		default:
			p.resume(t.h)
		}
		ts[i] = task{}
	}
	p.mu.Lock()
	p.spare = ts[:0]
	p.mu.Unlock()
}

func (p *poller) hasTasks() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.tasks) > 0
}

// sleep marks the poller as about to wait for events, so that submit
// wakes it, unless tasks are waiting: then it reports false.
func (p *poller) sleep() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tasks) > 0 {
		return false
	}
	p.sleeping = true
	return true
}

// awake marks the poller as back from waiting.
func (p *poller) awake() {
	p.mu.Lock()
	p.sleeping, p.woken = false, false
	p.mu.Unlock()
}

// endTurn ends a turn of the loop of a backend that waits in a system
// call (epoll's, poll's), which dispatched n events after a wait that
// could block (blocked) or not: it runs the tasks and the ready list, and
// reports whether the next wait may block. After events it yields the
// processor and has the next wait look without blocking; after a look
// that found nothing it yields once more and has the next one block (the
// poll backend's loop follows that; epoll's ignores it, as its blocking
// wait looks first: see epoller.run).
func (p *poller) endTurn(n int, blocked bool) (block bool) {
	if p.hasTasks() {
		p.runTasks()
	}
	if len(p.ready) > 0 {
		p.runReady()
	}
	switch {
	case n > 0 || len(p.ready) > 0:
		runtime.Gosched()
		return false
	case !blocked:
		runtime.Gosched()
		return true
	}
	return blocked
}

// runReady continues the sockets that had more to read.
func (p *poller) runReady() {
	ready := p.ready
	p.ready = nil
	for _, h := range ready {
		p.resume(h)
	}
}

// dispatch handles one event for the socket tagged (idx, gen). A stale tag,
// left from a socket closed since the event was queued, is dropped.
func (p *poller) dispatch(idx, gen, events uint32) {
	s := p.pool.slots.get(idx)
	if s == nil {
		return
	}
	s.mu.Lock()
	if !s.open(gen) {
		s.mu.Unlock()
		return
	}
	switch s.kind {
	case kindListener:
		s.x.wakeAll()
		notify := s.x.notify
		s.x.notify = nil
		s.mu.Unlock()
		if notify != nil {
			notify()
		}
	case kindDialing:
		s.x.wakeAll()
		s.mu.Unlock()
	case kindConn:
		p.connEvent(s, gen, events)
	default: // kindRaw: never in a poller's set
		s.mu.Unlock()
	}
}
