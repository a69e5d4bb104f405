package socket

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// Conn is a connected socket as a net.Conn, for what takes one: bufio,
// crypto/tls, net/http, io.Copy. Read is Recv, Write is Send, Close is
// Close, LocalAddr and RemoteAddr are Sockname and Peername (a
// *net.TCPAddr, or a *net.UnixAddr for a local socket), and the deadlines
// are net.Conn's. Multiple goroutines may invoke methods on a Conn
// simultaneously: Reads take turns, as net's do, and each Write is one
// Send, whole, however Writes interleave.
//
// The Conn owns nothing but its socket: no goroutine, no process. The
// socket keeps its owner, whose stopping closes it (then Read and Write
// fail with net.ErrClosed), and who may still call ControllingProcess
// (Socket returns the socket). Read needs no owner: it is a Recv, which
// names no caller. So keep the owner alive as long as the Conn is used:
// an actor.Process closed when the Conn is done with, or the actor that
// serves the connection.
//
// The socket must be passive and raw ({active, false}, {packet, raw}):
// NewConn refuses any other. A socket that SetOpts makes active or
// framed afterwards fails Read with einval, and keeps its data. Read and
// Recv on the same socket compete: only one Recv waits at a time
// (ealready).
//
// Read returns io.EOF once the peer has closed (and for a reset, which
// reads as closed unless ShowEconnreset is set), and every Read after.
// Errors are *net.OpError, as net's: a passed deadline is
// os.ErrDeadlineExceeded (a net.Error whose Timeout is true), and so is a
// Send that timed out by SendTimeout; a closed socket is net.ErrClosed;
// a POSIX reason is an *os.SyscallError naming the Erlang call ("recv",
// "send") around the errno; any other reason is the socket's
// *inet.Error. inet.Reason names each as Erlang does (timeout, closed,
// econnreset, ...).
//
// Write returns once Send has queued its bytes, as net's Write returns
// once the kernel has them, and waits as Send does while the socket is
// busy (see Send), giving up at the write deadline if that comes first;
// a deadline that passes never closes the socket (SendTimeoutClose is
// for SendTimeout). A Write that timed out after its bytes were queued
// returns len(b) with the timeout: they will be sent. On the socket
// backend a Write that timed out returns the count of bytes sent.
//
// Close waits, as Socket.Close does, for the queued bytes to go while
// they go: net's close leaves that to the kernel, here the queue is the
// port's. Linger(true, 0) resets the connection instead. A Read or a
// Write that waits returns net.ErrClosed as Close begins, not once the
// queue has gone.
type Conn struct {
	s            *Socket
	laddr, raddr net.Addr
	network      string // "tcp" or "unix", for its errors

	rmu sync.Mutex // Reads take turns; guards w and eof
	w   recvWait   // the Reads' wait, made once
	eof bool       // a Read has returned io.EOF

	rd, wd deadline
	closed atomic.Bool
}

// NewConn returns s, a connected, passive and raw socket, as a net.Conn.
// It fails with badarg for a nil s, closed for a closed one, einval for a
// listening one (see NewListener) and with an *OptionError naming the
// option for an active or framed one, and with Peername's error when s
// is not connected.
func NewConn(s *Socket) (*Conn, error) {
	if s == nil {
		return nil, &inet.Error{Op: "conn", Err: &whyError{ErrBadArg, "nil socket"}}
	}
	if err := s.adaptable(false); err != nil {
		return nil, err
	}
	laddr, raddr, network, err := s.netAddrs(true)
	if err != nil {
		return nil, err
	}
	c := &Conn{s: s, laddr: laddr, raddr: raddr, network: network}
	c.w = recvWait{s: s, done: make(chan recvReply, 1)}
	c.rd.cancel, c.wd.cancel = make(chan struct{}), make(chan struct{})
	return c, nil
}

