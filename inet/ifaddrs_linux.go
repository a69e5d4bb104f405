package inet

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
	"syscall"
)

// GetIfAddrs is inet:getifaddrs/0: every network interface with its flags,
// addresses and hardware address, read from the kernel over rtnetlink.
//
// The result is what OTP builds on Linux from glibc's getifaddrs(3), entry
// for entry: the links in the kernel's order, then the IPv4 address labels
// (such as "eth0:1") that are not a link's name; per interface its flags,
// then its IPv4 and then its IPv6 addresses in the kernel's order, each
// with its netmask and, as the interface's flags say, its broadcast or
// peer address, and last its hardware address if it is at least two bytes
// long. As in glibc, an IPv4 address on a broadcast
// interface that has no broadcast address configured reports its own
// address as broadaddr. An interface name is the kernel's bytes, where
// Erlang has their Latin-1 characters.
func GetIfAddrs() ([]IfAddrs, error) {
	links, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil, ifaddrsError(err)
	}
	addrs, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return nil, ifaddrsError(err)
	}
	entries, err := ifEntries(links, addrs)
	if err != nil {
		return nil, ifaddrsError(err)
	}
	return groupIfEntries(entries), nil
}

func ifaddrsError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	return &Error{Op: "getifaddrs", Err: err}
}

// ifEntry is one struct ifaddrs of glibc's getifaddrs as inet_drv encodes
// it: a name, the flags, and the options that follow them.
type ifEntry struct {
	name  string
	flags IfFlags
	opts  []IfOpt
}

// glibc's limits: a link-layer address must fit its sockaddr_ll_max union
// (36 bytes), an address label IFNAMSIZ with its NUL.
const (
	maxHwaddr  = 36
	ifNameSize = 16
)

// ifEntries decodes the replies to RTM_GETLINK and RTM_GETADDR dumps into
// the entries glibc's getifaddrs makes of them: one per link, then one per
// address of a known link.
func ifEntries(links, addrs []byte) ([]ifEntry, error) {
	type link struct {
		name  string
		flags uint32
	}
	byIndex := make(map[int32]link)
	var entries []ifEntry

	msgs, err := syscall.ParseNetlinkMessage(links)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_ERROR {
			return nil, netlinkError(m.Data)
		}
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		index := int32(binary.NativeEndian.Uint32(m.Data[4:8]))
		flags := binary.NativeEndian.Uint32(m.Data[8:12])
		var name string
		var hw []byte
		hasHw := false
		for _, a := range routeAttrs(m.Data[syscall.SizeofIfInfomsg:]) {
			switch a.typ {
			case syscall.IFLA_IFNAME:
				name = cString(a.data)
			case syscall.IFLA_ADDRESS:
				if len(a.data) <= maxHwaddr {
					hw, hasHw = a.data, true
				}
			}
		}
		byIndex[index] = link{name, flags}
		e := ifEntry{name: name, flags: ifFlags(flags)}
		// inet_drv reports a link-layer address only from two bytes on.
		if hasHw && len(hw) >= 2 {
			e.opts = append(e.opts, IfOpt{Key: IfOptHwaddr, Hwaddr: append([]byte(nil), hw...)})
		}
		entries = append(entries, e)
	}

	msgs, err = syscall.ParseNetlinkMessage(addrs)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_ERROR {
			return nil, netlinkError(m.Data)
		}
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		family := m.Data[0]
		prefixLen := int(m.Data[1])
		index := int32(binary.NativeEndian.Uint32(m.Data[4:8]))
		l, ok := byIndex[index]
		if !ok {
			continue // glibc drops addresses of links it did not list
		}
		var size int
		switch family {
		case syscall.AF_INET:
			size = 4
		case syscall.AF_INET6:
			size = 16
		}
		// glibc keeps a sockaddr for the address and one shared by the
		// broadcast and the peer address (a union in struct ifaddrs).
		// IFA_ADDRESS fills the first, or the second when IFA_LOCAL came
		// first; IFA_LOCAL moves a previous address to the second, so that
		// a point-to-point link has IFA_LOCAL as its address and IFA_ADDRESS
		// as its peer; IFA_BROADCAST replaces the second.
		var addr, other []byte
		hasAddr, hasOther := false, false
		name := l.name
		for _, a := range routeAttrs(m.Data[syscall.SizeofIfAddrmsg:]) {
			switch a.typ {
			case syscall.IFA_ADDRESS:
				if hasAddr {
					other, hasOther = a.data, true
				} else {
					addr, hasAddr = a.data, true
				}
			case syscall.IFA_LOCAL:
				if hasAddr {
					other, hasOther = addr, true
				}
				addr, hasAddr = a.data, true
			case syscall.IFA_BROADCAST:
				other, hasOther = a.data, true
			case syscall.IFA_LABEL:
				if len(a.data)+1 <= ifNameSize {
					name = cString(a.data)
				}
			}
		}
		e := ifEntry{name: name, flags: ifFlags(l.flags)}
		// inet_drv encodes addresses of the inet families only; for others
		// the entry has nothing but its flags.
		if size > 0 && hasAddr {
			e.opts = append(e.opts,
				IfOpt{Key: IfOptAddr, Addr: ifaAddr(addr, size)},
				IfOpt{Key: IfOptNetmask, Addr: prefixMask(prefixLen, size)})
			switch {
			case hasOther && l.flags&syscall.IFF_POINTOPOINT != 0:
				e.opts = append(e.opts, IfOpt{Key: IfOptDstaddr, Addr: ifaAddr(other, size)})
			case hasOther && l.flags&syscall.IFF_BROADCAST != 0:
				e.opts = append(e.opts, IfOpt{Key: IfOptBroadaddr, Addr: ifaAddr(other, size)})
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// netlinkError is the errno of an NLMSG_ERROR message.
func netlinkError(data []byte) error {
	if len(data) < 4 {
		return syscall.EINVAL
	}
	return syscall.Errno(-int32(binary.NativeEndian.Uint32(data[:4])))
}

// ifFlags is inet_drv's IFGET_FLAGS: the Erlang flags of ifi_flags. Like
// inet_drv it reports running whenever the interface is up.
func ifFlags(f uint32) IfFlags {
	var g IfFlags
	if f&syscall.IFF_UP != 0 {
		g |= IfUp | IfRunning
	}
	if f&syscall.IFF_BROADCAST != 0 {
		g |= IfBroadcast
	}
	if f&syscall.IFF_LOOPBACK != 0 {
		g |= IfLoopback
	}
	if f&syscall.IFF_POINTOPOINT != 0 {
		g |= IfPointToPoint
	}
	if f&syscall.IFF_MULTICAST != 0 {
		g |= IfMulticast
	}
	return g
}

// ifaAddr is an address attribute as glibc stores it: the bytes when they
// have the family's size, the family's zero address when not.
func ifaAddr(b []byte, size int) netip.Addr {
	if size == 4 {
		var a [4]byte
		if len(b) == 4 {
			copy(a[:], b)
		}
		return netip.AddrFrom4(a)
	}
	var a [16]byte
	if len(b) == 16 {
		copy(a[:], b)
	}
	return netip.AddrFrom16(a)
}

// prefixMask is the mask of a prefix length, as glibc computes it.
func prefixMask(bits, size int) netip.Addr {
	var m [16]byte
	bits = min(bits, 8*size)
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	if size == 4 {
		return netip.AddrFrom4([4]byte(m[:4]))
	}
	return netip.AddrFrom16(m)
}

// cString is b up to its first NUL.
func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

type routeAttr struct {
	typ  uint16
	data []byte
}

// routeAttrs splits rtnetlink attributes, stopping at the first malformed
// one.
func routeAttrs(b []byte) []routeAttr {
	var as []routeAttr
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b[0:2]))
		if n < 4 || n > len(b) {
			break
		}
		as = append(as, routeAttr{typ: binary.NativeEndian.Uint16(b[2:4]), data: b[4:n]})
		n = (n + 3) &^ 3 // RTA_ALIGN
		if n > len(b) {
			break
		}
		b = b[n:]
	}
	return as
}

