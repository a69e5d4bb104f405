package actor

import (
	"sync"
	"time"
)

// workers run owner mailboxes. protoactor's default dispatcher starts a
// goroutine each time an idle mailbox gets a message, and that goroutine's
// stack grows, copy by copy, through the actor's call chain: for a socket
// owner that is every packet. A worker is a goroutine that stays, stack
// grown, and runs mailboxes from a shared run queue until it is empty.
//
// The queue is handed over as Go's scheduler hands over its run queues:
// while work is queued, one worker at least is awake and on its way to it
// (a "looking" worker). A worker that takes work and leaves more behind
// wakes another unless one is already looking, so a mailbox that blocks its
// worker never holds up the others, and a burst of mailboxes costs one
// wake-up, not one per mailbox: the worker that finishes first takes the
// next. A janitor retires the workers idle for workerIdle, and itself once
// none is idle, so a quiet process keeps none.
type workerPool struct {
	mu      sync.Mutex
	queue   ring      // runnable work, oldest first
	idle    []*worker // parked, most recently used last: the warmest first
	looking int       // workers woken or started that have not yet looked at queue
	janitor bool      // the janitor runs
}

type worker struct {
	wake  chan bool // true: look at the queue; false: retire
	since time.Time // idle since; guarded by workerPool.mu
}

// workerIdle is how long a worker may wait for work before it retires.
const workerIdle = 200 * time.Millisecond

var workers workerPool

// job is work for a worker: an owner mailbox to run. (Not a func: the
// method value m.process would be allocated at every schedule.)
type job interface{ process() }

// run queues m for a worker.
func (wp *workerPool) run(m job) {
	wp.mu.Lock()
	wp.queue.push(m)
	if wp.looking == 0 {
		wp.wakeLocked()
	}
	wp.mu.Unlock()
}

// wakeLocked sends one more worker to the queue: the warmest idle one, or
// a new one. The caller holds wp.mu.
func (wp *workerPool) wakeLocked() {
	wp.looking++
	if n := len(wp.idle); n > 0 {
		w := wp.idle[n-1]
		wp.idle[n-1] = nil
		wp.idle = wp.idle[:n-1]
		w.wake <- true
		return
	}
	w := &worker{wake: make(chan bool, 1)}
	go w.loop(wp)
}

// loop runs queued work while there is some, and parks when there is none.
// The worker starts looking (counted in wp.looking).
func (w *worker) loop(wp *workerPool) {
	wp.mu.Lock()
	for {
		m := wp.queue.pop()
		wp.looking--
		if m == nil {
			w.since = time.Now()
			wp.idle = append(wp.idle, w)
			if !wp.janitor {
				wp.janitor = true
				go wp.sweep()
			}
			wp.mu.Unlock()
			if !<-w.wake {
				return
			}
			wp.mu.Lock()
			continue // the waker counted us as looking
		}
		if wp.looking == 0 && wp.queue.len() > 0 {
			wp.wakeLocked()
		}
		wp.mu.Unlock()
		m.process()
		wp.mu.Lock()
		wp.looking++
	}
}

// sweep retires, every workerIdle, the workers idle that long: they are
// at the bottom of the idle stack. It ends when no worker is idle.
func (wp *workerPool) sweep() {
	t := time.NewTicker(workerIdle)
	defer t.Stop()
	for range t.C {
		wp.mu.Lock()
		cut := time.Now().Add(-workerIdle)
		n := 0
		for n < len(wp.idle) && wp.idle[n].since.Before(cut) {
			wp.idle[n].wake <- false
			n++
		}
		k := copy(wp.idle, wp.idle[n:])
		clear(wp.idle[k:])
		wp.idle = wp.idle[:k]
		if k == 0 {
			wp.janitor = false
			wp.mu.Unlock()
			return
		}
		wp.mu.Unlock()
	}
}

// ring is a FIFO of work that reuses its buffer.
type ring struct {
	buf  []job // len(buf) is a power of two, or 0
	head int   // index of the oldest
	n    int
}

func (r *ring) len() int { return r.n }

func (r *ring) push(m job) {
	if r.n == len(r.buf) {
		grown := make([]job, max(16, 2*len(r.buf)))
		for i := range r.n {
			grown[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = m
	r.n++
}

// pop returns the oldest work, or nil when there is none.
func (r *ring) pop() job {
	if r.n == 0 {
		return nil
	}
	m := r.buf[r.head]
	r.buf[r.head] = nil
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return m
}
