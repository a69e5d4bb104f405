package sock

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// Infinity is the timeout that never expires: Erlang's infinity, the same
// value as inet.Infinity.
const Infinity = inet.Infinity

// DefaultBacklog is the backlog of socket:listen/1.
const DefaultBacklog = 5

// defaultRcvBuf is {otp, rcvbuf}'s default: how much a read of Length 0
// takes at most.
const defaultRcvBuf = 8192

// Socket is a socket of Erlang's socket module: a non-blocking socket of
// the process-wide driver pool, whose calls block the calling goroutine
// until done, the timeout, or Close. No goroutine serves it meanwhile.
//
// Multiple goroutines may invoke methods on a Socket simultaneously.
// Receives (Recv, Recvfrom) are served one at a time in the order they
// come, and so are sends (Send, Sendto), so that a stream's bytes never
// interleave; Close wakes every blocked call, which returns closed.
type Socket struct {
	pool   *driver.Pool
	h      driver.Handle
	domain Domain
	typ    Type
	proto  Protocol
	rcvbuf atomic.Int32 // {otp, rcvbuf}
	reader turn         // Recv and Recvfrom
	writer turn         // Send and Sendto
	buf    []byte       // a Length 0 read's buffer; the reader's
	rd     reading      // the reader's
	wr     writing      // the writer's
}

// reading is the state of the read that has the reader's turn, and
// writing that of the write that has the writer's: the driver runs their
// ops, bound once at Open, which so cost no closure per call, as the
// addresses kept here cost none.
type reading struct {
	op       func(fd int) error // Socket.readOnce
	buf      []byte
	n        int
	wantFrom bool
	from     fromAddr
}

type writing struct {
	op   func(fd int) error // Socket.writeOnce
	rest []byte
	to   unix.Sockaddr // nil, or one of dest's
	dest sockaddrs
}

// Open creates a socket: socket:open(Domain, Type, Protocol). Domain is
// Inet or Inet6, Type Stream or Dgram, Protocol TCP or UDP; a protocol
// that does not go with the type is eprotonosupport, as the kernel says.
func Open(d Domain, t Type, p Protocol) (*Socket, error) {
	switch {
	case d != Inet && d != Inet6:
		return nil, badArg("open", "domain", d, "inet or inet6")
	case types[t] == "":
		return nil, badArg("open", "type", t, "stream or dgram")
	case protocols[p] == "":
		return nil, badArg("open", "protocol", p, "tcp or udp")
	}
	pool, err := driver.Default()
	if err != nil {
		return nil, opErr("open", err)
	}
	h, err := pool.Open(int(d), int(t), int(p))
	if err != nil {
		return nil, opErr("open", err)
	}
	return newSocket(pool, h, d, t, p), nil
}

func newSocket(pool *driver.Pool, h driver.Handle, d Domain, t Type, p Protocol) *Socket {
	s := &Socket{pool: pool, h: h, domain: d, typ: t, proto: p, reader: newTurn(), writer: newTurn()}
	s.rcvbuf.Store(defaultRcvBuf)
	s.rd.op, s.wr.op = s.readOnce, s.writeOnce
	return s
}

// String returns "#Socket<inet,stream,tcp,HANDLE>".
func (s *Socket) String() string {
	return fmt.Sprintf("#Socket<%v,%v,%v,%v>", s.domain, s.typ, s.proto, s.h)
}

// Close closes the socket: socket:close(S). Blocked calls return closed,
// and so does every later call, Close included. With {socket, linger}
// on, the kernel may hold Close until the peer has the data or the linger
// time passes, as it does for OTP.
func (s *Socket) Close() error { return opErr("close", s.pool.CloseLinger(s.h)) }

// Bind binds the socket to addr: socket:bind(S, Addr). Any and Loopback
// make Erlang's any and loopback.
func (s *Socket) Bind(addr Addr) error {
	sa := addr.sockaddr()
	if sa == nil {
		return badArg("bind", "sockaddr", addr, "an inet or inet6 address")
	}
	return s.control("bind", func(fd int) error { return unix.Bind(fd, sa) })
}

// Listen makes a stream socket listen for connections, with backlog
// pending at most: socket:listen(S, Backlog); socket:listen(S) is
// Listen(DefaultBacklog). An unbound socket gets a free port on every
// interface, as listen(2) does.
func (s *Socket) Listen(backlog int) error {
	return s.control("listen", func(fd int) error { return unix.Listen(fd, backlog) })
}

// Accept waits for a connection on a listening socket: socket:accept(S,
// Timeout); Infinity waits for ever. The connection is a new Socket of the
// same domain, type and protocol.
func (s *Socket) Accept(timeout time.Duration) (*Socket, error) {
	dl, err := deadline("accept", timeout)
	if err != nil {
		return nil, err
	}
	h, err := s.pool.AcceptRaw(s.h, dl)
	if err != nil {
		return nil, opErr("accept", err)
	}
	return newSocket(s.pool, h, s.domain, s.typ, s.proto), nil
}

// Connect connects the socket to addr: socket:connect(S, Addr, Timeout);
// Infinity waits for ever. A stream socket whose connect timed out is
// still connecting: a second Connect gives ealready, as in OTP; close it.
// A datagram socket only records addr as its peer.
func (s *Socket) Connect(addr Addr, timeout time.Duration) error {
	sa := addr.sockaddr()
	if sa == nil {
		return badArg("connect", "sockaddr", addr, "an inet or inet6 address")
	}
	dl, err := deadline("connect", timeout)
	if err != nil {
		return err
	}
	started := false
	return opErr("connect", s.pool.Do(s.h, true, dl, func(fd int) error {
		if !started {
			started = true
			err := unix.Connect(fd, sa)
			if err != unix.EINPROGRESS && err != unix.EINTR {
				return err
			}
		}
		return connectResult(fd)
	}))
}

// connectResult returns the outcome of a connect in progress: nil once
// connected, EAGAIN while it is still in progress, or why it failed.
func connectResult(fd int) error {
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	switch {
	case err != nil:
		return err
	case soerr != 0:
		return unix.Errno(soerr)
	}
	// SO_ERROR is also 0 before the connect has finished: only a peer
	// name proves the connection.
	if _, err := unix.Getpeername(fd); err == unix.ENOTCONN {
		return unix.EAGAIN
	}
	return nil
}

// Shutdown shuts down reading, writing or both: socket:shutdown(S, How).
// A Recv blocked meanwhile returns closed.
func (s *Socket) Shutdown(how How) error {
	if hows[how] == "" {
		return badArg("shutdown", "how", how, "read, write or read_write")
	}
	return opErr("shutdown", s.pool.Shutdown(s.h, int(how)))
}

// Sockname returns the socket's own address: socket:sockname(S).
func (s *Socket) Sockname() (Addr, error) { return s.name("sockname", unix.Getsockname) }

// Peername returns the address of the connected peer: socket:peername(S);
// enotconn when there is none.
func (s *Socket) Peername() (Addr, error) { return s.name("peername", unix.Getpeername) }

func (s *Socket) name(op string, get func(fd int) (unix.Sockaddr, error)) (Addr, error) {
	var a Addr
	err := s.control(op, func(fd int) error {
		sa, err := get(fd)
		a = addrOf(sa)
		return err
	})
	return a, err
}

// control runs f on the socket's fd for call op.
func (s *Socket) control(op string, f func(fd int) error) error {
	return opErr(op, s.pool.Control(s.h, f))
}
