package socket

import (
	"github.com/otpnet/otpnet/internal/unix"

	"github.com/otpnet/otpnet/inet"
)

// SetOpts is inet:setopts(Socket, Options). The options are checked first
// and applied all or none (OTP may apply part of a list it refuses), last
// to first as OTP 25 does, so that of two settings of one option in a list
// the first wins. A bad value is einval, as *OptionError naming the option.
//
// Setting active delivers at once what is buffered, then reads on; a
// TCPClosed owed since the peer closed while the socket was passive comes
// with the first switch to active. {active, N} adds N to the counter; a
// sum of zero or less sends TCPPassive and makes the socket passive.
func (s *Socket) SetOpts(opts ...Option) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return &inet.Error{Op: "setopts", Err: unix.EINVAL}
	}
	if len(opts) == 1 && opts[0].name == OptActive {
		return s.setActive(opts[0]) // an owner's re-arm, after each packet
	}
	p := s.portOpts()
	var kernel []Option
	activeSet, passiveMsg := false, false
	for i := len(opts) - 1; i >= 0; i-- {
		opt := opts[i]
		if err := checkValue(opt); err != nil {
			return err
		}
		switch {
		case opt.name >= OptBacklog:
			return optError("setopts", opt, "only when the socket opens")
		case opt.name >= OptNodelay:
			kernel = append(kernel, opt)
			if opt.name == OptRecbuf {
				p.buffer = max(p.buffer, int32(opt.value.(int)))
			}
			continue
		}
		if err := p.set(opt); err != nil {
			return err
		}
		if opt.name == OptActive {
			activeSet = true
			m := opt.value.(Mode)
			passiveMsg = passiveMsg || (m.kind == modeN && !p.active.active())
		}
	}
	if len(kernel) > 0 {
		err := s.pool().Control(s.h, func(fd int) error {
			for _, k := range kernel {
				if err := setKernel(fd, k); err != nil {
					return &inet.Error{Op: "setopts", Err: &OptionError{Option: k, Why: err.Error()}}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	framingChanged := p.packet != s.opts.packet || p.packetSize != s.opts.packetSize || p.delim != s.opts.delim
	s.setPortOpts(p)
	if framingChanged {
		if err := s.setStream(); err != nil {
			return &inet.Error{Op: "setopts", Err: unix.EINVAL}
		}
		s.endRawRead()
	}
	if activeSet {
		s.actOnActive(passiveMsg)
	}
	return nil
}

// setActive is SetOpts of the active option alone, as the general path
// makes it, without copying and comparing the other options. The caller
// holds s.mu, and s is open.
func (s *Socket) setActive(opt Option) error {
	if err := checkValue(opt); err != nil {
		return err
	}
	m, err := activeAfter(s.active, opt)
	if err != nil {
		return err
	}
	s.active = m
	s.actOnActive(opt.value.(Mode).kind == modeN && !m.active())
	return nil
}

// actOnActive follows a change of active mode: tcp_passive when
// passiveMsg (an {active, N} left the port passive), then, but on a
// listener, what the new mode asks for (activate). The caller holds s.mu.
func (s *Socket) actOnActive(passiveMsg bool) {
	if passiveMsg {
		s.send(s.passiveMsg())
	}
	if !s.listener {
		s.activate()
	}
}

// activate acts on the active mode just set: deliver what is buffered,
// pay a TCPClosed owed, and read on, or stop reading. The caller holds
// s.mu.
func (s *Socket) activate() {
	if !s.active.active() {
		if s.recv == nil && !s.gone {
			s.pool().Pause(s.h)
		}
		return
	}
	if len(s.buf) > 0 {
		rest, _ := s.deliver(s.buf)
		s.keep(rest, true)
	}
	switch {
	case s.dead:
	case s.gone:
		if s.owed && s.active.active() {
			s.tellClosed()
		}
	case s.active.active():
		s.readMore()
	case s.recv == nil:
		s.pool().Pause(s.h) // the buffer used up the mode
	}
}

// GetOpts is inet:getopts(Socket, Names): the current value of each named
// option, in order. A closed socket answers einval, as in OTP, and so does
// an option that cannot be read (backlog, ip, port, family, fd: they only
// mean something when a socket opens), with an *OptionError naming it. For
// raw, use GetRaw.
func (s *Socket) GetOpts(names ...OptName) ([]Option, error) {
	out := make([]Option, len(names))
	if err := s.readOpts(names, out, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// GetOpt is GetOpts for one option: its value, read with the accessor for
// its type (see Option), as in
//
//	o, err := s.GetOpt(socket.OptActive)
//	if o.Mode() == socket.Once { ... }
func (s *Socket) GetOpt(name OptName) (Option, error) {
	var o [1]Option
	err := s.readOpts([]OptName{name}, o[:], nil)
	return o[0], err
}

// GetRaw is inet:getopts(Socket, [{raw, Level, Opt, Size}]).
func (s *Socket) GetRaw(level, opt, size int) ([]byte, error) {
	var o [1]Option
	if err := s.readOpts([]OptName{OptRaw}, o[:], &RawValue{level, opt, make([]byte, size)}); err != nil {
		return nil, err
	}
	return o[0].Raw().Value, nil
}

// readOpts reads the options names into out, under one lock, so that they
// are of one moment; raw, if not nil, says what raw reads.
func (s *Socket) readOpts(names []OptName, out []Option, raw *RawValue) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return &inet.Error{Op: "getopts", Err: unix.EINVAL}
	}
	po := s.portOpts()
	for i, n := range names {
		if o, ok := po.get(n); ok {
			out[i] = o
			continue
		}
		switch {
		case n == 0 || n >= numOpts:
			return optError("getopts", Option{name: n}, "no such option")
		case n >= OptBacklog:
			return optError("getopts", Option{name: n}, "only when the socket opens")
		case n == OptRaw && raw == nil:
			return optError("getopts", Option{name: n}, "read it with GetRaw")
		}
		var want RawValue
		if raw != nil {
			want = *raw
		}
		err := s.pool().Control(s.h, func(fd int) (err error) {
			out[i], err = getKernel(fd, n, want)
			return err
		})
		if err != nil {
			return &inet.Error{Op: "getopts", Err: err}
		}
	}
	return nil
}
