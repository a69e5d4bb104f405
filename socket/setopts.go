package socket

import (
	"golang.org/x/sys/unix"
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
		return &Error{Op: "setopts", Err: unix.EINVAL}
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
					return &Error{Op: "setopts", Err: &OptionError{Option: k, Why: err.Error()}}
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
			return &Error{Op: "setopts", Err: unix.EINVAL}
		}
	}
	if passiveMsg {
		s.send(&TCPPassive{Socket: s})
	}
	if activeSet && !s.listener {
		s.activate()
	}
	return nil
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
		s.pool().Resume(s.h)
	case s.recv == nil:
		s.pool().Pause(s.h) // the buffer used up the mode
	}
}

// GetOpts is inet:getopts(Socket, Names): the current value of each named
// option, in order. A closed socket answers einval, as in OTP. For raw,
// pass RawGet.
func (s *Socket) GetOpts(names ...OptName) ([]Option, error) {
	return s.getOpts(names, nil)
}

// GetRaw is inet:getopts(Socket, [{raw, Level, Opt, Size}]).
func (s *Socket) GetRaw(level, opt, size int) ([]byte, error) {
	o, err := s.getOpts([]OptName{OptRaw}, []RawOption{{level, opt, make([]byte, size)}})
	if err != nil {
		return nil, err
	}
	return o[0].value.(RawOption).Value, nil
}

func (s *Socket) getOpts(names []OptName, raws []RawOption) ([]Option, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed() {
		return nil, &Error{Op: "getopts", Err: unix.EINVAL}
	}
	out := make([]Option, 0, len(names))
	po := s.portOpts()
	for _, n := range names {
		if o, ok := po.get(n); ok {
			out = append(out, o)
			continue
		}
		var want RawOption
		if n == OptRaw && len(raws) > 0 {
			want, raws = raws[0], raws[1:]
		}
		var o Option
		err := s.pool().Control(s.h, func(fd int) (err error) {
			o, err = getKernel(fd, n, want)
			return err
		})
		if err != nil {
			return nil, &Error{Op: "getopts", Err: err}
		}
		out = append(out, o)
	}
	return out, nil
}
