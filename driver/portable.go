//go:build unix

package driver

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// portable is the portable backend: Go's own netpoller (epoll, kqueue,
// event ports, as the runtime has it) tells a socket's readiness, and the
// poller goroutine, woken by a channel, runs the events as the epoll
// backend's does.
//
// Each socket's fd is owned by an os.File, which puts it in the
// netpoller. Where the epoll backend's set is edge-triggered for good,
// here a goroutine is started for a direction when a call met EAGAIN
// there (again): it waits on the file's syscall.RawConn, which parks it in
// the netpoller and holds no thread, queues the event it saw on the
// poller, and ends. So a connection waiting for data costs one parked
// goroutine, and one with writes queued a second goroutine while they
// wait. A connection paused while idle (its last read met EAGAIN) keeps
// its read goroutine until data comes (it then queues the event, which
// the paused socket only notes); one paused with data still unread has
// none.
//
// The goroutine holds no reference on the slot: closing the socket wakes
// it (del, through a past deadline), and the file's Close (finishClose)
// waits until it has left RawRead or RawWrite, as os.File counts its own
// users of the fd, and closes the fd then, before it returns. So a port
// is free once Pool.Close returns, as under epoll.
type portable struct {
	p     *poller
	wakec chan struct{} // wakes run; holds one token at most
	wg    sync.WaitGroup
}

func newPortable(p *poller) *portable {
	return &portable{p: p, wakec: make(chan struct{}, 1)}
}

func (b *portable) run(p *poller) {
	for !p.stop.Load() {
		if len(p.ready) == 0 && p.sleep() {
			<-b.wakec
			p.awake()
		}
		if p.hasTasks() {
			p.runTasks()
		}
		if len(p.ready) > 0 {
			p.runReady()
		}
	}
}

func (b *portable) wake() {
	select {
	case b.wakec <- struct{}{}:
	default:
	}
}

// close waits for the goroutines that waited on sockets: they were woken
// when their sockets closed.
func (b *portable) close() { b.wg.Wait() }

// add gives the socket's fd to an os.File, in Go's netpoller (attachFile).
// Nothing waits on it until a call meets EAGAIN (again).
func (b *portable) add(s *slot, _ uint32) error { return attachFile(s) }

// modify waits for writability when evOut is asked for: writes are
// queued (arm). An event that comes when no longer wanted (a drained
// queue) is dropped by connEvent, as epoll's would be.
func (b *portable) modify(s *slot, events uint32) error {
	if events&evOut != 0 {
		b.again(s, true)
	}
	return nil
}

// del wakes the goroutines that wait on the closing socket, so that they
// end even while a syscall made outside the slot's lock (an Accept's
// accept4) holds the fd open; the file's Close waits for them anyway.
func (b *portable) del(s *slot) {
	if s.state&(stRdWait|stWrWait) != 0 {
		_ = s.x.file.SetDeadline(pastDeadline)
	}
}

// again starts a goroutine that waits for the socket's readiness in the
// direction, unless one waits already. The caller holds s.mu and the slot
// is open.
func (b *portable) again(s *slot, write bool) {
	bit := stRdWait
	if write {
		bit = stWrWait
	}
	if s.state&bit != 0 || s.x == nil || s.x.file == nil {
		return
	}
	s.state |= bit
	b.wg.Add(1)
	go b.watch(s, s.x.rc, makeHandle(s.idx, s.gen), write, bit)
}

// watch waits until the socket of h, in slot s, is ready in its direction
// or closed, and queues the event on the poller. It clears its state bit
// only while the slot still holds h's socket: a closed slot's state is
// reset when it is freed, and a new socket there may have a waiter of its
// own by then. The first look polls the
// fd, since readiness that came before the wait began is not reported
// again; a wake-up from the netpoller is taken as readiness: a spurious
// one costs one EAGAIN.
func (b *portable) watch(s *slot, rc syscall.RawConn, h Handle, write bool, bit uint16) {
	defer b.wg.Done()
	var ev uint32
	first := true
	ready := func(fd uintptr) bool {
		if first {
			first = false
			ev = poll(int(fd), write)
			return ev != 0
		}
		ev = evIn
		if write {
			ev = evOut
		}
		return true
	}
	var err error
	if write {
		err = rc.Write(ready)
	} else {
		err = rc.Read(ready)
	}
	s.mu.Lock()
	open := s.open(h.gen())
	if open {
		s.state &^= bit
	}
	s.mu.Unlock()
	if err == nil && open {
		b.p.submit(task{h: h, ev: ev})
	}
}

// poll returns the readiness of fd in the direction, as events, or 0.
func poll(fd int, write bool) uint32 {
	want := int16(unix.POLLIN)
	if write {
		want = unix.POLLOUT
	}
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: want}}
	for {
		n, err := unix.Poll(fds[:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return 0
		}
		break
	}
	var ev uint32
	r := fds[0].Revents
	if r&unix.POLLIN != 0 {
		ev |= evIn
	}
	if r&unix.POLLOUT != 0 {
		ev |= evOut
	}
	if r&unix.POLLERR != 0 {
		ev |= evErr
	}
	if r&unix.POLLHUP != 0 {
		ev |= evHup
	}
	return ev
}
