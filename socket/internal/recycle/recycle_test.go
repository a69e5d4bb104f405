package recycle

import (
	"errors"
	"testing"
)

// Every packet size from just above 1<<(MinShift-1) to MaxPooled has the
// least class that holds it, whose buffers are less than 1.25 times it.
func TestClasses(t *testing.T) {
	for n := 1<<(MinShift-1) + 1; n <= MaxPooled; n++ {
		c := ClassOf(n)
		size := ClassSize(c)
		if int(c) >= Classes || size < n || 4*size >= 5*n || c > 0 && ClassSize(c-1) >= n {
			t.Fatalf("a %d-byte packet has class %d, of %d bytes", n, c, size)
		}
	}
	if c := ClassOf(MaxPooled); int(c) != Classes-1 || ClassSize(c) != MaxPooled {
		t.Fatalf("the largest packet's class is %d, of %d bytes", c, ClassSize(c))
	}
}

// Each kind's Release: only a First's asks its port to start recycling,
// only a Pooled's advances its buffer's generation, and a second Release
// answers ErrReleased.
func TestRefRelease(t *testing.T) {
	for _, k := range []Kind{Literal, First, Own, Pooled} {
		var r Ref
		var b *Buf
		if k == Pooled {
			d := r.Copy(make([]byte, 4096))
			b = r.Buf()
			if len(d) != 4096 || cap(d) != 4096 || ClassSize(b.Class()) != 4096 {
				t.Fatalf("a 4096-byte copy is %d bytes (capacity %d) in a buffer of %d", len(d), cap(d), ClassSize(b.Class()))
			}
		} else {
			r.Set(k)
		}
		if r.Kind() != k {
			t.Fatalf("kind %d is %d", k, r.Kind())
		}
		first, err := r.Release()
		if err != nil || first != (k == First) {
			t.Fatalf("kind %d: Release answers %v, %v", k, first, err)
		}
		if b != nil && b.gen.Load() != r.gen+1 {
			t.Fatalf("a released buffer's generation is %d, want %d", b.gen.Load(), r.gen+1)
		}
		if first, err := r.Release(); first || !errors.Is(err, ErrReleased) {
			t.Fatalf("kind %d: second Release answers %v, %v", k, first, err)
		}
	}
}
