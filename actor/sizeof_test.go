package actor

import (
	"testing"
	"unsafe"
)

// An owner's mailbox is in every connection's actor: a field added to it
// costs each idle connection its size, rounded up to the allocator's size
// class.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(ownerMailbox{}), uintptr(112); got > want {
		t.Errorf("ownerMailbox is %d bytes, more than %d", got, want)
	}
}
