package socket

import (
	"errors"
	"net"
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/unix"

	"github.com/otpnet/otpnet/inet"
)

// Listener is a listening socket as a net.Listener, for what serves one:
// http.Serve, tls.NewListener, grpc. Accept is Socket.Accept, whose
// connections it returns as *Conn; Close is Close, which ends a waiting
// Accept with net.ErrClosed; Addr is Sockname.
//
// The connections belong to the listening socket's owner, as if it had
// called Accept itself (gen_tcp:accept makes its caller the owner): they
// close when it stops, as the listening socket does, but not when the
// Listener is closed, so that a server can close its listener and let
// its connections finish (http.Server.Shutdown). The owner may hand one
// over with ControllingProcess (Conn.Socket).
//
// The listening socket must be passive and raw: its connections inherit
// its options, and a Conn reads raw bytes with Recv. Multiple goroutines
// may invoke methods on a Listener simultaneously: their Accepts are
// served first come, first served.
type Listener struct {
	l       *Socket
	addr    net.Addr
	network string
	closed  atomic.Bool
}

// NewListener returns l, a listening socket, passive and raw, as a
// net.Listener. It fails with badarg for a nil l, closed for a closed
// one, einval for one that is not listening (see NewConn), and with an
// *OptionError naming the option for an active or framed one: Listen
// with Active(False).
func NewListener(l *Socket) (*Listener, error) {
	if l == nil {
		return nil, &inet.Error{Op: "listener", Err: &whyError{ErrBadArg, "nil socket"}}
	}
	if err := l.adaptable(true); err != nil {
		return nil, err
	}
	addr, _, network, err := l.netAddrs(false)
	if err != nil {
		return nil, err
	}
	return &Listener{l: l, addr: addr, network: network}, nil
}

// Socket returns the listening socket.
func (ln *Listener) Socket() *Socket { return ln.l }

// Addr returns the listening socket's address, as Sockname gave it when
// the Listener was made.
func (ln *Listener) Addr() net.Addr { return ln.addr }

// Accept waits for the next connection and returns it as a *Conn, owned
// by the listening socket's owner. A connection that is gone before it
// can be made a Conn (its peer reset it) is closed and the next one
// taken, as net's Accept passes over ECONNABORTED. Errors are
// *net.OpError: net.ErrClosed once the listening socket is closed (or
// its owner has stopped), an *os.SyscallError for the kernel's (emfile,
// whose Temporary is true, so that http.Server waits and tries again).
func (ln *Listener) Accept() (net.Conn, error) {
	for {
		if ln.closed.Load() {
			return nil, ln.opError("accept", net.ErrClosed)
		}
		s, err := ln.l.Accept(ln.l.ownerCaller(), Infinity)
		if err != nil {
			return nil, ln.opError("accept", netError(err, ln.l.isDead()))
		}
		c, err := NewConn(s)
		if err == nil {
			return c, nil
		}
		dead := s.isDead() // its owner stopped meanwhile
		s.Close()
		if !errors.Is(err, unix.ENOTCONN) {
			return nil, ln.opError("accept", netError(err, dead))
		}
	}
}

// Close closes the listening socket (Socket.Close): a waiting Accept
// returns net.ErrClosed; the connections accepted stay open. Closing a
// closed Listener is net.ErrClosed.
func (ln *Listener) Close() error {
	if ln.closed.Swap(true) {
		return ln.opError("close", net.ErrClosed)
	}
	if err := ln.l.Close(); err != nil {
		return ln.opError("close", netError(err, true))
	}
	return nil
}

// opError is err as the error of the Listener's op, as net's listener
// gives it.
func (ln *Listener) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: ln.network, Addr: ln.addr, Err: err}
}

// owner is a socket's owner as a Caller: the process its calls are made
// for.
type owner struct {
	sys *actor.ActorSystem
	pid *actor.PID
}

func (o owner) Self() *actor.PID                { return o.pid }
func (o owner) ActorSystem() *actor.ActorSystem { return o.sys }

// ownerCaller returns s's owner, as the caller of a call made for it.
func (s *Socket) ownerCaller() owner {
	s.mu.Lock()
	defer s.mu.Unlock()
	return owner{s.sys, s.owner}
}
