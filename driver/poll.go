package driver

import (
	"sync"
	"time"

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
// A socket can stay in an error state that poll reports while its calls
// still meet EAGAIN: a UDP socket with IP_RECVERR whose error queue holds
// an ICMP error, where epoll's edge comes once but poll reports POLLERR
// at every call. Put back in the set at once, such a socket would make
// the poller and the caller that waits on it spin. So a socket that met
// EAGAIN right after an event of ERR, HUP or NVAL alone (no POLLIN nor
// POLLOUT) is held out of the set for pollHoldBackoff, during which the
// poller's poll times out to take it back: it then costs a call every
// pollHoldBackoff, not a spin, and data that comes while it is held
// waits up to that long. An event with POLLIN or POLLOUT, or a hold,
// clears the mark, so a socket whose error is gone is held once at most.
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
	// del knows that the poll under way may hold it, and after that
	// while it bears pollErrOnly, out of the set, for its next again.
	regs    map[uint32]pollReg
	dirty   bool       // regs changed since fds was built
	holding bool       // some regs may be held (pollHeld) until holdEnd
	holdEnd time.Time  // when the held regs go back in the set
	polling bool       // the poller is in poll with the set of round
	round   uint64     // counts the sets built
	polled  *sync.Cond // on mu: signalled when a poll returns

	// Only the poller uses these.
	fds    []unix.PollFd // fds[0] is wr
	tags   []pollEvent   // tags[i] is the socket of fds[i], i > 0 (ev unused)
	events []pollEvent   // what the last poll saw, to dispatch
}

// pollReg is a socket in the poll set: its fd, the generation of the
// socket it belongs to, the events it wants (POLLIN, POLLOUT) and its
// marks (pollErrOnly, pollHeld).
type pollReg struct {
	fd    int32
	gen   uint32
	want  int16
	marks uint8
}

// The marks of a pollReg.
const (
	// pollErrOnly: poll's last event for the socket was ERR, HUP or NVAL
	// alone, so EAGAIN now holds it (pollHeld).
	pollErrOnly uint8 = 1 << iota
	// pollHeld: out of the set, whatever it wants, until holdEnd.
	pollHeld
)

// pollHoldBackoff is how long a socket that met EAGAIN right after an
// event of ERR or HUP alone stays out of the poll set (see pollBackend).
// Tests change it while no pool runs.
var pollHoldBackoff = 10 * time.Millisecond

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
		b.arm(s, unix.POLLOUT, 0, false)
	} else {
		b.arm(s, 0, unix.POLLOUT, false)
	}
	return nil
}

// again arms the direction in which a call met EAGAIN, and holds the
// socket out of the set when that follows an event of ERR or HUP alone.
func (b *pollBackend) again(s *slot, write bool) {
	if write {
		b.arm(s, unix.POLLOUT, 0, true)
	} else {
		b.arm(s, unix.POLLIN, 0, true)
	}
}

