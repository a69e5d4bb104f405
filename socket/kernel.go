package socket

import (
	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/unix"
)

// setKernel applies a kernel option to fd with setsockopt.
func setKernel(fd int, opt Option) error {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	switch opt.name {
	case OptNodelay:
		return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, b(opt.value.(bool)))
	case OptKeepalive:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, b(opt.value.(bool)))
	case OptReuseaddr:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, b(opt.value.(bool)))
	case OptReuseport:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, b(opt.value.(bool)))
	case OptRecbuf:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opt.value.(int))
	case OptSndbuf:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, opt.value.(int))
	case OptPriority:
		return setPriority(fd, opt.value.(int))
	case OptTos:
		return setTos(fd, opt.value.(int))
	case OptTclass:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, opt.value.(int))
	case OptTTL:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, opt.value.(int))
	case OptLinger:
		l := opt.value.(LingerValue)
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, driver.SOLinger, &unix.Linger{Onoff: int32(b(l.On)), Linger: int32(l.Seconds)})
	case OptDontroute:
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DONTROUTE, b(opt.value.(bool)))
	case OptBindToDevice:
		return bindToDevice(fd, opt.value.(string))
	case OptIPv6Only:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, b(opt.value.(bool)))
	case OptRecvTos:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_RECVTOS, b(opt.value.(bool)))
	case OptRecvTTL:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_RECVTTL, b(opt.value.(bool)))
	case OptRecvTclass:
		return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS, b(opt.value.(bool)))
	case OptRaw:
		r := opt.value.(RawValue)
		return setsockoptBytes(fd, r.Level, r.Opt, r.Value)
	}
	return unix.ENOPROTOOPT
}

// getKernel reads a kernel option of fd. For raw, want says the level,
// the option and, by its Value's length, the size to read.
func getKernel(fd int, name OptName, want RawValue) (Option, error) {
	boolOpt := func(level, o int) (Option, error) {
		v, err := unix.GetsockoptInt(fd, level, o)
		return Option{name, v != 0}, err
	}
	intOpt := func(level, o int) (Option, error) {
		v, err := unix.GetsockoptInt(fd, level, o)
		return Option{name, v}, err
	}
	switch name {
	case OptNodelay:
		return boolOpt(unix.IPPROTO_TCP, unix.TCP_NODELAY)
	case OptKeepalive:
		return boolOpt(unix.SOL_SOCKET, unix.SO_KEEPALIVE)
	case OptReuseaddr:
		return boolOpt(unix.SOL_SOCKET, unix.SO_REUSEADDR)
	case OptReuseport:
		return boolOpt(unix.SOL_SOCKET, unix.SO_REUSEPORT)
	case OptRecbuf:
		return intOpt(unix.SOL_SOCKET, unix.SO_RCVBUF)
	case OptSndbuf:
		return intOpt(unix.SOL_SOCKET, unix.SO_SNDBUF)
	case OptPriority:
		v, err := getPriority(fd)
		return Option{name, v}, err
	case OptTos:
		return intOpt(unix.IPPROTO_IP, unix.IP_TOS)
	case OptTclass:
		return intOpt(unix.IPPROTO_IPV6, unix.IPV6_TCLASS)
	case OptTTL:
		return intOpt(unix.IPPROTO_IP, unix.IP_TTL)
	case OptLinger:
		l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, driver.SOLinger)
		if err != nil {
			return Option{}, err
		}
		return Option{name, LingerValue{l.Onoff != 0, int(l.Linger)}}, nil
	case OptDontroute:
		return boolOpt(unix.SOL_SOCKET, unix.SO_DONTROUTE)
	case OptBindToDevice:
		s, err := boundDevice(fd)
		return Option{name, s}, err
	case OptIPv6Only:
		return boolOpt(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY)
	case OptRecvTos:
		return boolOpt(unix.IPPROTO_IP, unix.IP_RECVTOS)
	case OptRecvTTL:
		return boolOpt(unix.IPPROTO_IP, unix.IP_RECVTTL)
	case OptRecvTclass:
		return boolOpt(unix.IPPROTO_IPV6, unix.IPV6_RECVTCLASS)
	case OptPktoptions:
		opts, err := pktOptions(fd)
		return Option{name, opts}, err
	case OptRaw:
		buf := make([]byte, len(want.Value))
		n, err := getsockoptBytes(fd, want.Level, want.Opt, buf)
		return Option{name, RawValue{want.Level, want.Opt, buf[:n]}}, err
	}
	return Option{}, unix.EINVAL
}

// setsockoptBytes and getsockoptBytes are the raw option's calls.
func setsockoptBytes(fd, level, opt int, v []byte) error {
	return unix.SetsockoptBytes(fd, level, opt, v)
}

func getsockoptBytes(fd, level, opt int, buf []byte) (int, error) {
	return unix.GetsockoptBytes(fd, level, opt, buf)
}
