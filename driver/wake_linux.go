package driver

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// A task is work for a poller: fn, or when fn is nil, resuming the read of
// handle h.
type task struct {
	fn func()
	h  Handle
}

// submit queues t. A poller that is running takes it on its next turn; one
// blocked in epoll_wait is woken through its eventfd, once however many
// tasks come before it wakes. A busy poller so costs its submitters no
// syscall.
func (p *poller) submit(t task) {
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		return // the pool stopped: its eventfd is closed, or another file's now
	}
	p.tasks = append(p.tasks, t)
	wake := p.sleeping && !p.woken
	p.woken = p.woken || wake
	p.mu.Unlock()
	if wake {
		p.wake()
	}
}

// wake makes the poller's epoll_wait return.
func (p *poller) wake() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(p.efd, one[:])
		if err != unix.EINTR {
			return // EAGAIN: the counter is already non-zero, the poller will wake
		}
	}
}

// drainWake resets the eventfd counter after it fired.
func (p *poller) drainWake() {
	var b [8]byte
	for {
		_, err := unix.Read(p.efd, b[:])
		if err != unix.EINTR {
			return
		}
	}
}

// runTasks runs the tasks queued so far.
func (p *poller) runTasks() {
	p.mu.Lock()
	ts := p.tasks
	p.tasks = p.spare[:0]
	p.mu.Unlock()
	for i, t := range ts {
		if t.fn != nil {
			t.fn()
		} else {
			p.resume(t.h)
		}
		ts[i] = task{}
	}
	p.mu.Lock()
	p.spare = ts[:0]
	p.mu.Unlock()
}
