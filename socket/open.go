package socket

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
	"golang.org/x/sys/unix"
)

// Listen is gen_tcp:listen(Port, Options): a socket listening on port (0
// picks a free one) on the address of the IP option (default: any, of the
// family inet.Inet or inet.Inet6; with Family(inet.Local), IfAddrLocal's
// path). The caller owns it. Accepted sockets inherit its options. Backlog
// defaults to 5, as in OTP. LineDelimiter is badarg here, as in OTP 25, and
// one set on the listening socket with SetOpts is not passed on: give it to
// Connect, or set it on the accepted socket.
func Listen(c Caller, port int, opts ...Option) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &inet.Error{Op: "listen", Err: ErrBadArg}
	}
	po, oo := defaultPortOpts(), openOpts{backlog: 5, port: port, fd: -1}
	opts = withDefaults(&defaultListen, opts)
	if err := checkListen(opts); err != nil {
		return nil, err
	}
	if err := split(opts, &po, &oo); err != nil {
		return nil, err
	}
	pool, err := defaultPool()
	if err != nil {
		return nil, &inet.Error{Op: "listen", Err: err}
	}
	s, passive, err := newSocket(c, po)
	if err != nil {
		return nil, &inet.Error{Op: "listen", Err: err}
	}
	s.listener, s.ext = true, &portExt{}
	if oo.fd >= 0 {
		err = listenFd(oo, port)
		if err == nil {
			s.h, err = pool.Adopt(oo.fd, nil)
		}
	} else {
		var sa unix.Sockaddr
		sa, err = localAddr(oo, port)
		if err == nil {
			s.h, err = pool.Listen(sa, oo.backlog, kernelControl(oo.kernel))
		}
	}
	if err != nil {
		return nil, &inet.Error{Op: "listen", Err: err}
	}
	s.startLink()
	s.tellPassive(passive)
	return s, nil
}

// Accept is gen_tcp:accept(ListenSocket, Timeout): the next connection,
// owned by the caller, with the listening socket's options. It fails with
// timeout, closed when the listening socket closes, or the kernel's error
// (emfile, ...). Timeout Infinity waits for ever. Concurrent Accepts are
// served first come, first served, as by inet_drv's multi-accept queue.
// An Accept whose caller's process has stopped fails with badarg and leaves
// the connection for the next Accept, as a killed acceptor does in OTP.
func (l *Socket) Accept(c Caller, timeout time.Duration) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &inet.Error{Op: "accept", Err: ErrBadArg}
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	l.mu.Lock()
	if !l.listener {
		l.mu.Unlock()
		return nil, &inet.Error{Op: "accept", Err: unix.EINVAL}
	}
	turn := l.ext.newTurn()
	l.ext.acceptq = append(l.ext.acceptq, turn)
	if len(l.ext.acceptq) == 1 {
		turn <- struct{}{}
	}
	l.mu.Unlock()
	defer l.leaveAcceptQ(turn)
	s, err := l.acceptTurn(c, turn, deadline)
	if err != nil {
		return nil, &inet.Error{Op: "accept", Err: err}
	}
	return s, nil
}

// acceptTurn waits for the caller's turn in the accept queue, then
// accepts.
func (l *Socket) acceptTurn(c Caller, turn chan struct{}, deadline time.Time) (*Socket, error) {
	select {
	case <-turn:
	default:
		var expired <-chan time.Time
		if !deadline.IsZero() {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-turn:
		case <-expired:
			return nil, ErrTimeout
		}
	}
	l.mu.Lock()
	active, shared := l.active, l.opts.accepted()
	l.mu.Unlock()
	s, err := newAccepted(c, active, shared)
	if err != nil {
		return nil, err
	}
	if !s.alive(c.Self()) {
		return nil, ErrBadArg
	}
	l.mu.Lock()
	stash := l.ext.stash
	l.ext.stash = nil
	l.mu.Unlock()
	if stash != nil { // accepted for a caller that stopped: this one's now
		stash.mu.Lock()
		stash.setOwner(s.sys, s.owner)
		stash.mu.Unlock()
		stash.start(stash.h)
		stash.startLink()
		return stash, nil
	}
	h, err := l.pool().Accept(l.h, deadline, s.handler())
	if err != nil {
		return nil, driverErr(err)
	}
	l.copyPriority(h)
	if !s.alive(c.Self()) { // the caller stopped while it waited
		s.h = h
		l.mu.Lock()
		keep := !l.dead && l.ext.stash == nil
		if keep {
			l.ext.stash = s
		}
		l.mu.Unlock()
		if !keep {
			l.pool().Close(h)
		}
		return nil, ErrBadArg
	}
	s.start(h)
	s.startLink()
	return s, nil
}

