package socket

import (
	"math"
	"net/netip"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
)

// portOpts are the options the port itself keeps (inet_drv's, not the
// kernel's). Guarded by Socket.mu.
type portOpts struct {
	active           Mode
	packet           framing.Type
	sendTimeout      time.Duration
	packetSize       int32 // these five are at most 2^30 (checkValue)
	buffer           int32
	header           int32
	high, low        int32
	delim            byte
	exitOnClose      bool
	showEconnreset   bool
	sendTimeoutClose bool
	delaySend        bool
	backend          Backend
}

func defaultPortOpts() portOpts {
	return portOpts{
		active:      True,
		delim:       '\n',
		buffer:      1460,
		exitOnClose: true,
		sendTimeout: Infinity,
		high:        8192,
		low:         4096,
	}
}

// openOpts are the options that only mean something when a socket opens.
type openOpts struct {
	backlog   int
	ip        netip.Addr
	path      string // IfAddrLocal's
	bindLocal bool   // IfAddrLocal was given
	port      int
	family    inet.Family
	fd        int
	kernel    []Option // applied to the new fd before bind
}

// split sorts opts into the port's, the kernel's and the opening ones,
// checking every value. It changes po and oo only when all are valid.
func split(opts []Option, po *portOpts, oo *openOpts) error {
	p, o := *po, *oo
	for _, opt := range opts {
		if err := checkValue(opt); err != nil {
			return err
		}
		switch opt.name {
		case OptBacklog:
			o.backlog = opt.value.(int)
		case OptIP:
			switch v := opt.value.(type) {
			case netip.Addr:
				o.ip = v
			case inet.LocalAddr:
				o.path, o.bindLocal, o.family = string(v), true, inet.Local
			}
		case OptPort:
			o.port = opt.value.(int)
		case OptFamily:
			o.family = opt.value.(inet.Family)
		case OptFd:
			o.fd = opt.value.(int)
		case OptActive:
			// When a socket opens the last active option wins, as OTP 25
			// reads its options into a record: an N replaces, it does not
			// add to the default as it does in SetOpts.
			p.active = opt.value.(Mode)
		default:
			if opt.name >= OptNodelay {
				o.kernel = append(o.kernel, opt)
			} else if err := p.set(opt); err != nil {
				return err
			}
		}
	}
	*po, *oo = p, o
	return nil
}

// optError is the error for a bad option: einval, naming the option.
func optError(op string, opt Option, why string) error {
	return &inet.Error{Op: op, Err: &OptionError{Option: opt, Why: why}}
}

// OptionError says which option was refused, and why. It matches
// unix.EINVAL with errors.Is, as Erlang answers {error, einval}, or Err
// when that is set: ErrBadArg for an option the call does not take at all,
// where Erlang raises badarg.
type OptionError struct {
	Option Option
	Why    string
	Err    error // the reason, when it is not einval
}

// Error returns "REASON: {NAME,VALUE}: WHY", REASON einval unless Err
// says otherwise.
func (e *OptionError) Error() string {
	return inet.Reason(e.reason()) + ": " + e.Option.String() + ": " + e.Why
}

// Is makes errors.Is(err, unix.EINVAL) hold, or errors.Is(err, e.Err).
func (e *OptionError) Is(target error) bool { return target == e.reason() }

// As gives an errno reason (einval) to errors.As, so that inet.Reason
// names it.
func (e *OptionError) As(target any) bool { return asErrno(e.reason(), target) }

func (e *OptionError) reason() error {
	if e.Err != nil {
		return e.Err
	}
	return unix.EINVAL
}

// checkListen refuses what Listen does not take although Connect and
// SetOpts do: OTP 25's gen_tcp:listen raises badarg for line_delimiter.
func checkListen(opts []Option) error {
	for _, o := range opts {
		if o.name == OptLineDelimiter {
			return &inet.Error{Op: "listen", Err: &OptionError{Option: o, Why: "not a listen option (set it on the connected socket)", Err: ErrBadArg}}
		}
	}
	return nil
}

// accepted returns the options a socket accepted on a listener with the
// options p starts with: p itself, shared, unless a line delimiter was set
// on the listener (SetOpts), which OTP 25 does not pass on: an accepted
// socket's delimiter is '\n'.
func (p *portOpts) accepted() *portOpts {
	if p.delim == '\n' {
		return p
	}
	c := *p
	c.delim = '\n'
	return &c
}

