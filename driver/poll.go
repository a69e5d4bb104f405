package driver

import (
	"sync"

	"github.com/otpnet/otpnet/internal/unix"
)

// pollBackend is the poll backend: each poller waits in poll(2), or in
// Winsock's WSAPoll on Windows, where it is the default, on the sockets
// that want an event now and a wake-up fd.
//
// poll is level-triggered, and the driver is written for an edge-triggered
// set (epoll_linux.go): it reads, writes and accepts until EAGAIN, and
// wants an event only then. So interest is one-shot here, as under the
// portable backend: again arms a direction (POLLIN for reading and
// accepting, POLLOUT for writing and connecting), modify arms or disarms
// POLLOUT with the write queue, and an event disarms what it reports. A
// socket that wants nothing (a connection paused, or read but not yet
// drained, and with nothing queued) is not in the poll set at all, so it
// makes no busy loop, and poll's ERR and HUP, which it reports whatever
// the interest, end the socket's interest in both directions.
//
// A poll call costs O(the sockets in the set), in the kernel and in the
// rebuild of the set that the changes of interest since the last call
// make: the price of a backend that needs only poll. The set lives in
// regs, guarded by mu, since again, modify and del come from any
// goroutine; a change from another goroutine while the poller waits
// wakes it (nudge), and one the poller makes itself, as it reads, costs
// no syscall.
//
// del wakes a poller that polls the closing socket, and waits until its
// poll has returned: Linux's poll holds a reference to every file it
// waits on, so the socket's close(2), which follows del, would not send
// its FIN, nor free its port, until the poll returned; and Winsock's
// closesocket of a socket that WSAPoll waits on is undefined. So a Close
// from another goroutine than the poller costs a wake-up of the poller
// here (as a close under the portable backend waits for the goroutines
// parked on the socket); a handler's Close, on the poller, costs none.
type pollBackend struct {
	p  *poller
	wr int // the wake-up fd poll waits on; woken through ww
	ww int

	mu sync.Mutex
	// regs are the sockets in the poll set, by slot index. One that
	// wants nothing any more stays until the set is built again, so that
	// del knows that the poll under way may hold it.
	regs    map[uint32]pollReg
	dirty   bool       // regs changed since fds was built
	polling bool       // the poller is in poll with the set of round
	round   uint64     // counts the sets built
	polled  *sync.Cond // on mu: signalled when a poll returns

	// Only the poller uses these.
	fds    []unix.PollFd // fds[0] is wr
	tags   []pollEvent   // tags[i] is the socket of fds[i], i > 0 (ev unused)
	events []pollEvent   // what the last poll saw, to dispatch
}

// pollReg is a socket in the poll set: its fd, the generation of the
// socket it belongs to, and the events it wants (POLLIN, POLLOUT).
type pollReg struct {
	fd   int32
	gen  uint32
	want int16
}

// pollEvent is an event to dispatch: the socket's slot index and
// generation, and the events.
type pollEvent struct {
	idx, gen, ev uint32
}

// pollWakePair makes the wake-up fds of a poll backend: a pipe on Unix
// (pipePair), a loopback UDP socket pair on Windows, where WSAPoll takes
// only sockets (udpPair). Tests swap it while no pool runs.
var pollWakePair = defaultWakePair

func newPollBackend(p *poller) (*pollBackend, error) {
	r, w, err := pollWakePair()
	if err != nil {
		return nil, err
	}
	b := &pollBackend{p: p, wr: r, ww: w, regs: make(map[uint32]pollReg)}
	b.polled = sync.NewCond(&b.mu)
	b.fds = []unix.PollFd{{Fd: int32(r), Events: unix.POLLIN}}
	b.tags = []pollEvent{{}}
	return b, nil
}

func (b *pollBackend) close() {
	unix.Close(b.wr)
	unix.Close(b.ww)
}

// add registers nothing: the socket enters the poll set when a call on it
// meets EAGAIN (again), or writes queue (modify).
func (b *pollBackend) add(*slot, uint32) error { return nil }

// modify arms POLLOUT when evOut is asked for (writes are queued), and
// disarms it otherwise.
func (b *pollBackend) modify(s *slot, events uint32) error {
	if events&evOut != 0 {
		b.arm(s, unix.POLLOUT, 0)
	} else {
		b.arm(s, 0, unix.POLLOUT)
	}
	return nil
}

// again arms the direction in which a call met EAGAIN.
func (b *pollBackend) again(s *slot, write bool) {
	if write {
		b.arm(s, unix.POLLOUT, 0)
	} else {
		b.arm(s, unix.POLLIN, 0)
	}
}

