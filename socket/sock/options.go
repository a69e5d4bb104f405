package sock

import (
	"math"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/unix"
)

// Option names a socket option as Erlang does, {Level, Name}:
// Option{"socket", "reuseaddr"} is {socket, reuseaddr}. The Opt variables
// are the options this package knows; SetOpt and GetOpt refuse others.
type Option struct{ Level, Name string }

// String returns "{Level,Name}".
func (o Option) String() string { return "{" + o.Level + "," + o.Name + "}" }

// The options, with the Go type of their values. Type, Protocol, Domain
// and AcceptConn can only be read.
var (
	OptReuseAddr  = Option{"socket", "reuseaddr"}  // bool
	OptReusePort  = Option{"socket", "reuseport"}  // bool
	OptKeepAlive  = Option{"socket", "keepalive"}  // bool
	OptBroadcast  = Option{"socket", "broadcast"}  // bool
	OptLinger     = Option{"socket", "linger"}     // Linger
	OptRcvBuf     = Option{"socket", "rcvbuf"}     // int: the kernel's receive buffer, SO_RCVBUF
	OptSndBuf     = Option{"socket", "sndbuf"}     // int: the kernel's send buffer, SO_SNDBUF
	OptType       = Option{"socket", "type"}       // Type
	OptProtocol   = Option{"socket", "protocol"}   // Protocol
	OptDomain     = Option{"socket", "domain"}     // Domain
	OptAcceptConn = Option{"socket", "acceptconn"} // bool: listening
	OptNoDelay    = Option{"tcp", "nodelay"}       // bool
	OptV6Only     = Option{"ipv6", "v6only"}       // bool
	OptOTPRcvBuf  = Option{"otp", "rcvbuf"}        // int: the most a Recv of Length 0 returns; 8192 by default
)

// Linger is the value of {socket, linger}: #{onoff => OnOff, linger =>
// Linger}. With OnOff, Close holds until the peer has the data, at most
// Linger seconds.
type Linger struct {
	OnOff  bool
	Linger int // seconds
}

// kernelOpt is an option the kernel keeps, an int that is a bool when
// isBool.
type kernelOpt struct {
	level, name int
	isBool      bool
	readOnly    bool
}

var kernelOpts = map[Option]kernelOpt{
	OptReuseAddr:  {unix.SOL_SOCKET, unix.SO_REUSEADDR, true, false},
	OptReusePort:  {unix.SOL_SOCKET, unix.SO_REUSEPORT, true, false},
	OptKeepAlive:  {unix.SOL_SOCKET, unix.SO_KEEPALIVE, true, false},
	OptBroadcast:  {unix.SOL_SOCKET, unix.SO_BROADCAST, true, false},
	OptRcvBuf:     {unix.SOL_SOCKET, unix.SO_RCVBUF, false, false},
	OptSndBuf:     {unix.SOL_SOCKET, unix.SO_SNDBUF, false, false},
	OptAcceptConn: {unix.SOL_SOCKET, unix.SO_ACCEPTCONN, true, true},
	OptNoDelay:    {unix.IPPROTO_TCP, unix.TCP_NODELAY, true, false},
	OptV6Only:     {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, true, false},
}

// SetOpt sets an option: socket:setopt(S, Option, Value). A value of the
// wrong Go type, or out of range, is refused with an *ArgError, as OTP
// refuses it with {invalid, {socket_option, Option, Value}}.
func (s *Socket) SetOpt(opt Option, value any) error {
	switch opt {
	case OptOTPRcvBuf:
		n, ok := value.(int)
		if !ok || n < 1 || n > math.MaxInt32 {
			return badValue(opt, value, "an int from 1")
		}
		s.rcvbuf.Store(int32(n))
		return nil
	case OptLinger:
		l, ok := value.(Linger)
		if !ok || l.Linger < 0 || l.Linger > math.MaxInt32 {
			return badValue(opt, value, "a Linger of 0 or more seconds")
		}
		return s.control("setopt", func(fd int) error {
			return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, driver.SOLinger, &unix.Linger{Onoff: int32(b2i(l.OnOff)), Linger: int32(l.Linger)})
		})
	}
	k, ok := kernelOpts[opt]
	if !ok || k.readOnly {
		return badArg("setopt", "socket_option", opt, "an option that can be set")
	}
	v, ok := k.encode(value)
	if !ok {
		return badValue(opt, value, k.want())
	}
	return s.control("setopt", func(fd int) error { return unix.SetsockoptInt(fd, k.level, k.name, v) })
}

// GetOpt returns an option's value: socket:getopt(S, Option). The value's
// Go type is the one the option's variable names.
func (s *Socket) GetOpt(opt Option) (any, error) {
	switch opt {
	case OptOTPRcvBuf:
		return int(s.rcvbuf.Load()), nil
	case OptType:
		return s.typ, nil
	case OptProtocol:
		return s.proto, nil
	case OptDomain:
		return s.domain, nil
	case OptLinger:
		var l *unix.Linger
		err := s.control("getopt", func(fd int) (err error) {
			l, err = unix.GetsockoptLinger(fd, unix.SOL_SOCKET, driver.SOLinger)
			return err
		})
		if err != nil {
			return nil, err
		}
		return Linger{OnOff: l.Onoff != 0, Linger: int(l.Linger)}, nil
	}
	k, ok := kernelOpts[opt]
	if !ok {
		return nil, badArg("getopt", "socket_option", opt, "an option this package knows")
	}
	var v int
	err := s.control("getopt", func(fd int) (err error) {
		v, err = unix.GetsockoptInt(fd, k.level, k.name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if k.isBool {
		return v != 0, nil
	}
	return v, nil
}

// encode returns value as the kernel's int, and whether it has the
// option's type.
func (k kernelOpt) encode(value any) (int, bool) {
	switch v := value.(type) {
	case bool:
		return b2i(v), k.isBool
	case int:
		return v, !k.isBool && v >= 0 && v <= math.MaxInt32
	}
	return 0, false
}

func (k kernelOpt) want() string {
	if k.isBool {
		return "a bool"
	}
	return "an int of 0 or more"
}

// badValue is setopt's error for a value opt does not take.
func badValue(opt Option, value any, want string) error {
	return badArg("setopt", opt.String(), value, want)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
