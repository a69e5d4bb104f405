package supervisor

import (
	"net/netip"
	"testing"
	"unsafe"
)

// A listener's connection supervisor keeps a record of each connection
// (dynChild): a field added to it costs each idle
// connection its size, rounded up to the allocator's size class.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(dynChild{}), uintptr(48); got > want {
		t.Errorf("dynChild is %d bytes, more than %d", got, want)
	}
}

// A connection's record keeps its peer in less room than a netip.AddrPort:
// what it gives back is what it was given.
func TestDynChildPeer(t *testing.T) {
	for _, s := range []string{"127.0.0.1:4040", "[::1]:1", "[::ffff:10.0.0.1]:65535", "0.0.0.0:0", "[::]:80"} {
		p := netip.MustParseAddrPort(s)
		var c dynChild
		c.setPeer(p)
		if got := c.peer(); got != p {
			t.Errorf("peer %v came back as %v", p, got)
		}
	}
	var c dynChild
	c.setPeer(netip.AddrPort{})
	if got := c.peer(); got != (netip.AddrPort{}) {
		t.Errorf("no peer came back as %v", got)
	}
}
