package driver

import (
	"testing"
	"unsafe"
)

// A slot is in every socket, in the pages of the slot table: a field added
// to it costs each idle connection its size. What few slots need goes in
// slotExt.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(slot{}), uintptr(64); got > want {
		t.Errorf("slot is %d bytes, more than %d", got, want)
	}
}
