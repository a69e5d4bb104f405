package driver

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// wakeTag marks the eventfd's events; slot indexes never reach it.
const wakeTag = ^uint32(0)

// maxReads bounds the reads one socket gets per event when each read fills
// the buffer, so a flooding peer cannot starve the poller's other sockets:
// the socket goes on the ready list and continues after the others.
const maxReads = 4

// poller is one goroutine in epoll_wait serving its share of the sockets.
type poller struct {
	pool   *Pool
	epfd   int
	parked syscall.RawConn // epfd in Go's netpoller, where an idle poller waits
	// pollReady is pollReadyOnce bound once; readyN and readyErr are what
	// it saw.
	pollReady func(fd uintptr) bool
	readyN    int
	readyErr  error
	file      *os.File // owns epfd
	efd       int      // eventfd: wakes epoll_wait for submitted tasks
	buf       []byte   // the shared read buffer
	events    [128]unix.EpollEvent
	ready     []Handle // sockets with more to read after their maxReads
	stop      atomic.Bool

	mu       sync.Mutex // guards tasks, spare, sleeping, woken and dead
	tasks    []task
	spare    []task
	sleeping bool // waiting (or about to wait) for events
	woken    bool // the eventfd was written since it blocked
	dead     bool // stopped: take no more tasks
}

func newPoller(pl *Pool, bufSize int) (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	p := &poller{pool: pl, epfd: epfd, efd: efd, buf: make([]byte, bufSize)}
	p.pollReady = p.pollReadyOnce
	// A non-blocking epoll fd is pollable: os.NewFile puts it in Go's
	// netpoller, which tells when the set has events.
	err = unix.SetNonblock(epfd, true)
	if err == nil {
		p.file = os.NewFile(uintptr(epfd), "epoll")
		p.parked, err = p.file.SyscallConn()
	}
	if err == nil {
		err = p.add(efd, wakeTag, 0, unix.EPOLLIN|unix.EPOLLET)
	}
	if err != nil {
		p.closeFds()
		return nil, err
	}
	return p, nil
}

func (p *poller) closeFds() {
	p.mu.Lock()
	p.dead = true
	p.mu.Unlock()
	unix.Close(p.efd)
	if p.file != nil {
		p.file.Close()
	} else {
		unix.Close(p.epfd)
	}
}

// wait returns the next events, waiting for them when block is set. A
// poller waits parked in Go's netpoller, not in epoll_wait: a goroutine
// blocked in a system call keeps its P until sysmon takes it back (20 µs
// to 10 ms), and the goroutines that the other pollers or the kernel make
// runnable meanwhile wait for it. Parked, it holds nothing: the runtime
// runs it again when epfd has events, as it does a goroutine reading a
// socket.
func (p *poller) wait(block bool) (int, error) {
	if !block {
		return unix.EpollWait(p.epfd, p.events[:], 0)
	}
	if perr := p.parked.Read(p.pollReady); perr != nil {
		return 0, perr // epfd is closed only once the poller has stopped
	}
	return p.readyN, p.readyErr
}

// pollReadyOnce is wait's callback: it polls, and reports whether to stop
// waiting. It is bound once (pollReady), so that waiting allocates
// nothing.
func (p *poller) pollReadyOnce(fd uintptr) bool {
	for {
		p.readyN, p.readyErr = unix.EpollWait(int(fd), p.events[:], 0)
		if p.readyErr != unix.EINTR {
			return p.readyN > 0 || p.readyErr != nil
		}
	}
}

// add registers fd with the event tag (idx, gen).
func (p *poller) add(fd int, idx, gen uint32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(idx), Pad: int32(gen)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// modify changes the interest set of a registered fd.
func (p *poller) modify(fd int, idx, gen uint32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(idx), Pad: int32(gen)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

// run is the poller's loop. After a batch of events it yields the
// processor (runtime.Gosched), so that the goroutines its deliveries made
// runnable answer now rather than after the poller has read everything
// there is, and polls again with a zero timeout; only when that finds
// nothing does it yield once more and wait (see wait). Both choices were
// measured: see docs/DESIGN.md, driver: Yielding.
func (p *poller) run(wg *sync.WaitGroup) {
	defer wg.Done()
	timeout := -1
	for !p.stop.Load() {
		if timeout != 0 && !p.sleep() {
			timeout = 0 // a task came: look again, don't block
		}
		n, err := p.wait(timeout != 0)
		if timeout != 0 {
			p.awake()
		}
		if err != nil && err != unix.EINTR {
			panic("driver: epoll_wait: " + err.Error()) // EBADF/EFAULT/EINVAL: a bug of ours
		}
		for i := range n {
			ev := &p.events[i]
			if uint32(ev.Fd) == wakeTag {
				p.drainWake()
				continue
			}
			p.dispatch(uint32(ev.Fd), uint32(ev.Pad), ev.Events)
		}
		if p.hasTasks() {
			p.runTasks()
		}
		if len(p.ready) > 0 {
			p.runReady()
		}
		switch {
		case n > 0 || len(p.ready) > 0:
			runtime.Gosched()
			timeout = 0
		case timeout == 0:
			runtime.Gosched()
			timeout = -1
		}
	}
}

func (p *poller) hasTasks() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.tasks) > 0
}

// sleep marks the poller as about to block in epoll_wait, so that submit
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

// awake marks the poller as back from epoll_wait.
func (p *poller) awake() {
	p.mu.Lock()
	p.sleeping, p.woken = false, false
	p.mu.Unlock()
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
	case kindRaw:
		s.rawEvent(events)
		s.mu.Unlock()
	}
}
