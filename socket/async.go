package socket

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
)

// Accepts and receives answered as messages, prim_inet's async_accept/2
// and async_recv/3: the call returns a reference at once, and the result
// comes to the caller's mailbox as {inet_async, S, Ref, Result}, here an
// *AcceptResult or a *RecvResult. An actor serves its sockets so without
// ever blocking in its Receive (supervisor/ranch's acceptors do).
//
// The pending call ends, with no message, when its caller stops (the port
// monitors the caller, as inet_drv monitors an accepting process) or is
// cancelled (CancelAsync); with a message when its timeout passes
// (timeout), or its socket closes (closed).

// AsyncRef names an AsyncAccept or AsyncRecv: the call returns it, its
// result carries it, and CancelAsync takes it. References are unique in
// the program, and never 0.
type AsyncRef uint64

var asyncRefs atomic.Uint64

// newAsyncRef returns a new reference.
func newAsyncRef() AsyncRef { return AsyncRef(asyncRefs.Add(1)) }

// String formats r as Erlang prints the integer reference of an
// inet_async message.
func (r AsyncRef) String() string { return strconv.FormatUint(uint64(r), 10) }

// AcceptResult is {inet_async, L, Ref, Result} for an AsyncAccept on
// Listener: Socket, owned by the caller of AsyncAccept, or Err, an
// *inet.Error whose reason is timeout, closed (the listening socket
// closed) or the kernel's (emfile, ...).
type AcceptResult struct {
	Listener *Socket
	Ref      AsyncRef
	Socket   *Socket
	Err      error
}

// RecvResult is {inet_async, S, Ref, Result} for an AsyncRecv on Socket:
// Data, one packet or Length bytes, the caller's to keep; or, for the http
// packet types, Packet; or Err, an *inet.Error whose reason is timeout,
// closed, emsgsize, ... as Recv returns them.
type RecvResult struct {
	Socket *Socket
	Ref    AsyncRef
	Data   []byte
	Packet framing.HTTPPacket
	Err    error
}

// From returns r.Listener: an AcceptResult is a Message of the listening
// socket, as Erlang's {inet_async, L, Ref, Result} names L, so that
// p.Receive(l.Match, t) takes it. It is the caller's, not the owner's:
// controlling_process leaves it where it is.
func (r *AcceptResult) From() *Socket { return r.Listener }

// From returns r.Socket: a RecvResult is a Message of its socket, as
// Erlang's {inet_async, S, Ref, Result} names S, so that
// p.Receive(s.Match, t) takes it. It is the caller's, not the owner's:
// controlling_process leaves it where it is.
func (r *RecvResult) From() *Socket { return r.Socket }

// IgnoreDeadLetterLogging keeps protoactor from logging a result whose
// caller is gone: a caller that stops has its call dropped, but one may
// have been on its way.
func (*AcceptResult) IgnoreDeadLetterLogging() {}

// IgnoreDeadLetterLogging keeps protoactor from logging a result whose
// caller is gone.
func (*RecvResult) IgnoreDeadLetterLogging() {}

// CancelAsync takes back the AsyncAccept (on a listening socket) or the
// AsyncRecv of s named by ref, and reports whether it was pending: then
// no result comes for it. It reports false once the result is on its way
// (it is in the caller's mailbox, or about to be), or for a ref that is
// not s's.
func (s *Socket) CancelAsync(ref AsyncRef) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener {
		w := s.ext.accepts.find(ref)
		if w == nil {
			return false
		}
		s.ext.accepts.remove(w)
		w.cancelTimer()
		w.demonitor(w)
		return true
	}
	w := s.recv
	if w == nil || w.ref != ref || ref == 0 {
		return false
	}
	s.dropRecv()
	w.cancelTimer()
	w.demonitor(w)
	return true
}

// asyncCall is what a pending call keeps of its caller: the process to
// answer, or that the port monitors.
type asyncCall struct {
	sys    *actor.ActorSystem
	caller *actor.PID
	ref    AsyncRef    // 0 for a blocking call
	timer  *time.Timer // an async call's timeout, if it has one
	downed bool        // the caller is not, or no longer, monitored
}

// demonitor stops monitoring the caller, if it is monitored, for the
// call's monitor mon (the wait a is part of). The caller holds the lock
// of the socket the call waits on.
func (a *asyncCall) demonitor(mon otpactor.Monitor) {
	if !a.downed && a.caller != nil {
		otpactor.DemonitorPID(a.sys, a.caller, mon)
		a.downed = true
	}
}

// cancelTimer stops the timeout of an async call, if it has one.
func (a *asyncCall) cancelTimer() {
	if a.timer != nil {
		a.timer.Stop()
	}
}

// await returns the answer of a blocking call on done, waiting at most
// timeout (Infinity: for ever) or until stop closes (a nil stop never
// does). Then it calls withdraw, which takes the call back if it is still
// pending and reports whether it did: then await returns ErrTimeout (or
// errStopped); else the answer is on its way, and await waits for it.
func await[T any](done <-chan T, timeout time.Duration, stop <-chan struct{}, withdraw func() bool) (T, error) {
	select {
	case r := <-done:
		return r, nil
	default:
	}
	var expired <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var why error
	select {
	case r := <-done:
		return r, nil
	case <-expired:
		why = ErrTimeout
	case <-stop:
		why = errStopped
	}
	if withdraw() {
		var zero T
		return zero, why
	}
	return <-done, nil
}