// checkValue checks that opt's value has its option's type and range.
func checkValue(opt Option) error {
	bad := func(why string) error { return optError("setopts", opt, why) }
	switch v := opt.value.(type) {
	case Mode:
		if opt.name != OptActive {
			return bad("not a mode option")
		}
		if v.kind == modeN && (v.n < math.MinInt16 || v.n > math.MaxInt16) {
			return bad("want -32768..32767")
		}
	case framing.Type:
		if opt.name != OptPacket {
			return bad("not a packet option")
		}
		if v.String() == "" || v < framing.Raw || v > framing.SSLTLS {
			return bad("unknown packet type")
		}
	case int:
		switch opt.name {
		case OptPacketSize:
			if v < 0 || v > 1<<30 {
				return bad("want 0..2^30")
			}
		case OptBuffer, OptRecbuf, OptSndbuf:
			if v < 1 || v > 1<<30 {
				return bad("want 1..2^30")
			}
		case OptHeader, OptHighWatermark, OptLowWatermark, OptBacklog, OptPriority, OptTos, OptTclass:
			if v < 0 || v > 1<<30 {
				return bad("want a non-negative integer")
			}
		case OptTTL:
			if v < 1 || v > 255 {
				return bad("want 1..255")
			}
		case OptPort:
			if v < 0 || v > 65535 {
				return bad("want 0..65535")
			}
		case OptFd:
			if v < 0 {
				return bad("want an open fd")
			}
		default:
			return bad("not an integer option")
		}
	case bool:
		switch opt.name {
		case OptExitOnClose, OptShowEconnreset, OptSendTimeoutClose, OptDelaySend,
			OptNodelay, OptKeepalive, OptReuseaddr, OptReuseport, OptDontroute, OptIPv6Only,
			OptRecvTos, OptRecvTTL, OptRecvTclass:
		default:
			return bad("not a boolean option")
		}
	case time.Duration:
		if opt.name != OptSendTimeout || (v < 0 && v != Infinity) {
			return bad("want milliseconds or Infinity")
		}
	case byte:
		if opt.name != OptLineDelimiter {
			return bad("not a character option")
		}
	case string:
		switch opt.name {
		case OptMode:
			if v != "binary" {
				return bad("only binary: Go has no charlists, data is []byte")
			}
		case OptBindToDevice:
			if len(v) >= unix.IFNAMSIZ {
				return bad("interface name too long")
			}
		default:
			return bad("not a string option")
		}
	case Backend:
		if opt.name != OptInetBackend || v > BackendSocket {
			return bad("want BackendInet or BackendSocket")
		}
	case LingerValue:
		if opt.name != OptLinger || v.Seconds < 0 {
			return bad("want {Bool, Seconds >= 0}")
		}
	case inet.LocalAddr:
		if opt.name != OptIP || len(v) >= len(unix.RawSockaddrUnix{}.Path) {
			return bad("want a path shorter than 108 bytes")
		}
	case []Option:
		return bad("pktoptions can only be read")
	case RawValue, netip.Addr, inet.Family:
	default:
		return bad("unknown value type")
	}
	return nil
}

// set applies a checked port option. Active is handled by the socket (it
// may deliver); here it only records.
func (p *portOpts) set(opt Option) error {
	switch opt.name {
	case OptActive:
		m, err := activeAfter(p.active, opt)
		if err != nil {
			return err
		}
		p.active = m
	case OptPacket:
		p.packet = opt.value.(framing.Type)
	case OptPacketSize:
		p.packetSize = int32(opt.value.(int))
	case OptLineDelimiter:
		p.delim = opt.value.(byte)
	case OptBuffer:
		p.buffer = int32(opt.value.(int))
	case OptHeader:
		p.header = int32(opt.value.(int))
	case OptMode:
	case OptExitOnClose:
		p.exitOnClose = opt.value.(bool)
	case OptShowEconnreset:
		p.showEconnreset = opt.value.(bool)
	case OptSendTimeout:
		p.sendTimeout = opt.value.(time.Duration)
	case OptSendTimeoutClose:
		p.sendTimeoutClose = opt.value.(bool)
	case OptHighWatermark:
		p.high = int32(opt.value.(int))
		p.low = min(p.low, p.high)
	case OptLowWatermark:
		p.low = int32(opt.value.(int))
		p.high = max(p.high, p.low)
	case OptDelaySend:
		p.delaySend = opt.value.(bool)
	case OptInetBackend:
		p.backend = opt.value.(Backend)
	}
	return nil
}

// addActive is how a new active value combines with the current one, as
// in inet_drv: N adds to a counter (from zero when the socket is not in N
// mode), and a sum of zero or less is passive; the other modes replace.
// A sum past 32767 is refused.
func addActive(cur, m Mode) (Mode, bool) {
	if m.kind != modeN {
		return m, true
	}
	n := m.n
	if cur.kind == modeN {
		n += cur.n
	}
	switch {
	case n > math.MaxInt16:
		return cur, false
	case n <= 0:
		return False, true
	}
	return Mode{kind: modeN, n: n}, true
}

// activeAfter is the mode after opt, an active option, is set on a port
// in mode cur: addActive, or an error naming opt.
func activeAfter(cur Mode, opt Option) (Mode, error) {
	m, ok := addActive(cur, opt.value.(Mode))
	if !ok {
		return cur, optError("setopts", opt, "the counter would pass 32767")
	}
	return m, nil
}

// get returns the port option name's value, or false when name is not
// the port's.
func (p *portOpts) get(name OptName) (Option, bool) {
	var v any
	switch name {
	case OptActive:
		v = p.active
	case OptPacket:
		v = p.packet
	case OptPacketSize:
		v = int(p.packetSize)
	case OptLineDelimiter:
		v = p.delim
	case OptBuffer:
		v = int(p.buffer)
	case OptHeader:
		v = int(p.header)
	case OptMode:
		v = "binary"
	case OptExitOnClose:
		v = p.exitOnClose
	case OptShowEconnreset:
		v = p.showEconnreset
	case OptSendTimeout:
		v = p.sendTimeout
	case OptSendTimeoutClose:
		v = p.sendTimeoutClose
	case OptHighWatermark:
		v = int(p.high)
	case OptLowWatermark:
		v = int(p.low)
	case OptDelaySend:
		v = p.delaySend
	case OptInetBackend:
		v = p.backend
	default:
		return Option{}, false
	}
	return Option{name, v}, true
}
