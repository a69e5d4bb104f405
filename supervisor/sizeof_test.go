package supervisor

import (
	"testing"
	"unsafe"
)

// A listener's connection supervisor keeps a record of each connection
// (dynChild): a field added to it costs each idle
// connection its size, rounded up to the allocator's size class.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(dynChild{}), uintptr(64); got > want {
		t.Errorf("dynChild is %d bytes, more than %d", got, want)
	}
}
