package socket

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
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
	s.ext.accepts = newAcceptQueue(s)
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
	s.register()
	s.startLink()
	s.tellPassive(passive)
	return s, nil
}

// Connect is gen_tcp:connect(Address, Port, Options, Timeout): host is a
// name or an IPv4 or IPv6 literal (or, with Family(inet.Local), a
// socket path). The caller owns the socket. IP and Port bind the local end.
//
// The port monitors the caller while the connection is under way: when
// its process stops (a Process closed, an actor stopped), Connect gives
// up at once and returns closed, as the connect of a killed Erlang
// process ends with it. A caller that has stopped already gets noproc
// (ErrNoProc). A connect on an open descriptor (Fd) and the look-up of a
// host name are not called off: they end by themselves, by the timeout
// at the latest.
func Connect(c Caller, host string, port int, timeout time.Duration, opts ...Option) (*Socket, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	return connectUntil(context.Background(), c, host, port, deadline, opts)
}

// connectUntil is Connect by the deadline (the zero time: none), that ctx may
// also call off: then it fails as the caller's stopping makes it fail,
// closed, or nxdomain in a look-up (ConnectContext tells them apart).
func connectUntil(ctx context.Context, c Caller, host string, port int, deadline time.Time, opts []Option) (*Socket, error) {
	if c == nil || c.Self() == nil || c.ActorSystem() == nil {
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
	w := &connectWait{off: make(chan struct{})}
	if alive, err := otpactor.MonitorPID(c.ActorSystem(), c.Self(), w); err != nil || !alive {
		return nil, &inet.Error{Op: "connect", Err: ErrNoProc}
	}
	defer otpactor.DemonitorPID(c.ActorSystem(), c.Self(), w)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, w.callOff)
		defer stop()
	}
	var h driver.Handle
	if oo.fd >= 0 {
		err = connectFd(ctx, oo, host, port, deadline)
		if err == nil {
			h, err = pool.Adopt(oo.fd, s.handler())
		}
	} else {
		var remote, local unix.Sockaddr
		remote, err = remoteAddr(ctx, host, port, oo.family, deadline)
		if err == nil && (oo.ip.IsValid() || oo.port != 0 || oo.bindLocal) {
			local, err = localAddr(oo, oo.port)
		}
		if err == nil {
			h, err = pool.DialCancel(local, remote, deadline, w.off, kernelControl(oo.kernel), s.handler())
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

// connectWait is a Connect's monitor of its caller: Down, or the end of
// ConnectContext's context, calls the connect off.
type connectWait struct {
	off  chan struct{}
	once sync.Once
}

// Down calls the connect off.
func (w *connectWait) Down(*actor.PID) { w.callOff() }

// callOff closes off, once.
func (w *connectWait) callOff() { w.once.Do(func() { close(w.off) }) }

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
// the resolver, preferring the family asked for (inet by default), by the
// deadline and while ctx lasts.
func remoteAddr(ctx context.Context, host string, port int, fam inet.Family, deadline time.Time) (unix.Sockaddr, error) {
	if fam == inet.Local {
		return &unix.SockaddrUnix{Name: host}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return sockaddr(ip, port), nil
	}
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
// gen_tcp:connect does with it; ctx may call the look-up off, not the
// connect.
func connectFd(ctx context.Context, oo openOpts, host string, port int, deadline time.Time) error {
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
	remote, err := remoteAddr(ctx, host, port, oo.family, deadline)
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
