package socket

import (
	"encoding/binary"

	"github.com/otpnet/otpnet/driver"
	"golang.org/x/sys/unix"
)

// The kernel options that only Linux has, or has its own way.

func setPriority(fd, prio int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, prio)
}

func getPriority(fd int) (int, error) {
	return unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY)
}

// setTos sets IP_TOS, which on Linux also sets SO_PRIORITY: it keeps the
// priority, as inet_drv does.
func setTos(fd, tos int) error {
	prio, perr := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY)
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TOS, tos); err != nil || perr != nil {
		return err
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, prio)
}

func bindToDevice(fd int, dev string) error { return unix.BindToDevice(fd, dev) }

func boundDevice(fd int) (string, error) {
	return unix.GetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE)
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

// pktOptions reads what the kernel kept of the last packet received, as
// inet_drv's getopt of pktoptions does: the control messages of
// IP_PKTOPTIONS (IPV6_2292PKTOPTIONS on an IPv6 socket), those of them
// that say a TOS, a TTL or a traffic class, as options.
func pktOptions(fd int) ([]Option, error) {
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return nil, err
	}
	level, opt := unix.IPPROTO_IP, unix.IP_PKTOPTIONS
	if domain == unix.AF_INET6 {
		level, opt = unix.IPPROTO_IPV6, unix.IPV6_2292PKTOPTIONS
	}
	buf := make([]byte, 512)
	n, err := getsockoptBytes(fd, level, opt, buf)
	if err != nil {
		return nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(buf[:n])
	if err != nil {
		return nil, err
	}
	opts := []Option{}
	for _, m := range msgs {
		var name OptName
		switch h := m.Header; {
		case h.Level == unix.IPPROTO_IP && (h.Type == unix.IP_TOS || h.Type == unix.IP_RECVTOS):
			name = OptTos
		case h.Level == unix.IPPROTO_IP && (h.Type == unix.IP_TTL || h.Type == unix.IP_RECVTTL):
			name = OptTTL
		case h.Level == unix.IPPROTO_IPV6 && (h.Type == unix.IPV6_TCLASS || h.Type == unix.IPV6_RECVTCLASS):
			name = OptTclass
		default:
			continue
		}
		opts = append(opts, Option{name, cmsgInt(m.Data)})
	}
	return opts, nil
}

// cmsgInt is a control message's integer, of whatever size it has, as
// inet_drv's load_cmsg_int reads it; 0 for a size it does not know.
func cmsgInt(b []byte) int {
	switch len(b) {
	case 1:
		return int(b[0])
	case 2:
		return int(binary.NativeEndian.Uint16(b))
	case 4:
		return int(binary.NativeEndian.Uint32(b))
	case 8:
		return int(binary.NativeEndian.Uint64(b))
	}
	return 0
}
