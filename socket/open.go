package socket

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/otpnet/otpnet/driver"
	"golang.org/x/sys/unix"
)

// Listen is gen_tcp:listen(Port, Options): a socket listening on port (0
// picks a free one) on the address of the IP option (default: any, of the
// family Inet or Inet6; with FamilyOpt(Local), IfAddrLocal's path). The
// caller owns it. Accepted sockets inherit its options. Backlog defaults
// to 5, as in OTP.
func Listen(c Caller, port int, opts ...Option) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &Error{Op: "listen", Err: ErrBadArg}
	}
	po, oo := defaultPortOpts(), openOpts{backlog: 5, port: port, fd: -1}
	if err := split(opts, &po, &oo); err != nil {
		return nil, err
	}
	pool, err := defaultPool()
	if err != nil {
		return nil, &Error{Op: "listen", Err: err}
	}
	s, err := newSocket(c, po, pool)
	if err != nil {
		return nil, &Error{Op: "listen", Err: err}
	}
	s.listener = true
	if oo.fd >= 0 {
		s.h, err = pool.Adopt(oo.fd, nil)
	} else {
		var sa unix.Sockaddr
		sa, err = localAddr(oo, port)
		if err == nil {
			s.h, err = pool.Listen(sa, oo.backlog, kernelControl(oo.kernel))
		}
	}
	if err != nil {
		return nil, &Error{Op: "listen", Err: err}
	}
	s.startLink()
	return s, nil
}

// Accept is gen_tcp:accept(ListenSocket, Timeout): the next connection,
// owned by the caller, with the listening socket's options. It fails with
// timeout, closed when the listening socket closes, or the kernel's error
// (emfile, ...). Timeout Infinity waits for ever.
func (l *Socket) Accept(c Caller, timeout time.Duration) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &Error{Op: "accept", Err: ErrBadArg}
	}
	l.mu.Lock()
	if !l.listener {
		l.mu.Unlock()
		return nil, &Error{Op: "accept", Err: unix.EINVAL}
	}
	po := l.opts
	l.mu.Unlock()
	s, err := newSocket(c, po, l.pool)
	if err != nil {
		return nil, &Error{Op: "accept", Err: err}
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	h, _, err := l.pool.Accept(l.h, deadline, s)
	if err != nil {
		return nil, &Error{Op: "accept", Err: driverErr(err)}
	}
	s.start(h)
	s.startLink()
	return s, nil
}

// Connect is gen_tcp:connect(Address, Port, Options, Timeout): host is a
// name or an IPv4 or IPv6 literal (or, with FamilyOpt(Local), a socket
// path). The caller owns the socket. IP and Port bind the local end.
func Connect(c Caller, host string, port int, timeout time.Duration, opts ...Option) (*Socket, error) {
	if c == nil || c.Self() == nil {
		return nil, &Error{Op: "connect", Err: ErrBadArg}
	}
	po, oo := defaultPortOpts(), openOpts{fd: -1}
	if err := split(opts, &po, &oo); err != nil {
		return nil, err
	}
	pool, err := defaultPool()
	if err != nil {
		return nil, &Error{Op: "connect", Err: err}
	}
	s, err := newSocket(c, po, pool)
	if err != nil {
		return nil, &Error{Op: "connect", Err: err}
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	var h driver.Handle
	if oo.fd >= 0 {
		h, err = pool.Adopt(oo.fd, s)
	} else {
		var remote, local unix.Sockaddr
		remote, err = remoteAddr(host, port, oo.family, deadline)
		if err == nil && (oo.ip.IsValid() || oo.port != 0) {
			local, err = localAddr(oo, oo.port)
		}
		if err == nil {
			h, err = pool.Dial(local, remote, deadline, kernelControl(oo.kernel), s)
		}
	}
	if err != nil {
		return nil, &Error{Op: "connect", Err: driverErr(err)}
	}
	s.start(h)
	s.startLink()
	return s, nil
}

// start puts the registered handle in the socket and, if it is active,
// starts reading.
func (s *Socket) start(h driver.Handle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
	if s.opts.active.active() {
		s.pool.Resume(h)
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
// family.
func localAddr(oo openOpts, port int) (unix.Sockaddr, error) {
	ip := oo.ip
	if !ip.IsValid() {
		if oo.family == Inet6 {
			ip = netip.IPv6Unspecified()
		} else {
			ip = netip.IPv4Unspecified()
		}
	}
	return sockaddr(ip, port), nil
}

// remoteAddr resolves host for a connect: a literal as it is, a name by
// the resolver, preferring the family asked for (inet by default).
func remoteAddr(host string, port int, fam Family, deadline time.Time) (unix.Sockaddr, error) {
	if fam == Local {
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
	if fam == Inet6 {
		network = "ip6"
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, network, host)
	if err != nil || len(ips) == 0 {
		return nil, ErrNxdomain
	}
	return sockaddr(ips[0], port), nil
}

func sockaddr(ip netip.Addr, port int) unix.Sockaddr {
	if ip.Is4() {
		return &unix.SockaddrInet4{Addr: ip.As4(), Port: port}
	}
	return &unix.SockaddrInet6{Addr: ip.As16(), Port: port}
}