// arm adds the events on to s's interest and takes off away, holds the
// socket (pollHeld) when eagain tells that a call met EAGAIN after an
// event of ERR or HUP alone, and wakes the poller when it waits and new
// interest, or a hold, came. The caller holds s.mu, and the slot is open.
func (b *pollBackend) arm(s *slot, on, off int16, eagain bool) {
	b.mu.Lock()
	r, ok := b.regs[s.idx]
	if !ok || r.gen != s.gen {
		r = pollReg{fd: s.fd, gen: s.gen} // not in the set
	}
	want := r.want&^off | on
	hold := eagain && r.marks&pollErrOnly != 0
	if want == r.want && !hold {
		b.mu.Unlock()
		return
	}
	more := want&^r.want != 0 || hold
	r.want = want
	if hold {
		r.marks = r.marks&^pollErrOnly | pollHeld
		if !b.holding {
			b.holding, b.holdEnd = true, time.Now().Add(pollHoldBackoff)
		}
	}
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
// poller as polling it. It reports how long the poll may wait at most,
// in milliseconds (-1: for ever): until the held sockets go back in the
// set, which they do once their time has come. The caller holds b.mu.
func (b *pollBackend) build() (timeout int) {
	b.polling = true
	b.round++
	timeout = -1
	if b.holding {
		if d := time.Until(b.holdEnd); d > 0 {
			timeout = int((d + time.Millisecond - 1) / time.Millisecond)
		} else {
			b.release()
		}
	}
	if !b.dirty {
		return timeout
	}
	b.dirty = false
	b.fds, b.tags = b.fds[:1], b.tags[:1]
	for idx, r := range b.regs {
		if r.want == 0 && r.marks&pollErrOnly == 0 {
			delete(b.regs, idx)
			continue
		}
		if r.want == 0 || r.marks&pollHeld != 0 {
			continue // kept for its mark, or held
		}
		b.fds = append(b.fds, unix.PollFd{Fd: r.fd, Events: r.want})
		b.tags = append(b.tags, pollEvent{idx: idx, gen: r.gen})
	}
	return timeout
}

// release puts the held sockets back in the set. The caller holds b.mu.
func (b *pollBackend) release() {
	b.holding = false
	for idx, r := range b.regs {
		if r.marks&pollHeld != 0 {
			r.marks &^= pollHeld
			b.regs[idx] = r
			b.dirty = true
		}
	}
}

// collect turns what poll saw into events, and disarms what they report
// (see pollRevents). An entry whose slot holds another socket since the
// set was built is left alone; its event is stale, and dispatch drops it.
// It reports whether the wake-up fd was readable too.
func (b *pollBackend) collect() (woken bool) {
	b.events = b.events[:0]
	if b.fds[0].Revents != 0 {
		b.drainWake()
		woken = true
	}
	b.mu.Lock()
	for i := 1; i < len(b.fds); i++ {
		got := b.fds[i].Revents
		if got == 0 {
			continue
		}
		tag := b.tags[i]
		ev, off, errOnly := pollRevents(got, &sysPollBits)
		if r, ok := b.regs[tag.idx]; ok && r.gen == tag.gen {
			marks := r.marks &^ pollErrOnly
			if errOnly {
				marks |= pollErrOnly
			}
			if r.want&off != 0 || marks != r.marks {
				r.want &^= off
				r.marks = marks
				b.regs[tag.idx] = r
				b.dirty = true
			}
		}
		tag.ev = ev
		b.events = append(b.events, tag)
	}
	b.mu.Unlock()
	return woken
}

// pollBits are a system's poll event bits.
type pollBits struct {
	in, out, err, hup, nval int16
}

// sysPollBits are this system's: on Windows POLLIN is two bits,
// POLLRDNORM|POLLRDBAND, and WSAPoll reports data with POLLRDNORM alone.
var sysPollBits = pollBits{unix.POLLIN, unix.POLLOUT, unix.POLLERR, unix.POLLHUP, unix.POLLNVAL}

// pollRevents turns an entry's revents got, in the bits k, into the
// driver's events ev, the interest an event disarms, off, and whether it
// is an error alone (errOnly: ERR, HUP or NVAL without POLLIN or
// POLLOUT). A direction that fired is disarmed whole, whichever of its
// bits poll reported; ERR, HUP and NVAL disarm both.
func pollRevents(got int16, k *pollBits) (ev uint32, off int16, errOnly bool) {
	if got&k.in != 0 {
		ev |= evIn
		off |= k.in
	}
	if got&k.out != 0 {
		ev |= evOut
		off |= k.out
	}
	if got&(k.err|k.nval) != 0 {
		ev |= evErr
	}
	if got&k.hup != 0 {
		ev |= evHup
	}
	if got&(k.err|k.hup|k.nval) != 0 {
		errOnly = off == 0
		off = k.in | k.out
	}
	return ev, off, errOnly
}

// poll waits for the set's events, blocking when block is set (until
// the held sockets' time, if some are held).
func (b *pollBackend) poll(block bool) error {
	b.mu.Lock()
	timeout := b.build()
	b.mu.Unlock()
	if !block {
		timeout = 0
	}
	_, err := unix.Poll(b.fds, timeout)
	b.mu.Lock()
	b.polling = false
	b.polled.Broadcast()
	b.mu.Unlock()
	return err
}

// pollErrBackoff is how long the poller waits before it polls again after
// poll failed for want of resources.
const pollErrBackoff = time.Millisecond

// run is the poller's loop, as epoll's (see epoller.run): it yields
// after a batch of events and polls again without waiting, and waits
// only when that finds nothing. It waits in the poll system call, which
// holds its thread. n counts the wake-up fd's event, as epoll's count
// does, so a turn woken by a task alone looks again without waiting.
//
// poll(2) fails with EFAULT or EINVAL only for a bug of ours (a bad
// array or too many fds): the poller panics. Its other failures, ENOMEM
// (and WSAPoll's WSAENOBUFS and WSAENETDOWN) are a want of resources
// that may pass: the poller backs off a millisecond and polls again.
// A socket closed behind the pool's back fails neither: poll(2) and
// WSAPoll report POLLNVAL in its entry.
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
			if b.collect() {
				n++
			}
			for _, e := range b.events {
				p.dispatch(e.idx, e.gen, e.ev)
			}
			n += len(b.events)
		case unix.EINTR:
		case unix.EFAULT, unix.EINVAL:
			panic("driver: poll: " + err.Error()) // a bug of ours
		default:
			time.Sleep(pollErrBackoff)
		}
		block = p.endTurn(n, block)
	}
}