// arm adds the events on to s's interest and takes off away, and wakes
// the poller when it waits and new interest came. The caller holds s.mu,
// and the slot is open.
func (b *pollBackend) arm(s *slot, on, off int16) {
	b.mu.Lock()
	r, ok := b.regs[s.idx]
	if !ok || r.gen != s.gen {
		r = pollReg{fd: s.fd, gen: s.gen} // not in the set
	}
	want := r.want&^off | on
	if want == r.want {
		b.mu.Unlock()
		return
	}
	more := want&^r.want != 0
	r.want = want
	b.regs[s.idx] = r
	b.dirty = true
	b.mu.Unlock()
	if more {
		b.p.nudge()
	}
}

// del takes the closing socket out of the poll set. When the poller polls
// a set that holds it, del wakes the poller and waits until that poll has
// returned (see pollBackend); the poller takes no slot's lock before.
func (b *pollBackend) del(s *slot) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.regs[s.idx]; !ok {
		return
	}
	delete(b.regs, s.idx)
	b.dirty = true
	if !b.polling {
		return // the next set is built without it
	}
	b.p.nudge()
	for round := b.round; b.polling && b.round == round; {
		b.polled.Wait()
	}
}

// wake makes the poller's poll return.
func (b *pollBackend) wake() {
	var one = [1]byte{1}
	for {
		_, err := unix.Write(b.ww, one[:])
		if err != unix.EINTR {
			return // EAGAIN: bytes wait already, the poller will wake
		}
	}
}

// drainWake reads the wake-up fd empty.
func (b *pollBackend) drainWake() {
	var buf [64]byte
	for {
		_, err := unix.Read(b.wr, buf[:])
		if err != nil && err != unix.EINTR {
			return // EAGAIN
		}
	}
}

// build makes fds the poll set of regs, if they changed, and marks the
// poller as polling it. The caller holds b.mu.
func (b *pollBackend) build() {
	b.polling = true
	b.round++
	if !b.dirty {
		return
	}
	b.dirty = false
	b.fds, b.tags = b.fds[:1], b.tags[:1]
	for idx, r := range b.regs {
		if r.want == 0 {
			delete(b.regs, idx)
			continue
		}
		b.fds = append(b.fds, unix.PollFd{Fd: r.fd, Events: r.want})
		b.tags = append(b.tags, pollEvent{idx: idx, gen: r.gen})
	}
}

// collect turns what poll saw into events, and disarms what they report:
// a direction that fired, or both on ERR, HUP or NVAL. An entry whose slot
// holds another socket since the set was built is left alone; its event
// is stale, and dispatch drops it.
func (b *pollBackend) collect() {
	b.events = b.events[:0]
	if b.fds[0].Revents != 0 {
		b.drainWake()
	}
	b.mu.Lock()
	for i := 1; i < len(b.fds); i++ {
		got := b.fds[i].Revents
		if got == 0 {
			continue
		}
		tag := b.tags[i]
		var ev uint32
		off := got & (unix.POLLIN | unix.POLLOUT)
		if got&unix.POLLIN != 0 {
			ev |= evIn
		}
		if got&unix.POLLOUT != 0 {
			ev |= evOut
		}
		if got&(unix.POLLERR|unix.POLLNVAL) != 0 {
			ev |= evErr
			off = unix.POLLIN | unix.POLLOUT
		}
		if got&unix.POLLHUP != 0 {
			ev |= evHup
			off = unix.POLLIN | unix.POLLOUT
		}
		if r, ok := b.regs[tag.idx]; ok && r.gen == tag.gen && r.want&off != 0 {
			r.want &^= off
			b.regs[tag.idx] = r
			b.dirty = true
		}
		tag.ev = ev
		b.events = append(b.events, tag)
	}
	b.mu.Unlock()
}

// poll waits for the set's events, blocking when block is set.
func (b *pollBackend) poll(block bool) error {
	timeout := 0
	if block {
		timeout = -1
	}
	b.mu.Lock()
	b.build()
	b.mu.Unlock()
	_, err := unix.Poll(b.fds, timeout)
	b.mu.Lock()
	b.polling = false
	b.polled.Broadcast()
	b.mu.Unlock()
	return err
}

// run is the poller's loop, as epoll's (see epoller.run): it yields
// after a batch of events and polls again without waiting, and waits
// only when that finds nothing. It waits in the poll system call, which
// holds its thread.
func (b *pollBackend) run(p *poller) {
	block := true
	for !p.stop.Load() {
		if block && !p.sleep() {
			block = false // a task came: look again, don't wait
		}
		err := b.poll(block)
		if block {
			p.awake()
		}
		n := 0
		switch err {
		case nil:
			b.collect()
			n = len(b.events)
		case unix.EINTR:
		case unix.EBADF, unix.ENOTSOCK:
			// Winsock: a socket of the set was closed behind the
			// pool's back (an adopted one); WSAPoll fails for the whole
			// set where poll(2) reports POLLNVAL for that fd.
		default:
			panic("driver: poll: " + err.Error()) // EFAULT/EINVAL/ENOMEM: a bug of ours
		}
		for _, e := range b.events[:n] {
			p.dispatch(e.idx, e.gen, e.ev)
		}
		block = p.endTurn(n, block)
	}
}
