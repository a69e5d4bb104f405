package socket

import (
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// A listening socket's accepts, as inet_drv serves them: one queue of
// waiting calls, Accept's and AsyncAccept's alike, first come first
// served (its multi-accept queue). The port accepts for the call at the
// head, on the caller's goroutine when a connection is waiting already,
// else on the listener's poller when one comes (driver.TryAccept), and
// answers it: Accept's goroutine on its channel, AsyncAccept's caller by
// an *AcceptResult in its mailbox. Nothing waits in a goroutine but the
// caller of Accept itself.
//
// The port monitors each waiting caller (actor.MonitorPID, which costs a
// Process or an owner-mailbox actor no allocation and no registry entry),
// as inet_drv monitors its accepting processes (driver_monitor_process):
// a caller that stops leaves the queue at once, and the next connection
// goes to the next caller that is alive. OTP's caller is dead then, and
// sees nothing; the goroutine that called Accept for a Process that has
// been closed returns closed (ErrClosed), and a stopped AsyncAccept's
// caller gets no message.

// acceptQueue is a listening socket's queue of accepts. Guarded by the
// listening socket's mu.
type acceptQueue struct {
	waits  []*acceptWait // first come, first served
	free   []*acceptWait // finished Accepts' waits, for the next Accepts
	spare  *Socket       // the port of the next connection, made ahead of it
	notify func()        // the listening socket's acceptReady, for the driver
}

// acceptWait is a call waiting in the accept queue: Accept's (done is
// its channel) or AsyncAccept's (done is nil; msg is its answer). It is
// the monitor of its caller.
type acceptWait struct {
	asyncCall
	l     *Socket
	state waitState
	done  chan acceptReply // 1-buffered: the port never blocks on it
	msg   AcceptResult
}

// acceptReply is Accept's answer.
type acceptReply struct {
	s   *Socket
	err error
}

// waitState is where a waiting accept is.
type waitState uint8

const (
	waitNew    waitState = iota // its caller monitored, not yet queued
	waitQueued                  // in the queue
	waitDone                    // answered, timed out, cancelled or dropped
)

// newAcceptQueue returns the accept queue of listening socket l.
func newAcceptQueue(l *Socket) *acceptQueue {
	return &acceptQueue{notify: l.acceptReady}
}

// find returns the queued AsyncAccept of ref, or nil.
func (q *acceptQueue) find(ref AsyncRef) *acceptWait {
	for _, w := range q.waits {
		if w.ref == ref && w.done == nil {
			return w
		}
	}
	return nil
}

// remove takes w out of the queue.
func (q *acceptQueue) remove(w *acceptWait) {
	if i := slices.Index(q.waits, w); i >= 0 {
		q.waits = slices.Delete(q.waits, i, i+1)
	}
	w.state = waitDone
}

// Accept is gen_tcp:accept(ListenSocket, Timeout): the next connection,
// owned by the caller, with the listening socket's options. It fails with
// timeout, closed when the listening socket closes, or the kernel's error
// (emfile, ...). Timeout Infinity waits for ever. Concurrent Accepts (and
// AsyncAccepts) are served first come, first served, as by inet_drv's
// multi-accept queue. The port monitors the caller: when its process stops
// while Accept waits (a Process closed, an actor stopped), Accept returns
// closed at once, and the next connection goes to the next caller. OTP's
// accepting process is dead then and sees nothing. A caller whose process
// has already stopped gets noproc (ErrNoProc), inet_drv's answer to an
// accept whose caller it cannot monitor.
func (l *Socket) Accept(c Caller, timeout time.Duration) (*Socket, error) {
	return l.accept(c, timeout, nil)
}

// accept is Accept that also gives up, with errStopped, when stop closes
// (a nil stop never does).
func (l *Socket) accept(c Caller, timeout time.Duration, stop <-chan struct{}) (*Socket, error) {
	w, err := l.queueAccept(c, false)
	if err != nil {
		return nil, &inet.Error{Op: "accept", Err: err}
	}
	r, err := await(w.done, timeout, stop, func() bool { return l.withdraw(w) })
	l.recycle(w)
	if err != nil {
		r.err = err
	}
	if r.err != nil {
		return nil, &inet.Error{Op: "accept", Err: r.err}
	}
	return r.s, nil
}

// withdraw takes Accept's wait w out of the queue when its time is up,
// and reports whether it was there still: if not, its answer is on its
// way.
func (l *Socket) withdraw(w *acceptWait) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.state != waitQueued {
		return false
	}
	l.ext.accepts.remove(w)
	return true
}

// AsyncAccept is prim_inet:async_accept(ListenSocket, Timeout): it queues
// an accept, as Accept does, and returns at once; the connection, owned
// by the caller, or the error comes to the caller's mailbox as an
// *AcceptResult with the returned reference, even when a connection is
// waiting already. Timeout Infinity waits for ever; when timeout passes
// first the result is timeout. The accept ends with no result when the
// caller stops or CancelAsync takes it back. AsyncAccept itself fails, with
// no result to come, for a nil caller (badarg), a socket that is not
// listening (einval), a closed one (closed) or a caller that has stopped
// (noproc).
func (l *Socket) AsyncAccept(c Caller, timeout time.Duration) (AsyncRef, error) {
	w, err := l.queueAccept(c, true)
	if err != nil {
		return 0, &inet.Error{Op: "accept", Err: err}
	}
	ref := w.ref
	if timeout >= 0 {
		l.mu.Lock()
		if w.state == waitQueued {
			w.timer = time.AfterFunc(timeout, w.expire)
		}
		l.mu.Unlock()
	}
	return ref, nil
}

