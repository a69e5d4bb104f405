package driver

import (
	"encoding/binary"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// wakeTag marks the eventfd's events; slot indexes never reach it.
const wakeTag = ^uint32(0)

// epoller is the epoll backend: one epoll set per poller, which the
// poller waits on and reads its sockets' events from.
type epoller struct {
	epfd   int
	parked syscall.RawConn // epfd in Go's netpoller, where an idle poller waits
	// pollReady is pollReadyOnce bound once; readyN and readyErr are what
	// it saw.
	pollReady func(fd uintptr) bool
	readyN    int
	readyErr  error
	file      *os.File // owns epfd
	efd       int      // eventfd: wakes epoll_wait for submitted tasks
	events    [128]unix.EpollEvent
}

func newEpoller() (*epoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	e := &epoller{epfd: epfd, efd: efd}
	e.pollReady = e.pollReadyOnce
	// A non-blocking epoll fd is pollable: os.NewFile puts it in Go's
	// netpoller, which tells when the set has events.
	err = unix.SetNonblock(epfd, true)
	if err == nil {
		e.file = os.NewFile(uintptr(epfd), "epoll")
		e.parked, err = e.file.SyscallConn()
	}
	if err == nil {
		err = e.ctl(unix.EPOLL_CTL_ADD, efd, wakeTag, 0, unix.EPOLLIN|unix.EPOLLET)
	}
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *epoller) close() {
	unix.Close(e.efd)
	if e.file != nil {
		e.file.Close()
	} else {
		unix.Close(e.epfd)
	}
}

// wait returns the next events, waiting for them when block is set.
// Every look keeps the guard of raw system calls armed (fastsys_linux.go):
// a busy poller looks without blocking, turn after turn. A
// poller waits parked in Go's netpoller, not in epoll_wait: a goroutine
// blocked in a system call keeps its P until sysmon takes it back (20 µs
// to 10 ms), and the goroutines that the other pollers or the kernel make
// runnable meanwhile wait for it. Parked, it holds nothing: the runtime
// runs it again when epfd has events, as it does a goroutine reading a
// socket.
func (e *epoller) wait(block bool) (int, error) {
	if !block {
		return pollNow(e.epfd, e.events[:], guardWake())
	}
	if perr := e.parked.Read(e.pollReady); perr != nil {
		return 0, perr // epfd is closed only once the poller has stopped
	}
	return e.readyN, e.readyErr
}

// pollReadyOnce is wait's callback: it polls, and reports whether to stop
// waiting. It is bound once (pollReady), so that waiting allocates
// nothing. It runs as the poller begins to wait and again each time Go's
// netpoller wakes it, so it keeps the guard of raw system calls armed
// (see fastsys_linux.go), and polls raw while it is.
func (e *epoller) pollReadyOnce(fd uintptr) bool {
	raw := guardWake()
	for {
		e.readyN, e.readyErr = pollNow(int(fd), e.events[:], raw)
		if e.readyErr != unix.EINTR {
			return e.readyN > 0 || e.readyErr != nil
		}
	}
}

// ctl adds or modifies fd in the set, with the event tag (idx, gen).
func (e *epoller) ctl(op, fd int, idx, gen uint32, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(idx), Pad: int32(gen)}
	return unix.EpollCtl(e.epfd, op, fd, &ev)
}

func (e *epoller) add(s *slot, events uint32) error {
	return e.ctl(unix.EPOLL_CTL_ADD, int(s.fd), s.idx, s.gen, events)
}

func (e *epoller) modify(s *slot, events uint32) error {
	return e.ctl(unix.EPOLL_CTL_MOD, int(s.fd), s.idx, s.gen, events)
}

func (e *epoller) del(s *slot) {
	_ = unix.EpollCtl(e.epfd, unix.EPOLL_CTL_DEL, int(s.fd), nil)
}

// again does nothing: the set is edge-triggered, and the kernel raises the
// next edge by itself.
func (e *epoller) again(*slot, bool) {}

// run is the poller's loop. After a batch of events it yields the
// processor (runtime.Gosched), so that the goroutines its deliveries made
// runnable answer now rather than after the poller has read everything
// there is, and then waits (see wait), which polls with a zero timeout
// before it parks: it parks only when that look finds nothing. Both
// choices were measured: see docs/DESIGN.md, driver: Yielding.
func (e *epoller) run(p *poller) {
	timeout := -1
	for !p.stop.Load() {
		if timeout != 0 && !p.sleep() {
			timeout = 0 // a task came: look again, don't block
		}
		n, err := e.wait(timeout != 0)
		if timeout != 0 {
			p.awake()
		}
		if err != nil && err != unix.EINTR {
			panic("driver: epoll_wait: " + err.Error()) // EBADF/EFAULT/EINVAL: a bug of ours
		}
		for i := range n {
			ev := &e.events[i]
			if uint32(ev.Fd) == wakeTag {
				e.drainWake()
				continue
			}
			p.dispatch(uint32(ev.Fd), uint32(ev.Pad), ev.Events)
		}
		// After events, the wait may block at once: it polls before it
		// parks (pollReadyOnce), which is the look again without a second
		// zero-timeout epoll_wait. Only sockets on the ready list keep the
		// next look from parking.
		p.endTurn(n, timeout != 0)
		if len(p.ready) > 0 {
			timeout = 0
		} else {
			timeout = -1
		}
	}
}

// wake makes the poller's epoll_wait return.
func (e *epoller) wake() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(e.efd, one[:])
		if err != unix.EINTR {
			return // EAGAIN: the counter is already non-zero, the poller will wake
		}
	}
}

// drainWake resets the eventfd counter after it fired.
func (e *epoller) drainWake() {
	var b [8]byte
	for {
		_, err := unix.Read(e.efd, b[:])
		if err != unix.EINTR {
			return
		}
	}
}
