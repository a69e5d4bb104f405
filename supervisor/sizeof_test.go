package supervisor

import (
	"testing"
	"unsafe"
)

// A SimpleOneForOne supervisor keeps a record of each child (dynChild), a
// listener's connection supervisor one per connection: a field added to it
// costs each idle connection its size, rounded up to the allocator's size
// class.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(dynChild{}), uintptr(32); got > want {
		t.Errorf("dynChild is %d bytes, more than %d", got, want)
	}
}