// adaptable reports why s cannot be a Conn (or, for listener, a
// Listener), or nil: it must be open, of the kind asked for, passive and
// raw.
func (s *Socket) adaptable(listener bool) error {
	op := "conn"
	if listener {
		op = "listener"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.dead:
		return &inet.Error{Op: op, Err: ErrClosed}
	case s.listener && !listener:
		return &inet.Error{Op: op, Err: &whyError{unix.EINVAL, "a listening socket: make it a net.Listener with NewListener"}}
	case !s.listener && listener:
		return &inet.Error{Op: op, Err: &whyError{unix.EINVAL, "not a listening socket: make it a net.Conn with NewConn"}}
	case s.active != False:
		return &inet.Error{Op: op, Err: &OptionError{Option: Active(s.active), Why: "a net.Conn reads with Recv: the socket must be passive, Active(False)"}}
	case s.opts.packet != framing.Raw:
		return &inet.Error{Op: op, Err: &OptionError{Option: Packet(s.opts.packet), Why: "a net.Conn is a byte stream: the socket must be Packet(framing.Raw)"}}
	}
	return nil
}

// netAddrs returns s's own address and, if peer, its peer's, as net
// names them, and the network they are of: "tcp" or "unix".
func (s *Socket) netAddrs(peer bool) (local, remote net.Addr, network string, err error) {
	ap, err := s.Sockname()
	if errors.Is(err, unix.EAFNOSUPPORT) { // a local socket
		var name, peerName inet.LocalAddr
		name, err = s.SocknameLocal()
		if err == nil && peer {
			peerName, err = s.PeernameLocal()
			remote = unixAddr(peerName)
		}
		return unixAddr(name), remote, "unix", err
	}
	if err == nil && peer {
		var pp netip.AddrPort
		pp, err = s.Peername()
		remote = net.TCPAddrFromAddrPort(pp)
	}
	return net.TCPAddrFromAddrPort(ap), remote, "tcp", err
}

// unixAddr is a local socket's name as net gives it: an abstract name's
// leading NUL as '@'.
func unixAddr(name inet.LocalAddr) *net.UnixAddr {
	n := string(name)
	if len(n) > 0 && n[0] == 0 {
		n = "@" + n[1:]
	}
	return &net.UnixAddr{Name: n, Net: "unix"}
}

// Socket returns the Conn's socket: for its options, its statistics, or
// its owner's ControllingProcess. Recv on it competes with Read.
func (c *Conn) Socket() *Socket { return c.s }

// Read reads what is there, at most len(b) bytes, waiting for at least
// one: a Recv of a raw socket's bytes, copied into b. See Conn for its
// errors.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	switch {
	case c.closed.Load():
		return 0, c.opError("read", net.ErrClosed)
	case len(b) == 0:
		return 0, nil
	case c.eof:
		return 0, io.EOF
	}
	stop := c.rd.channel()
	if passed(stop) {
		return 0, c.opError("read", os.ErrDeadlineExceeded)
	}
	n, err := c.s.readInto(&c.w, b, stop)
	if err == nil {
		return n, nil
	}
	if c.closed.Load() { // Close stopped the wait
		return 0, c.opError("read", net.ErrClosed)
	}
	if errors.Is(err, ErrClosed) && !c.s.isDead() {
		c.eof = true
		return 0, io.EOF
	}
	return 0, c.fail("read", err)
}

// Write sends b, as one Send. See Conn for when it waits, and its errors.
func (c *Conn) Write(b []byte) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	stop := c.wd.channel()
	if passed(stop) {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	queued, err := c.s.write(stop, [][]byte{b})
	if err == nil {
		return len(b), nil
	}
	n := 0
	var rest *inet.SendTimeoutError
	switch {
	case errors.As(err, &rest):
		n = len(b) - len(rest.Rest)
	case queued:
		n = len(b)
	}
	if c.closed.Load() { // Close stopped the wait
		return n, c.opError("write", net.ErrClosed)
	}
	return n, c.fail("write", err)
}

// Close closes the socket (Socket.Close): a Read or a Write that waits
// returns net.ErrClosed at once, while Close waits for the queued bytes
// to go. Closing a closed Conn is net.ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return c.opError("close", net.ErrClosed)
	}
	c.rd.stop()
	c.wd.stop()
	if err := c.s.Close(); err != nil {
		return c.fail("close", err)
	}
	return nil
}