// copyPriority gives the accepted socket h the listening socket's
// SO_PRIORITY, which Linux does not pass on and inet_drv does.
func (l *Socket) copyPriority(h driver.Handle) {
	var prio int
	l.pool().Control(l.h, func(fd int) (err error) {
		prio, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY)
		return err
	})
	if prio != 0 {
		l.pool().Control(h, func(fd int) error {
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, prio)
		})
	}
}

// leaveAcceptQ takes turn out of the accept queue, giving the turn to the
// next Accept if it was this one's.
func (l *Socket) leaveAcceptQ(turn chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := slices.Index(l.ext.acceptq, turn)
	if i < 0 {
		return
	}
	l.ext.acceptq = slices.Delete(l.ext.acceptq, i, i+1)
	if i == 0 && len(l.ext.acceptq) > 0 {
		l.ext.acceptq[0] <- struct{}{}
	}
	select {
	case <-turn: // given as this Accept timed out
	default:
	}
	l.ext.turns = append(l.ext.turns, turn)
}

// newTurn returns an empty 1-buffered channel for a place in the accept
// queue, one an earlier Accept left if there is one: an acceptor pool's
// Accepts would otherwise make one per connection. The caller holds the
// listening socket's mu.
func (x *portExt) newTurn() chan struct{} {
	if n := len(x.turns); n > 0 {
		turn := x.turns[n-1]
		x.turns = x.turns[:n-1]
		return turn
	}
	return make(chan struct{}, 1)
}

// dropStash closes a connection kept for the next Accept, when the
// listening socket closes. The caller holds l.mu.
func (l *Socket) dropStash() {
	if l.ext != nil && l.ext.stash != nil {
		l.pool().Close(l.ext.stash.h)
		l.ext.stash = nil
	}
}

// Connect is gen_tcp:connect(Address, Port, Options, Timeout): host is a
// name or an IPv4 or IPv6 literal (or, with Family(inet.Local), a
// socket path). The caller owns the socket. IP and Port bind the local end.
func Connect(c Caller, host string, port int, timeout time.Duration, opts ...Option) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &inet.Error{Op: "connect", Err: ErrBadArg}
	}
	po, oo := defaultPortOpts(), openOpts{fd: -1}
	if err := split(withDefaults(&defaultConnect, opts), &po, &oo); err != nil {
		return nil, err
	}
	pool, err := defaultPool()
	if err != nil {
		return nil, &inet.Error{Op: "connect", Err: err}
	}
	s, passive, err := newSocket(c, po)
	if err != nil {
		return nil, &inet.Error{Op: "connect", Err: err}
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	var h driver.Handle
	if oo.fd >= 0 {
		err = connectFd(oo, host, port, deadline)
		if err == nil {
			h, err = pool.Adopt(oo.fd, s.handler())
		}
	} else {
		var remote, local unix.Sockaddr
		remote, err = remoteAddr(host, port, oo.family, deadline)
		if err == nil && (oo.ip.IsValid() || oo.port != 0 || oo.bindLocal) {
			local, err = localAddr(oo, oo.port)
		}
		if err == nil {
			h, err = pool.Dial(local, remote, deadline, kernelControl(oo.kernel), s.handler())
		}
	}
	if err != nil {
		return nil, &inet.Error{Op: "connect", Err: driverErr(err)}
	}
	s.start(h)
	s.startLink()
	s.tellPassive(passive)
	return s, nil
}

// start puts the registered handle in the socket and, if it is active,
// starts reading.
func (s *Socket) start(h driver.Handle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
	if s.active.active() {
		s.pool().Resume(h)
	}
}

