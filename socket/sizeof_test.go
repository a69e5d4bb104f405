package socket

import (
	"testing"
	"unsafe"
)

// The port is in every connection: a field added to it costs each idle
// connection its size, rounded up to the allocator's size class. What few
// ports need goes in portExt.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(Socket{}), uintptr(208); got > want {
		t.Errorf("Socket is %d bytes, more than %d", got, want)
	}
}
