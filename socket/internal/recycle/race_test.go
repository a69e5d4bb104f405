//go:build race

package recycle

import "testing"

// Under the race detector a released buffer is poisoned: data kept past
// its Release reads 0xdd, so that a test that uses it is seen to fail.
func TestReleasedBufferPoisoned(t *testing.T) {
	var r Ref
	src := make([]byte, 1000)
	for i := range src {
		src[i] = byte(i)
	}
	kept := r.Copy(src)
	if _, err := r.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	for i, c := range kept {
		if c != 0xdd {
			t.Fatalf("byte %d of a released buffer is %#x, not 0xdd", i, c)
		}
	}
}

// Poisoning fills the whole of a buffer, to its class's last byte, of a
// class that is not a power of two, and of a big one.
func TestReleasedBufferPoisonedWhole(t *testing.T) {
	for _, n := range []int{1000, 3<<20 + 5} {
		var r Ref
		r.Copy(make([]byte, n))
		b := r.Buf()
		whole := b.Bytes(ClassSize(b.Class()))
		if _, err := r.Release(); err != nil {
			t.Fatalf("Release: %v", err)
		}
		for i, c := range whole {
			if c != 0xdd {
				t.Fatalf("byte %d of a released %d-byte buffer is %#x, not 0xdd", i, len(whole), c)
			}
		}
	}
}