// groupIfEntries is prim_inet's comp_ifaddrs/1: the entries of each name
// merged, names in order of first appearance; within a name, entries
// grouped by their flags, each group one {flags, F} followed by the
// group's options with the hardware address moved last.
func groupIfEntries(entries []ifEntry) []IfAddrs {
	type group struct {
		flags IfFlags
		opts  []IfOpt
	}
	var names []string
	groups := make(map[string][]group)
	for _, e := range entries {
		gs, seen := groups[e.name]
		if !seen {
			names = append(names, e.name)
		}
		i := 0
		for i < len(gs) && gs[i].flags != e.flags {
			i++
		}
		if i == len(gs) {
			gs = append(gs, group{flags: e.flags})
		}
		gs[i].opts = append(gs[i].opts, e.opts...)
		groups[e.name] = gs
	}
	out := make([]IfAddrs, 0, len(names))
	for _, name := range names {
		// comp_ifaddrs_3: each group's options get their hardware address
		// moved last, and so do all the groups after the first, together.
		gs := groups[name]
		var opts []IfOpt
		for i := len(gs) - 1; i >= 0; i-- {
			head := append([]IfOpt{{Key: IfOptFlags, Flags: gs[i].flags}}, hwaddrLast(gs[i].opts)...)
			opts = append(head, hwaddrLast(opts)...)
		}
		out = append(out, IfAddrs{Name: name, Opts: opts})
	}
	return out
}

// hwaddrLast moves the IfOptHwaddr options to the end, keeping the order.
func hwaddrLast(opts []IfOpt) []IfOpt {
	out := make([]IfOpt, 0, len(opts))
	var hw []IfOpt
	for _, o := range opts {
		if o.Key == IfOptHwaddr {
			hw = append(hw, o)
		} else {
			out = append(out, o)
		}
	}
	return append(out, hw...)
}
