package supervisor

import (
	"testing"
	"unsafe"
)

// A listener keeps two records of each connection: its gate's (conn) and
// its connection supervisor's (dynChild). A field added to either costs
// each idle connection its size, rounded up to the allocator's size class.
func TestSizeof(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"conn", unsafe.Sizeof(conn{}), 48},
		{"dynChild", unsafe.Sizeof(dynChild{}), 32},
	} {
		if c.got > c.want {
			t.Errorf("%s is %d bytes, more than %d", c.name, c.got, c.want)
		}
	}
}