// driverErr turns the driver's errors into the socket's reasons.
func driverErr(err error) error {
	switch err {
	case driver.ErrClosed:
		return ErrClosed
	case driver.ErrTimeout:
		return ErrTimeout
	}
	return err
}

// kernelControl applies kernel options to a new socket, before bind.
func kernelControl(opts []Option) func(fd int) error {
	return func(fd int) error {
		for _, o := range opts {
			if err := setKernel(fd, o); err != nil {
				return &OptionError{Option: o, Why: err.Error()}
			}
		}
		return nil
	}
}

// localAddr is the address to bind: the IP option's, or any of the
// family; for a local socket, IfAddrLocal's path ("": unnamed, which
// Linux binds to an abstract address of its choosing).
func localAddr(oo openOpts, port int) (unix.Sockaddr, error) {
	if oo.family == inet.Local {
		return &unix.SockaddrUnix{Name: oo.path}, nil
	}
	ip := oo.ip
	if !ip.IsValid() {
		if oo.family == inet.Inet6 {
			ip = netip.IPv6Unspecified()
		} else {
			ip = netip.IPv4Unspecified()
		}
	}
	return sockaddr(ip, port), nil
}

// remoteAddr resolves host for a connect: a literal as it is, a name by
// the resolver, preferring the family asked for (inet by default).
func remoteAddr(host string, port int, fam inet.Family, deadline time.Time) (unix.Sockaddr, error) {
	if fam == inet.Local {
		return &unix.SockaddrUnix{Name: host}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return sockaddr(ip, port), nil
	}
	ctx := context.Background()
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	network := "ip4"
	if fam == inet.Inet6 {
		network = "ip6"
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil || len(ips) == 0 {
		return nil, inet.ErrNxdomain
	}
	return sockaddr(ips[0].Unmap(), port), nil // Go may give IPv4 as ::ffff:a.b.c.d
}

func sockaddr(ip netip.Addr, port int) unix.Sockaddr {
	if ip.Is4() {
		return &unix.SockaddrInet4{Addr: ip.As4(), Port: port}
	}
	return &unix.SockaddrInet6{Addr: ip.As16(), Port: port}
}

// listenFd readies fd, an open stream socket, for Listen's {fd, Fd}: bound
// to the address asked for, if any, and listening, as inet_tcp and
// local_tcp do with it (listen again on a listening socket only sets the
// backlog).
func listenFd(oo openOpts, port int) error {
	if oo.ip.IsValid() || port != 0 || oo.bindLocal {
		sa, err := localAddr(oo, port)
		if err != nil {
			return err
		}
		if err := unix.Bind(oo.fd, sa); err != nil {
			return err
		}
	}
	return unix.Listen(oo.fd, oo.backlog)
}

// connectFd readies fd, an open stream socket, for Connect's {fd, Fd}: a
// connected one (gen_tcp:fdopen) as it is; otherwise bound to the address
// asked for, if any, and connected to host and port by the deadline, as
// gen_tcp:connect does with it.
func connectFd(oo openOpts, host string, port int, deadline time.Time) error {
	fd := oo.fd
	if _, err := unix.Getpeername(fd); err == nil {
		return nil
	}
	if sa, err := unix.Getsockname(fd); err == nil {
		switch sa.(type) {
		case *unix.SockaddrUnix:
			oo.family = inet.Local
		case *unix.SockaddrInet6:
			if oo.family == inet.Inet {
				oo.family = inet.Inet6
			}
		}
	}
	if oo.ip.IsValid() || oo.port != 0 || oo.bindLocal {
		sa, err := localAddr(oo, oo.port)
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, sa); err != nil {
			return err
		}
	}
	remote, err := remoteAddr(host, port, oo.family, deadline)
	if err != nil {
		return err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return err
	}
	switch err := unix.Connect(fd, remote); err {
	case nil:
		return nil
	case unix.EINPROGRESS, unix.EINTR:
	default:
		return err
	}
	for {
		ms := -1
		if !deadline.IsZero() {
			if ms = int(time.Until(deadline).Milliseconds()); ms <= 0 {
				return ErrTimeout
			}
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, ms)
		if err == unix.EINTR || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return err
		}
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soerr != 0 {
			err = unix.Errno(soerr)
		}
		return err
	}
}
