package actor

import (
	"sync"
	"time"
)

// workers run owner mailboxes. protoactor's default dispatcher starts a
// goroutine each time an idle mailbox gets a message, and that goroutine's
// stack grows, copy by copy, through the actor's call chain: for a socket
// owner that is every packet. A worker is a goroutine that stays, stack
// grown, and waits for the next mailbox to run. A janitor retires the
// workers idle for workerIdle, and itself once none is idle, so a quiet
// process keeps none; a busy worker pays no timer per message.
type workerPool struct {
	mu      sync.Mutex
	idle    []*worker // most recently used last: the warmest first
	janitor bool      // the janitor runs
}

type worker struct {
	work  chan func() // nil: retire
	since time.Time   // idle since; guarded by workerPool.mu
}

// workerIdle is how long a worker may wait for work before it retires.
const workerIdle = 200 * time.Millisecond

var workers workerPool

// run runs fn on an idle worker, or on a new one.
func (wp *workerPool) run(fn func()) {
	wp.mu.Lock()
	if n := len(wp.idle); n > 0 {
		w := wp.idle[n-1]
		wp.idle[n-1] = nil
		wp.idle = wp.idle[:n-1]
		wp.mu.Unlock()
		w.work <- fn
		return
	}
	wp.mu.Unlock()
	w := &worker{work: make(chan func(), 1)}
	w.work <- fn
	go w.loop(wp)
}

func (w *worker) loop(wp *workerPool) {
	for fn := range w.work {
		if fn == nil {
			return
		}
		fn()
		wp.mu.Lock()
		w.since = time.Now()
		wp.idle = append(wp.idle, w)
		if !wp.janitor {
			wp.janitor = true
			go wp.sweep()
		}
		wp.mu.Unlock()
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
			wp.idle[n].work <- nil
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