// CloseWrite shuts the sending side down once the queued bytes are sent:
// Shutdown(Write), net.TCPConn's CloseWrite.
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	if err := c.s.Shutdown(Write); err != nil {
		return c.fail("close", err)
	}
	return nil
}

// LocalAddr returns the socket's address, as Sockname gave it when the
// Conn was made.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address, as Peername gave it when the
// Conn was made.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets the read and the write deadlines, as net.Conn's does.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

// SetReadDeadline sets the time after which Read fails with
// os.ErrDeadlineExceeded, and a Read that waits returns; the zero time
// is none. A deadline set while a Read waits applies to it at once. A
// Read that times out loses nothing: the bytes that come after are for
// the next.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rd.set(t)
	return nil
}

// SetWriteDeadline sets the time after which Write fails with
// os.ErrDeadlineExceeded, and a Write that waits on a busy socket
// returns; the zero time is none. A deadline set while a Write waits
// applies to it at once.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.wd.set(t)
	return nil
}

// opError is err as the error of the Conn's op, as net's conn gives it.
func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Source: c.laddr, Addr: c.raddr, Err: err}
}

// fail is the socket's error err as the error of the Conn's op.
func (c *Conn) fail(op string, err error) error {
	return c.opError(op, netError(err, c.s.isDead()))
}

// netError is a socket's error as net gives it: a timeout (a deadline
// passed, errStopped, or SendTimeout) is os.ErrDeadlineExceeded; closed,
// of a closed socket (dead), net.ErrClosed; a bare POSIX reason an
// *os.SyscallError naming the call; anything else, an explained one
// among them (an *OptionError), the *inet.Error.
func netError(err error, dead bool) error {
	e, _ := err.(*inet.Error)
	switch {
	case errors.Is(err, errStopped), errors.Is(err, ErrTimeout):
		return os.ErrDeadlineExceeded
	case dead && errors.Is(err, ErrClosed):
		return net.ErrClosed
	case e != nil:
		if errno, ok := e.Err.(syscall.Errno); ok {
			return &os.SyscallError{Syscall: e.Op, Err: errno}
		}
	}
	return err
}

// isDead reports whether s is closed.
func (s *Socket) isDead() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dead
}

// deadline is one of a Conn's deadlines, as net.Pipe keeps them: a
// channel closed when the deadline passes, on which a waiting Read or
// Write selects, so that a deadline set while it waits applies at once.
// Its timer, when it has one, is not a goroutine until it fires. A timer
// closes the channel under mu, and only if no set or stop has come since
// it was armed (gen): one that fires as the deadline changes closes
// nothing, so that the channel is closed once, and a deadline set then is
// not cut short.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	gen    uint32        // bumped by each set and stop
	shut   bool          // stopped: the Conn is closed, cancel with it
	cancel chan struct{} // closed when the deadline has passed, or the Conn closed
}

// set makes t the deadline (the zero time: none): a time passed closes
// the channel now, a time to come arms the timer, and a channel closed
// by a deadline that has passed is replaced by an open one.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.shut {
		return // the channel stays closed
	}
	d.disarm()
	closed := passed(d.cancel)
	if t.IsZero() || time.Until(t) > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		if !t.IsZero() {
			gen := d.gen
			d.timer = afterFunc(time.Until(t), func() { d.expire(gen) })
		}
		return
	}
	if !closed {
		close(d.cancel)
	}
}

// disarm stops the timer, and makes one that has fired already close
// nothing. The caller holds d.mu.
func (d *deadline) disarm() {
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// expire is the timer armed at gen: it closes the channel if the
// deadline has not changed since.
func (d *deadline) expire(gen uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gen == d.gen && !passed(d.cancel) {
		close(d.cancel)
		d.timer = nil
	}
}

// channel returns the channel that closes when the deadline passes.
func (d *deadline) channel() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

// stop closes the channel for good: the Conn is closed, and what waits
// on it returns net.ErrClosed.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.disarm()
	d.shut = true
	if !passed(d.cancel) {
		close(d.cancel)
	}
}

// afterFunc is time.AfterFunc, for a deadline's timer: a variable so that
// tests can hold a timer that has fired.
var afterFunc = time.AfterFunc

// passed reports whether ch is closed.
func passed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
