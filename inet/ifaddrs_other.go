//go:build !linux

package inet

import (
	"net"
	"net/netip"
)

// GetIfAddrs is inet:getifaddrs/0: every network interface with its flags,
// addresses and hardware address, as Go's net package reads them
// (net.Interfaces): per interface its flags, then its IPv4 and IPv6
// addresses, each with its netmask and, as the flags say, its broadcast
// address (computed from the netmask, as most systems configure it), and
// last its hardware address if it is at least two bytes long. Peer
// addresses of point-to-point links are not known to package net and are
// left out. (On Linux the kernel is asked over rtnetlink, entry for entry
// as OTP does.)
func GetIfAddrs() ([]IfAddrs, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, &Error{Op: "getifaddrs", Err: err}
	}
	out := make([]IfAddrs, 0, len(ifs))
	for _, ifi := range ifs {
		var f IfFlags
		if ifi.Flags&net.FlagUp != 0 {
			// running comes with up, not from net.FlagRunning: OTP 25's
			// inet_drv reports it so (a tun interface up with no
			// carrier, without IFF_RUNNING, says running there).
			f |= IfUp | IfRunning
		}
		if ifi.Flags&net.FlagBroadcast != 0 {
			f |= IfBroadcast
		}
		if ifi.Flags&net.FlagLoopback != 0 {
			f |= IfLoopback
		}
		if ifi.Flags&net.FlagPointToPoint != 0 {
			f |= IfPointToPoint
		}
		if ifi.Flags&net.FlagMulticast != 0 {
			f |= IfMulticast
		}
		opts := []IfOpt{{Key: IfOptFlags, Flags: f}}
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			mask, _ := netip.AddrFromSlice(ipn.Mask)
			opts = append(opts, IfOpt{Key: IfOptAddr, Addr: ip}, IfOpt{Key: IfOptNetmask, Addr: mask.Unmap()})
			if ip.Is4() && f&IfBroadcast != 0 && len(ipn.Mask) == 4 {
				b := ip.As4()
				for i := range b {
					b[i] |= ^ipn.Mask[i]
				}
				opts = append(opts, IfOpt{Key: IfOptBroadaddr, Addr: netip.AddrFrom4(b)})
			}
		}
		if len(ifi.HardwareAddr) >= 2 {
			opts = append(opts, IfOpt{Key: IfOptHwaddr, Hwaddr: append([]byte(nil), ifi.HardwareAddr...)})
		}
		out = append(out, IfAddrs{Name: ifi.Name, Opts: opts})
	}
	return out, nil
}