// queueAccept monitors the caller and puts its call at the back of the
// queue, an AsyncAccept's if async, and serves the queue.
func (l *Socket) queueAccept(c Caller, async bool) (*acceptWait, error) {
	if c == nil || c.Self() == nil || c.ActorSystem() == nil {
		return nil, ErrBadArg
	}
	l.mu.Lock()
	switch {
	case !l.listener:
		l.mu.Unlock()
		return nil, unix.EINVAL
	case l.dead:
		l.mu.Unlock()
		return nil, ErrClosed
	}
	q := l.ext.accepts
	var w *acceptWait
	if async {
		w = &acceptWait{l: l}
		w.ref = newAsyncRef()
	} else if n := len(q.free); n > 0 {
		w = q.free[n-1]
		q.free[n-1] = nil
		q.free = q.free[:n-1]
	} else {
		w = &acceptWait{l: l, done: make(chan acceptReply, 1)}
	}
	w.sys, w.caller, w.state = c.ActorSystem(), c.Self(), waitNew
	l.mu.Unlock()

	// The caller's Down may come as soon as it is monitored, before the
	// wait is queued: it marks the wait downed, which is looked at below.
	alive, err := otpactor.MonitorPID(w.sys, w.caller, w)
	if err != nil || !alive {
		l.mu.Lock()
		w.downed = true // not monitored
		l.mu.Unlock()
		l.recycle(w)
		return nil, ErrNoProc
	}
	l.mu.Lock()
	if w.downed || l.dead { // its caller stopped, or the socket closed, meanwhile
		w.state = waitDone
		l.mu.Unlock()
		l.recycle(w)
		return nil, ErrClosed
	}
	w.state = waitQueued
	q.waits = append(q.waits, w)
	l.serveAccepts()
	l.mu.Unlock()
	return w, nil
}

// recycle keeps Accept's finished wait w for the next Accept, once its
// caller is no longer monitored, so that an acceptor's Accepts make no
// garbage of their own. An AsyncAccept's is left to the collector: its
// result refers to it.
func (l *Socket) recycle(w *acceptWait) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w.demonitor(w)
	if w.done == nil {
		return
	}
	w.state, w.caller, w.sys, w.downed = waitDone, nil, nil, false
	l.ext.accepts.free = append(l.ext.accepts.free, w)
}

// Down is the port told that the caller of w has stopped: w leaves the
// queue, and an Accept returns closed.
func (w *acceptWait) Down(who *actor.PID) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if !who.Equal(w.caller) {
		return // a wait recycled since; its former caller's late word
	}
	w.downed = true
	if w.state == waitQueued {
		l.ext.accepts.remove(w)
		w.cancelTimer()
		if w.done != nil {
			w.done <- acceptReply{err: ErrClosed}
		}
	}
}

// expire ends an AsyncAccept whose timeout has passed, with timeout.
func (w *acceptWait) expire() {
	l := w.l
	l.mu.Lock()
	if w.state != waitQueued {
		l.mu.Unlock()
		return
	}
	l.ext.accepts.remove(w)
	l.answer(w, nil, ErrTimeout)
	l.mu.Unlock()
}

// acceptReady is the driver telling listening socket l that a connection
// may have come.
func (l *Socket) acceptReady() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.serveAccepts()
}

// serveAccepts accepts for the calls in the queue, first come first
// served, while connections are waiting; when none is, the driver tells
// the port (acceptReady) at the next one. A call whose caller has stopped
// (its Down is on its way) is dropped, so that the connection goes to a
// live one. An error of accept(2) (emfile, ...) answers the call at the
// head, and the next call tries again. The caller holds l.mu.
func (l *Socket) serveAccepts() {
	q := l.ext.accepts
	for len(q.waits) > 0 && !l.dead {
		w := q.waits[0]
		if _, ok := w.sys.ProcessRegistry.Get(w.caller); !ok {
			q.remove(w)
			w.cancelTimer()
			if w.done != nil {
				w.done <- acceptReply{err: ErrClosed}
			}
			continue
		}
		s := q.spare
		if s == nil {
			s = new(Socket)
			q.spare = s
		}
		h, err := l.pool().TryAccept(l.h, s.handler(), q.notify)
		if err == unix.EAGAIN {
			return
		}
		q.remove(w)
		if err != nil {
			l.answer(w, nil, driverErr(err))
			continue
		}
		q.spare = nil
		// The caller is monitored by the new port from here on: this
		// monitor goes first, so that a caller keeps one (inline, in a
		// Process or an owner mailbox) and not two.
		w.demonitor(w)
		s.active, s.opts, s.id = l.active, l.opts.accepted(), ids.Add(1)
		s.setOwner(w.sys, w.caller)
		if err := s.setStream(); err != nil { // the listener's options were checked: not seen
			l.pool().Close(h)
			l.answer(w, nil, err)
			continue
		}
		l.copyPriority(h)
		s.start(h)
		s.startLink()
		l.answer(w, s, nil)
	}
}

// answer gives w, out of the queue, its result: a connection s or err.
// The caller holds l.mu.
func (l *Socket) answer(w *acceptWait, s *Socket, err error) {
	if w.done != nil {
		w.done <- acceptReply{s, err}
		return
	}
	w.cancelTimer()
	if err != nil {
		err = &inet.Error{Op: "accept", Err: err}
	}
	w.msg = AcceptResult{Listener: l, Ref: w.ref, Socket: s, Err: err}
	w.sys.Root.Send(w.caller, &w.msg)
	w.demonitor(w)
}

// endAccepts answers every queued call closed, when the listening socket
// closes. The caller holds l.mu.
func (l *Socket) endAccepts() {
	if !l.listener {
		return
	}
	q := l.ext.accepts
	for len(q.waits) > 0 {
		w := q.waits[0]
		q.remove(w)
		l.answer(w, nil, ErrClosed)
	}
	q.waits, q.spare = nil, nil
}
