package inet

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Netlink messages for ifEntries, as the kernel sends them.

func nlMsg(typ uint16, body []byte) []byte {
	b := make([]byte, syscall.NLMSG_HDRLEN, syscall.NLMSG_HDRLEN+len(body)+3)
	binary.NativeEndian.PutUint32(b[0:4], uint32(syscall.NLMSG_HDRLEN+len(body)))
	binary.NativeEndian.PutUint16(b[4:6], typ)
	b = append(b, body...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func rtAttr(typ uint16, data []byte) []byte {
	b := make([]byte, 4, 4+len(data)+3)
	binary.NativeEndian.PutUint16(b[0:2], uint16(4+len(data)))
	binary.NativeEndian.PutUint16(b[2:4], typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func linkMsg(index int32, flags uint32, attrs ...[]byte) []byte {
	b := make([]byte, syscall.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	binary.NativeEndian.PutUint32(b[8:12], flags)
	return nlMsg(syscall.RTM_NEWLINK, append(b, slices.Concat(attrs...)...))
}

func addrMsg(family, prefixLen uint8, index int32, attrs ...[]byte) []byte {
	b := make([]byte, syscall.SizeofIfAddrmsg)
	b[0], b[1] = family, prefixLen
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	return nlMsg(syscall.RTM_NEWADDR, append(b, slices.Concat(attrs...)...))
}

func nlName(s string) []byte { return append([]byte(s), 0) }
func nlIP(s string) []byte   { return netip.MustParseAddr(s).AsSlice() }

var nlDone = nlMsg(syscall.NLMSG_DONE, make([]byte, 4))

// syntheticDumps is an RTM_GETLINK and an RTM_GETADDR dump with the cases
// glibc's getifaddrs and inet_drv treat differently.
func syntheticDumps() (links, addrs []byte) {
	const (
		up, bcast, loop, p2p, running, mcast = syscall.IFF_UP, syscall.IFF_BROADCAST, syscall.IFF_LOOPBACK,
			syscall.IFF_POINTOPOINT, syscall.IFF_RUNNING, syscall.IFF_MULTICAST
	)
	links = slices.Concat(
		linkMsg(1, up|loop|running, rtAttr(syscall.IFLA_IFNAME, nlName("lo")), rtAttr(syscall.IFLA_ADDRESS, make([]byte, 6))),
		linkMsg(2, up|bcast|running|mcast, rtAttr(syscall.IFLA_ADDRESS, []byte{2, 252, 0, 0, 0, 1}),
			rtAttr(syscall.IFLA_IFNAME, nlName("eth0")), rtAttr(syscall.IFLA_MTU, []byte{0xdc, 5, 0, 0})),
		linkMsg(3, up|p2p|mcast, rtAttr(syscall.IFLA_IFNAME, nlName("ppp0"))), // no IFF_RUNNING: running anyway
		linkMsg(4, bcast|mcast, rtAttr(syscall.IFLA_IFNAME, nlName("eth1")), rtAttr(syscall.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, 2})),
		linkMsg(5, up, rtAttr(syscall.IFLA_IFNAME, nlName("odd0")), rtAttr(syscall.IFLA_ADDRESS, []byte{7})),
		nlDone,
	)
	addrs = slices.Concat(
		// IPv4, as the kernel sends it: IFA_ADDRESS, IFA_LOCAL,
		// IFA_BROADCAST if any, IFA_LABEL.
		addrMsg(syscall.AF_INET, 8, 1, rtAttr(syscall.IFA_ADDRESS, nlIP("127.0.0.1")),
			rtAttr(syscall.IFA_LOCAL, nlIP("127.0.0.1")), rtAttr(syscall.IFA_LABEL, nlName("lo"))),
		addrMsg(syscall.AF_INET, 24, 2, rtAttr(syscall.IFA_ADDRESS, nlIP("192.0.2.2")),
			rtAttr(syscall.IFA_LOCAL, nlIP("192.0.2.2")), rtAttr(syscall.IFA_BROADCAST, nlIP("192.0.2.255")),
			rtAttr(syscall.IFA_LABEL, nlName("eth0"))),
		// A labelled address with no broadcast address: glibc keeps
		// IFA_ADDRESS as the broadcast address.
		addrMsg(syscall.AF_INET, 24, 2, rtAttr(syscall.IFA_ADDRESS, nlIP("192.0.2.3")),
			rtAttr(syscall.IFA_LOCAL, nlIP("192.0.2.3")), rtAttr(syscall.IFA_LABEL, nlName("eth0:1"))),
		// Point-to-point: IFA_ADDRESS is the peer.
		addrMsg(syscall.AF_INET, 32, 3, rtAttr(syscall.IFA_ADDRESS, nlIP("10.0.0.2")),
			rtAttr(syscall.IFA_LOCAL, nlIP("10.0.0.1")), rtAttr(syscall.IFA_LABEL, nlName("ppp0"))),
		// Malformed: a 3-byte address (glibc: 0.0.0.0) and a prefix over 32.
		addrMsg(syscall.AF_INET, 200, 5, rtAttr(syscall.IFA_ADDRESS, []byte{1, 2, 3})),
		// An address of a link that was not listed.
		addrMsg(syscall.AF_INET, 24, 99, rtAttr(syscall.IFA_ADDRESS, nlIP("198.51.100.1"))),
		// A label too long for IFNAMSIZ is ignored.
		addrMsg(syscall.AF_INET, 16, 4, rtAttr(syscall.IFA_ADDRESS, nlIP("172.16.0.1")),
			rtAttr(syscall.IFA_LABEL, nlName("eth1:0123456789ab"))),
		// IPv6: IFA_ADDRESS alone, or IFA_LOCAL and then the peer.
		addrMsg(syscall.AF_INET6, 128, 1, rtAttr(syscall.IFA_ADDRESS, nlIP("::1"))),
		addrMsg(syscall.AF_INET6, 64, 2, rtAttr(syscall.IFA_ADDRESS, nlIP("fe80::1"))),
		addrMsg(syscall.AF_INET6, 64, 3, rtAttr(syscall.IFA_LOCAL, nlIP("fe80::a")), rtAttr(syscall.IFA_ADDRESS, nlIP("fe80::b"))),
		// Another family: an entry with nothing but flags.
		addrMsg(syscall.AF_DECnet, 0, 2, rtAttr(syscall.IFA_ADDRESS, []byte{1, 2})),
		nlDone,
	)
	return links, addrs
}

func TestIfEntriesSynthetic(t *testing.T) {
	links, addrs := syntheticDumps()
	entries, err := ifEntries(links, addrs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ifa := range groupIfEntries(entries) {
		got = append(got, ifa.String())
	}
	want := []string{
		`{"lo",[{flags,[up,loopback,running]},{addr,{127,0,0,1}},{netmask,{255,0,0,0}},` +
			`{addr,{0,0,0,0,0,0,0,1}},{netmask,{65535,65535,65535,65535,65535,65535,65535,65535}},{hwaddr,[0,0,0,0,0,0]}]}`,
		`{"eth0",[{flags,[up,broadcast,running,multicast]},{addr,{192,0,2,2}},{netmask,{255,255,255,0}},{broadaddr,{192,0,2,255}},` +
			`{addr,{65152,0,0,0,0,0,0,1}},{netmask,{65535,65535,65535,65535,0,0,0,0}},{hwaddr,[2,252,0,0,0,1]}]}`,
		`{"ppp0",[{flags,[up,pointtopoint,running,multicast]},{addr,{10,0,0,1}},{netmask,{255,255,255,255}},{dstaddr,{10,0,0,2}},` +
			`{addr,{65152,0,0,0,0,0,0,10}},{netmask,{65535,65535,65535,65535,0,0,0,0}},{dstaddr,{65152,0,0,0,0,0,0,11}}]}`,
		`{"eth1",[{flags,[broadcast,multicast]},{addr,{172,16,0,1}},{netmask,{255,255,0,0}},{hwaddr,[2,0,0,0,0,2]}]}`,
		`{"odd0",[{flags,[up,running]},{addr,{0,0,0,0}},{netmask,{255,255,255,255}}]}`,
		`{"eth0:1",[{flags,[up,broadcast,running,multicast]},{addr,{192,0,2,3}},{netmask,{255,255,255,0}},{broadaddr,{192,0,2,3}}]}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("interfaces (-want +got):\n%s", diff)
	}
}

func TestIfEntriesErrors(t *testing.T) {
	errMsg := make([]byte, 20)
	code := -int32(syscall.EPERM) // nlmsgerr.error: a negated errno
	binary.NativeEndian.PutUint32(errMsg[0:4], uint32(code))
	links, addrs := syntheticDumps()
	for _, tt := range []struct {
		links, addrs []byte
		want         error
	}{
		{nlMsg(syscall.NLMSG_ERROR, errMsg), addrs, syscall.EPERM},
		{links, nlMsg(syscall.NLMSG_ERROR, errMsg[:2]), syscall.EINVAL},
		{links[:len(links)-3], addrs, syscall.EINVAL}, // truncated: ParseNetlinkMessage's error
	} {
		if _, err := ifEntries(tt.links, tt.addrs); !errors.Is(err, tt.want) {
			t.Errorf("ifEntries = %v, want %v", err, tt.want)
		}
	}
	if err := ifaddrsError(syscall.ENOBUFS); Reason(err) != "enobufs" || err.Error() != "socket: getifaddrs: enobufs" {
		t.Errorf("ifaddrsError = %v", err)
	}
}

// FuzzIfEntries checks that no dump, however malformed, panics.
func FuzzIfEntries(f *testing.F) {
	links, addrs := syntheticDumps()
	f.Add(links, addrs)
	f.Add(links[:40], addrs[:50])
	f.Fuzz(func(t *testing.T, links, addrs []byte) {
		if entries, err := ifEntries(links, addrs); err == nil {
			groupIfEntries(entries)
		}
	})
}

// TestGroupIfEntries checks comp_ifaddrs's merging: one interface whose
// entries carry different flags, as when they change mid-dump.
func TestGroupIfEntries(t *testing.T) {
	hw := func(b byte) IfOpt { return IfOpt{Key: IfOptHwaddr, Hwaddr: []byte{b, b}} }
	addr := func(b byte) IfOpt { return IfOpt{Key: IfOptAddr, Addr: tup4(10, 0, 0, b)} }
	f1, f2, f3 := IfUp|IfRunning, IfBroadcast, IfLoopback
	entries := []ifEntry{
		{"a", f1, []IfOpt{hw(1)}},
		{"b", f1, []IfOpt{addr(9)}},
		{"a", f2, []IfOpt{addr(2), hw(2)}},
		{"a", f1, []IfOpt{addr(1)}},
		{"a", f3, []IfOpt{addr(3)}},
		{"b", f1, nil},
	}
	var got []string
	for _, ifa := range groupIfEntries(entries) {
		got = append(got, ifa.String())
	}
	// comp_ifaddrs_3 moves the hardware address of the second group past
	// the third, as it moves it to the end of everything after the first.
	want := []string{
		`{"a",[{flags,[up,running]},{addr,{10,0,0,1}},{hwaddr,[1,1]},{flags,[broadcast]},{addr,{10,0,0,2}},` +
			`{flags,[loopback]},{addr,{10,0,0,3}},{hwaddr,[2,2]}]}`,
		`{"b",[{flags,[up,running]},{addr,{10,0,0,9}}]}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grouped (-want +got):\n%s", diff)
	}
}

func TestIfAddrsAccessors(t *testing.T) {
	ifa := IfAddrs{Name: "ppp0", Opts: []IfOpt{
		{Key: IfOptFlags, Flags: IfUp | IfPointToPoint | IfRunning},
		{Key: IfOptNetmask, Addr: tup4(255, 0, 0, 0)}, // before any addr: belongs to none
		{Key: IfOptAddr, Addr: tup4(10, 0, 0, 1)},
		{Key: IfOptNetmask, Addr: tup4(255, 255, 255, 255)},
		{Key: IfOptDstaddr, Addr: tup4(10, 0, 0, 2)},
		{Key: IfOptAddr, Addr: tup4(192, 0, 2, 1)},
		{Key: IfOptNetmask, Addr: tup4(255, 255, 255, 0)},
		{Key: IfOptBroadaddr, Addr: tup4(192, 0, 2, 255)},
		{Key: IfOptHwaddr, Hwaddr: []byte{1, 2}},
	}}
	if got, want := ifa.Flags(), IfUp|IfPointToPoint|IfRunning; got != want {
		t.Errorf("Flags() = %v, want %v", got, want)
	}
	if got := ifa.Flags().Atoms(); !slices.Equal(got, []string{"up", "pointtopoint", "running"}) {
		t.Errorf("Atoms() = %q", got)
	}
	if got := ifa.Hwaddr(); !slices.Equal(got, []byte{1, 2}) {
		t.Errorf("Hwaddr() = %v", got)
	}
	want := []IfAddress{
		{Addr: tup4(10, 0, 0, 1), Netmask: tup4(255, 255, 255, 255), Dstaddr: tup4(10, 0, 0, 2)},
		{Addr: tup4(192, 0, 2, 1), Netmask: tup4(255, 255, 255, 0), Broadaddr: tup4(192, 0, 2, 255)},
	}
	if diff := cmp.Diff(want, ifa.Addresses(), cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
		t.Errorf("Addresses() (-want +got):\n%s", diff)
	}
	var none IfAddrs
	if none.Flags() != 0 || none.Hwaddr() != nil || none.Addresses() != nil {
		t.Error("an empty IfAddrs has flags, a hardware address or addresses")
	}
	if got := (IfFlags(IfMulticast | IfBroadcast | IfUp)).String(); got != "[up,broadcast,multicast]" {
		t.Errorf("IfFlags.String() = %q", got)
	}
	for k, want := range map[IfOptKey]string{IfOptFlags: "flags", IfOptAddr: "addr", IfOptNetmask: "netmask",
		IfOptBroadaddr: "broadaddr", IfOptDstaddr: "dstaddr", IfOptHwaddr: "hwaddr", 0: "IfOptKey(0)"} {
		if got := k.String(); got != want {
			t.Errorf("IfOptKey(%d).String() = %q, want %q", k, got, want)
		}
	}
}

// TestGetIfAddrsLoopback reads this machine's interfaces and checks lo.
func TestGetIfAddrsLoopback(t *testing.T) {
	ifs, err := GetIfAddrs()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ifs, func(ifa IfAddrs) bool { return ifa.Name == "lo" })
	if i < 0 {
		t.Fatalf("no lo in %v", ifs)
	}
	lo := ifs[i]
	if f := lo.Flags(); f&(IfUp|IfLoopback|IfRunning) != IfUp|IfLoopback|IfRunning || f&(IfBroadcast|IfPointToPoint) != 0 {
		t.Errorf("lo flags = %v, want [up,loopback,running]", f)
	}
	addrs := lo.Addresses()
	want := []IfAddress{{Addr: tup4(127, 0, 0, 1), Netmask: tup4(255, 0, 0, 0)}}
	if goLo, err := net.InterfaceByName("lo"); err == nil {
		if as, _ := goLo.Addrs(); slices.ContainsFunc(as, func(a net.Addr) bool { return a.(*net.IPNet).IP.Equal(net.IPv6loopback) }) {
			all := netip.AddrFrom16([16]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff,
				8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff})
			want = append(want, IfAddress{Addr: netip.IPv6Loopback(), Netmask: all})
		}
	}
	for _, w := range want {
		if !slices.Contains(addrs, w) {
			t.Errorf("lo has no %+v: %v", w, lo)
		}
	}
}

// TestGetIfAddrsMatchesNet compares GetIfAddrs with package net's view of
// the same interfaces: names in order, flags, hardware addresses, and the
// addresses with their prefix lengths.
func TestGetIfAddrsMatchesNet(t *testing.T) {
	ifs, err := GetIfAddrs()
	if err != nil {
		t.Fatal(err)
	}
	goIfs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifs) < len(goIfs) {
		t.Fatalf("GetIfAddrs has %d interfaces, net.Interfaces %d", len(ifs), len(goIfs))
	}
	for i, gi := range goIfs {
		ifa := ifs[i]
		if ifa.Name != gi.Name {
			t.Errorf("interface %d is %q, net says %q", i, ifa.Name, gi.Name)
			continue
		}
		var want IfFlags
		for _, m := range []struct {
			net  net.Flags
			flag IfFlags
		}{{net.FlagUp, IfUp | IfRunning}, {net.FlagBroadcast, IfBroadcast}, {net.FlagLoopback, IfLoopback},
			{net.FlagPointToPoint, IfPointToPoint}, {net.FlagMulticast, IfMulticast}} {
			if gi.Flags&m.net != 0 {
				want |= m.flag
			}
		}
		if got := ifa.Flags(); got != want {
			t.Errorf("%s: flags %v, net says %v (%v)", gi.Name, got, want, gi.Flags)
		}
		// net omits all-zero hardware addresses.
		if hw := gi.HardwareAddr; len(hw) > 0 && !slices.Equal(ifa.Hwaddr(), hw) {
			t.Errorf("%s: hwaddr %v, net says %v", gi.Name, ifa.Hwaddr(), hw)
		}
		goAddrs, err := gi.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		var wantP, gotP []string
		for _, a := range goAddrs {
			n := a.(*net.IPNet)
			ones, _ := n.Mask.Size()
			addr, _ := netip.AddrFromSlice(n.IP)
			wantP = append(wantP, netip.PrefixFrom(addr.Unmap(), ones).String())
		}
		// Addresses with a label other than the link's name are listed
		// under the label.
		for _, other := range ifs {
			if other.Name != gi.Name && !strings.HasPrefix(other.Name, gi.Name+":") {
				continue
			}
			for _, a := range other.Addresses() {
				ones, _ := net.IPMask(a.Netmask.AsSlice()).Size()
				gotP = append(gotP, netip.PrefixFrom(a.Addr, ones).String())
			}
		}
		slices.Sort(wantP)
		slices.Sort(gotP)
		if !slices.Equal(gotP, wantP) {
			t.Errorf("%s: addresses %v, net says %v", gi.Name, gotP, wantP)
		}
	}
}

// TestGetIfAddrsOrder checks the ordering rules of the inet manual on this
// machine's interfaces.
func TestGetIfAddrsOrder(t *testing.T) {
	ifs, err := GetIfAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifa := range ifs {
		opts := ifa.Opts
		if len(opts) == 0 || opts[0].Key != IfOptFlags {
			t.Errorf("%v: does not start with flags", ifa)
			continue
		}
		flags := opts[0].Flags
		seen6 := false
		for i, o := range opts {
			var prev IfOptKey
			if i > 0 {
				prev = opts[i-1].Key
			}
			switch o.Key {
			case IfOptFlags:
				if i != 0 {
					t.Errorf("%v: a second flags", ifa)
				}
			case IfOptAddr:
				if o.Addr.Is4() && seen6 {
					t.Errorf("%v: an IPv4 address after an IPv6 one", ifa)
				}
				seen6 = seen6 || o.Addr.Is6()
			case IfOptNetmask:
				if prev != IfOptAddr || opts[i-1].Addr.Is4() != o.Addr.Is4() {
					t.Errorf("%v: netmask %d does not follow its address", ifa, i)
				}
			case IfOptBroadaddr, IfOptDstaddr:
				if prev != IfOptNetmask || opts[i-2].Addr.Is4() != o.Addr.Is4() {
					t.Errorf("%v: %v %d does not follow a netmask", ifa, o.Key, i)
				}
				if o.Key == IfOptBroadaddr && flags&IfBroadcast == 0 || o.Key == IfOptDstaddr && flags&IfPointToPoint == 0 {
					t.Errorf("%v: %v without the flag", ifa, o.Key)
				}
			case IfOptHwaddr:
				if i != len(opts)-1 || len(o.Hwaddr) < 2 {
					t.Errorf("%v: hwaddr %d is not last or is short", ifa, i)
				}
			default:
				t.Errorf("%v: option %d has key %v", ifa, i, o.Key)
			}
		}
	}
}
