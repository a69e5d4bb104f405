package ranch

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/tlspool"
	"github.com/otpnet/otpnet/supervisor"
)

// Pending handshakes: a connection with a PROXY header to read or a TLS
// handshake to run does not hold its acceptor. Ranch runs both in the
// connection's process (ranch:handshake), so that its acceptors only
// accept; here the acceptor gives the connection, its slot taken, to a
// goroutine borrowed for its handshake, and accepts again at once:
//
//	the PROXY header (readProxy), then the TLS handshake, both within one
//	    HandshakeTimeout from the accept
//	the hand-off to the connection supervisor, which it waits for as the
//	    acceptor waits for a plain connection's, within HandshakeTimeout
//	a failure: the socket closed, the slot freed, an AcceptErrorEvent
//	    (Op "proxy_header", "handshake" or "start_protocol"), and the
//	    goroutine ends
//
// An established connection holds no goroutine: the goroutine ends with
// its hand-off. While it runs the socket is the acceptor's holder's, so
// that an acceptor that stops (Stop, Suspend, Drain, a restart) cuts its
// pending handshakes by closing its holder, which closes their sockets;
// the pending hand-offs give up (stop), and the acceptor waits for their
// goroutines before it is gone.

// handshake starts h's pending handshake.
func (a *acceptor) handshake(h *handoff) {
	h.acceptor, h.done = nil, make(chan struct{})
	a.pending.Add(1)
	go func() {
		defer a.pending.Done()
		a.runHandshake(h)
	}()
}

// runHandshake reads h's PROXY header and runs its TLS handshake, as the
// listener asks, and hands it off.
func (a *acceptor) runHandshake(h *handoff) {
	l := a.l
	deadline := time.Now().Add(l.opts.HandshakeTimeout)
	if l.opts.ProxyHeader {
		if err := l.readProxy(h, deadline); err != nil {
			l.dropHandshake(h, "proxy_header", err)
			return
		}
	}
	if a.tls != nil {
		ts, err := tlspool.Accepted(a.tls, h.sock)
		if err == nil {
			err = ts.Handshake(max(time.Until(deadline), 0))
		}
		if err != nil {
			l.dropHandshake(h, "handshake", err)
			return
		}
	}
	a.waitHandoff(h)
}

// waitHandoff gives h to its connection supervisor and waits until the
// supervisor is done with it, for at most HandshakeTimeout, as the
// acceptor waits for a plain connection's.
func (a *acceptor) waitHandoff(h *handoff) {
	l := a.l
	cs := l.connsSupOf(h.id)
	down := make(downCh)
	if cs == nil {
		l.dropHandoff(h, supervisor.ErrNoProc)
		return
	}
	if alive, _ := otpactor.MonitorPID(a.sys, cs.PID(), down); !alive {
		l.dropHandoff(h, supervisor.ErrNoProc)
		return
	}
	defer otpactor.DemonitorPID(a.sys, cs.PID(), down)
	cs.Send(h)
	t := time.NewTimer(l.opts.HandshakeTimeout)
	defer t.Stop()
	var reason error
	select {
	case <-h.done:
		return
	case <-t.C:
		reason = ErrHandshakeTimeout
	case <-down:
		reason = supervisor.ErrNoProc
	case <-a.stop:
		reason = supervisor.Shutdown
	}
	if h.abandon() {
		l.dropHandoff(h, reason) // its message may still be in the supervisor's mailbox
		return
	}
	h.leave() // the supervisor took it, and finishes it without us
}

// downCh is a Monitor that closes itself when its target stops.
type downCh chan struct{}

// Down closes d.
func (d downCh) Down(*actor.PID) { close(d) }

// cutPending ends the acceptor's pending handshakes: its holder closes,
// and with it their sockets, and their hand-offs give up; it returns
// once their goroutines are gone.
func (a *acceptor) cutPending() {
	close(a.stop)
	a.hold.Close()
	a.pending.Wait()
}
