package inet

import (
	"net/netip"
	"strconv"
	"strings"
)

// IfAddrs is one interface of GetIfAddrs, inet:getifaddrs/0's
// {Ifname, [Ifopt]}: its name and its options in Erlang's order.
//
// Opts is a list rather than a struct because the order carries meaning:
// it starts with the interface's flags; each address (IfOptAddr) is
// immediately followed by its netmask and then, if the interface has the
// broadcast flag, by its broadcast address (IPv4) or, if it has the
// pointtopoint flag, by its peer's address; the hardware address, if any,
// comes last. Every IfOptNetmask, IfOptBroadaddr or IfOptDstaddr belongs
// to the IfOptAddr before it. Addresses returns the same information
// grouped per address.
type IfAddrs struct {
	Name string // the interface name, or an IPv4 address label such as "eth0:1"
	Opts []IfOpt
}

// IfOpt is one Ifopt of an interface: Key says which, and the field that
// goes with it holds the value.
type IfOpt struct {
	Key    IfOptKey
	Flags  IfFlags    // for IfOptFlags
	Addr   netip.Addr // for IfOptAddr, IfOptNetmask, IfOptBroadaddr and IfOptDstaddr
	Hwaddr []byte     // for IfOptHwaddr: the link-layer address, such as a 6-byte MAC
}

// IfOptKey is the tag of an Ifopt tuple.
type IfOptKey uint8

// The Ifopt tags.
const (
	IfOptFlags     IfOptKey = iota + 1 // {flags, [Flag]}
	IfOptAddr                          // {addr, Addr}
	IfOptNetmask                       // {netmask, Netmask}
	IfOptBroadaddr                     // {broadaddr, Broadaddr}
	IfOptDstaddr                       // {dstaddr, Dstaddr}
	IfOptHwaddr                        // {hwaddr, Hwaddr}
)

// String returns the tag's atom: "flags", "addr", "netmask", "broadaddr",
// "dstaddr" or "hwaddr".
func (k IfOptKey) String() string {
	switch k {
	case IfOptFlags:
		return "flags"
	case IfOptAddr:
		return "addr"
	case IfOptNetmask:
		return "netmask"
	case IfOptBroadaddr:
		return "broadaddr"
	case IfOptDstaddr:
		return "dstaddr"
	case IfOptHwaddr:
		return "hwaddr"
	}
	return "IfOptKey(" + strconv.Itoa(int(k)) + ")"
}

// String writes the option as Erlang writes the tuple (io:format's ~w):
// "{flags,[up,loopback,running]}", "{addr,{127,0,0,1}}",
// "{hwaddr,[0,0,0,0,0,0]}".
func (o IfOpt) String() string {
	var v string
	switch o.Key {
	case IfOptFlags:
		v = o.Flags.String()
	case IfOptHwaddr:
		b := make([]string, len(o.Hwaddr))
		for i, x := range o.Hwaddr {
			b[i] = strconv.Itoa(int(x))
		}
		v = "[" + strings.Join(b, ",") + "]"
	default:
		v = addrTerm(o.Addr)
	}
	return "{" + o.Key.String() + "," + v + "}"
}

// IfFlags is the set of an interface's Flag atoms.
type IfFlags uint8

// The interface flags, in the order Erlang lists them.
const (
	IfUp           IfFlags = 1 << iota // up: IFF_UP
	IfBroadcast                        // broadcast: IFF_BROADCAST
	IfLoopback                         // loopback: IFF_LOOPBACK
	IfPointToPoint                     // pointtopoint: IFF_POINTOPOINT
	IfRunning                          // running: set with up, as inet_drv emulates it, not IFF_RUNNING
	IfMulticast                        // multicast: IFF_MULTICAST
)

var ifFlagAtoms = [...]string{"up", "broadcast", "loopback", "pointtopoint", "running", "multicast"}

// Atoms returns the flags' atoms in Erlang's order, such as
// ["up", "loopback", "running"].
func (f IfFlags) Atoms() []string {
	var s []string
	for i, a := range ifFlagAtoms {
		if f&(1<<i) != 0 {
			s = append(s, a)
		}
	}
	return s
}

// String writes the flags as Erlang writes the list: "[up,loopback,running]".
func (f IfFlags) String() string {
	return "[" + strings.Join(f.Atoms(), ",") + "]"
}

// String writes the interface as Erlang writes its tuple, such as
// {"lo",[{flags,[up,loopback,running]},{addr,{127,0,0,1}},...]}.
func (ifa IfAddrs) String() string {
	opts := make([]string, len(ifa.Opts))
	for i, o := range ifa.Opts {
		opts[i] = o.String()
	}
	return "{" + strconv.Quote(ifa.Name) + ",[" + strings.Join(opts, ",") + "]}"
}

// Flags returns the interface's flags: those of its first IfOptFlags.
func (ifa IfAddrs) Flags() IfFlags {
	for _, o := range ifa.Opts {
		if o.Key == IfOptFlags {
			return o.Flags
		}
	}
	return 0
}

// Hwaddr returns the interface's hardware address, or nil.
func (ifa IfAddrs) Hwaddr() []byte {
	for _, o := range ifa.Opts {
		if o.Key == IfOptHwaddr {
			return o.Hwaddr
		}
	}
	return nil
}

// IfAddress is one address of an interface with the options that concern
// it. Broadaddr and Dstaddr are the zero Addr when absent.
type IfAddress struct {
	Addr      netip.Addr
	Netmask   netip.Addr
	Broadaddr netip.Addr
	Dstaddr   netip.Addr
}

// Addresses returns the interface's addresses, each with the netmask,
// broadaddr and dstaddr options that follow it, in order.
func (ifa IfAddrs) Addresses() []IfAddress {
	var as []IfAddress
	for _, o := range ifa.Opts {
		if o.Key == IfOptAddr {
			as = append(as, IfAddress{Addr: o.Addr})
			continue
		}
		if len(as) == 0 {
			continue
		}
		switch last := &as[len(as)-1]; o.Key {
		case IfOptNetmask:
			last.Netmask = o.Addr
		case IfOptBroadaddr:
			last.Broadaddr = o.Addr
		case IfOptDstaddr:
			last.Dstaddr = o.Addr
		}
	}
	return as
}
