package socket

import (
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// closeStall is how long Close waits for queued data that makes no
// progress (nanoseconds): prim_inet:close's check, every five seconds,
// that the queue still shrinks. A variable so that tests can shorten it.
var closeStall atomic.Int64

func init() { closeStall.Store(int64(5 * time.Second)) }

// Close is gen_tcp:close(Socket). Queued data is sent first: Close waits
// for as long as the queue keeps shrinking, and gives up, dropping what is
// left, when it has not shrunk for five seconds, or when the linger time
// has passed; with linger {true, 0} the connection is reset instead.
// Closing a listening socket answers every Accept closed, and returns
// once its fd is closed: its port is free, and a Listen on it right after
// succeeds, as after OTP's. Closing a closed socket is not an error; a
// Close made while another closes the socket returns once that one has
// closed its fd.
//
// While Close waits for the queue, the port is still open, as OTP's is
// until then: another goroutine's Recv (RecvAs, AsyncRecv, a Conn's Read)
// receives what the peer sent, and a Recv still waiting when the fd
// closes answers closed; Peername, Sockname, GetStat, Info and the
// options answer as before; Send waits for the Close to end; Shutdown
// answers closed. The port sends its owner no more messages, and its
// monitors get their Down once the fd is closed.
//
// OTP 25 gives up on a stalled queue after three minutes, not five
// seconds, and even then its port goes on sending, for as long as the
// connection lives: here a peer that stops reading does not hold the
// connection for ever.
func (s *Socket) Close() error {
	s.mu.Lock()
	if s.dead {
		s.awaitClose()
		return nil
	}
	var l *unix.Linger
	s.pool().Control(s.h, func(fd int) (err error) {
		l, err = unix.GetsockoptLinger(fd, unix.SOL_SOCKET, driver.SOLinger)
		return err
	})
	if l == nil || l.Onoff == 0 || l.Linger != 0 {
		s.closeNotify() // a layer's end of stream, queued before the close
	}
	s.dead, s.mark = true, true // shutting
	s.wakeSenders()
	s.unlink()
	s.endAccepts()
	why := s.downReason(nil)
	h, listener := s.h, s.listener
	abort := l != nil && l.Onoff != 0 && l.Linger == 0
	var closing chan struct{}
	if q, _ := s.pool().Queued(h); q > 0 && !listener && !abort {
		closing = make(chan struct{}) // open until the queue is sent: see closed
		s.extra().closing = closing
	} else {
		s.endRecv()
	}
	s.mu.Unlock()

	switch {
	case listener:
		// The port's own accepts take the fd only under s.mu, and are
		// done by now; CloseLinger still waits for any other use of the
		// fd, so that the port is free when Close returns whoever
		// accepts. A port that exits by itself (exit) waits for
		// nothing: it may exit on a poller.
		s.pool().CloseLinger(h)
	case abort:
		s.pool().Abort(h)
	default:
		var limit time.Duration
		if l != nil && l.Onoff != 0 {
			limit = time.Duration(l.Linger) * time.Second
		}
		s.pool().CloseDrain(h, time.Duration(closeStall.Load()), limit)
	}
	s.mu.Lock()
	s.mark = false // no longer shutting
	// The port exits once the fd is closed: its monitors, those made
	// while the queue drained too, get their Down now, as OTP's do.
	refs := s.takeMonitors()
	if closing != nil {
		close(closing)
		s.ext.closing = nil
		s.endRecv()
	}
	if x := s.ext; x != nil && x.fdClosed != nil {
		close(x.fdClosed)
		x.fdClosed = nil
	}
	s.mu.Unlock()
	s.tellDown(refs, why)
	return nil
}

// awaitClose returns once s's fd is closed, when another Close is closing
// it: so a Close of a listening socket returns with its port free, and
// one of a socket whose queue another Close drains returns with it, as a
// second gen_tcp:close waits for the queue too. The caller holds s.mu,
// which awaitClose releases.
func (s *Socket) awaitClose() {
	if !s.mark { // not shutting: s is dead
		s.mu.Unlock()
		return
	}
	x := s.extra()
	if x.fdClosed == nil {
		x.fdClosed = make(chan struct{})
	}
	done := x.fdClosed
	s.mu.Unlock()
	<-done
}

// How is what Shutdown shuts down, gen_tcp:shutdown's read | write |
// read_write. Its values are the kernel's SHUT_ constants.
type How int

const (
	Read      How = unix.SHUT_RD   // read: no more receiving
	Write     How = unix.SHUT_WR   // write: no more sending, once the queued data is sent
	ReadWrite How = unix.SHUT_RDWR // read_write: both
)

// String returns the Erlang atom: "read", "write" or "read_write".
func (h How) String() string {
	switch h {
	case Read:
		return "read"
	case Write:
		return "write"
	case ReadWrite:
		return "read_write"
	}
	return "How(" + strconv.Itoa(int(h)) + ")"
}

// Shutdown is gen_tcp:shutdown(Socket, How): Read, Write (after the queued
// data) or ReadWrite. Any other How is einval, naming it.
func (s *Socket) Shutdown(how How) error {
	if how != Read && how != Write && how != ReadWrite {
		// OTP 25's gen_tcp:shutdown raises function_clause for it.
		return &inet.Error{Op: "shutdown", Err: &whyError{unix.EINVAL, "how " + how.String() + ": want Read, Write or ReadWrite"}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dead:
		return &inet.Error{Op: "shutdown", Err: ErrClosed}
	case s.unconnected():
		return &inet.Error{Op: "shutdown", Err: unix.ENOTCONN}
	}
	if how != Read {
		s.closeNotify() // a layer's end of stream goes before the FIN
	}
	if err := s.pool().Shutdown(s.h, int(how)); err != nil {
		return &inet.Error{Op: "shutdown", Err: driverErr(err)}
	}
	return nil
}

// Peername is inet:peername(Socket).
func (s *Socket) Peername() (netip.AddrPort, error) {
	return s.name("peername", unix.Getpeername)
}

// Sockname is inet:sockname(Socket).
func (s *Socket) Sockname() (netip.AddrPort, error) {
	return s.name("sockname", unix.Getsockname)
}

// Port is inet:port(Socket): the local port. The option Port, {port,
// Port}, is another thing of the same name: the port to bind. Both names
// are Erlang's.
func (s *Socket) Port() (int, error) {
	ap, err := s.Sockname()
	return int(ap.Port()), err
}

func (s *Socket) name(op string, get func(int) (unix.Sockaddr, error)) (netip.AddrPort, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nameless(op); err != nil {
		return netip.AddrPort{}, err
	}
	var ap netip.AddrPort
	err := s.pool().Control(s.h, func(fd int) error {
		sa, err := get(fd)
		switch a := sa.(type) {
		case *unix.SockaddrInet4:
			ap = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
		case *unix.SockaddrInet6:
			ap = netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
		case *unix.SockaddrUnix:
			err = unix.EAFNOSUPPORT // a local socket: SocknameLocal, PeernameLocal
		}
		return err
	})
	if err != nil {
		return netip.AddrPort{}, &inet.Error{Op: op, Err: driverErr(err)}
	}
	return ap, nil
}

// nameless is why s has no name for op ("peername" or "sockname"), or
// nil: a closed port's are einval, as OTP's (a port whose Close drains its
// queue is not closed yet); a port whose fd a send timeout closed answers
// as inet_drv does, its peer from its state
// (enotconn) and its own name from the closed fd (ebadf). The caller holds
// s.mu.
func (s *Socket) nameless(op string) error {
	switch {
	case s.closed():
		return &inet.Error{Op: op, Err: unix.EINVAL}
	case s.unconnected() && op == "peername":
		return &inet.Error{Op: op, Err: unix.ENOTCONN}
	case s.unconnected():
		return &inet.Error{Op: op, Err: unix.EBADF}
	}
	return nil
}

// SocknameLocal is inet:sockname(Socket) of a local (AF_UNIX) socket:
// {local, Path}, with "" for an unnamed socket and a leading NUL for an
// abstract address.
func (s *Socket) SocknameLocal() (inet.LocalAddr, error) {
	return s.localName("sockname", unix.Getsockname)
}

// PeernameLocal is inet:peername(Socket) of a local (AF_UNIX) socket.
func (s *Socket) PeernameLocal() (inet.LocalAddr, error) {
	return s.localName("peername", unix.Getpeername)
}

func (s *Socket) localName(op string, get func(int) (unix.Sockaddr, error)) (inet.LocalAddr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nameless(op); err != nil {
		return "", err
	}
	var name inet.LocalAddr
	err := s.pool().Control(s.h, func(fd int) error {
		sa, err := get(fd)
		if err != nil {
			return err
		}
		a, ok := sa.(*unix.SockaddrUnix)
		if !ok {
			return unix.EAFNOSUPPORT
		}
		// x/sys writes an abstract address's leading NUL as '@', and an
		// unnamed socket as "@".
		switch {
		case a.Name == "@":
		case strings.HasPrefix(a.Name, "@"):
			name = inet.LocalAddr("\x00" + a.Name[1:])
		default:
			name = inet.LocalAddr(a.Name)
		}
		return nil
	})
	if err != nil {
		return "", &inet.Error{Op: op, Err: driverErr(err)}
	}
	return name, nil
}
