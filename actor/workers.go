package actor

import (
	"sync"
	"time"
)

// workers run owner mailboxes. protoactor's default dispatcher starts a
// goroutine each time an idle mailbox gets a message, and that goroutine's
// stack grows, copy by copy, through the actor's call chain: for a socket
// owner that is every packet. A worker is a goroutine that stays, stack
// grown, and waits for the next mailbox to run; one idle for workerIdle
// exits, so a quiet process keeps none.
type workerPool struct {
	mu   sync.Mutex
	idle []*worker // most recently used last: the warmest first
}

type worker struct {
	work chan func()
}

// workerIdle is how long a worker waits for work before it exits.
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
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		select {
		case fn := <-w.work:
			fn()
		case <-t.C:
			if wp.retire(w) {
				return
			}
			(<-w.work)() // taken off the idle list just now: its work is coming
		}
		wp.mu.Lock()
		wp.idle = append(wp.idle, w)
		wp.mu.Unlock()
		t.Reset(workerIdle)
	}
}

// retire takes w off the idle list, and reports false if it was not there:
// run has just taken it and is sending it work.
func (wp *workerPool) retire(w *worker) bool {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	for i, x := range wp.idle {
		if x == w {
			copy(wp.idle[i:], wp.idle[i+1:])
			wp.idle[len(wp.idle)-1] = nil
			wp.idle = wp.idle[:len(wp.idle)-1]
			return true
		}
	}
	return false
}
