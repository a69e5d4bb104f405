package recycle

import (
	"bytes"
	"errors"
	"testing"
)

// Every packet size from just above 1<<(MinShift-1) to MaxPooled has the
// least class that holds it, whose buffers are less than 1.25 times it:
// every size up to 64 KiB, and above it each class's first, middle and
// last sizes.
func TestClasses(t *testing.T) {
	var sizes []int
	for n := 1<<(MinShift-1) + 1; n <= 1<<16; n++ {
		sizes = append(sizes, n)
	}
	for c := ClassOf(1<<16) + 1; int(c) < Classes; c++ {
		lo, hi := ClassSize(c-1)+1, ClassSize(c)
		sizes = append(sizes, lo, lo+1, (lo+hi)/2, hi-1, hi)
	}
	for _, n := range sizes {
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

// CopySized puts a packet in the class of the size asked for, whole, a
// capacity of its length; Take takes a buffer that was released (Put),
// once, which a Ref holds then as one it copied into.
func TestCopySizedTakeHold(t *testing.T) {
	src := make([]byte, 3<<20+5) // more than a piece, not a whole one
	for i := range src {
		src[i] = byte(i * 7)
	}
	var r Ref
	d := r.CopySized(src, len(src)+4)
	if !bytes.Equal(d, src) || cap(d) != len(src) {
		t.Fatalf("a copy of %d bytes: %d, capacity %d, equal %v", len(src), len(d), cap(d), bytes.Equal(d, src))
	}
	c := r.Buf().Class()
	if c != ClassOf(len(src)+4) || ClassSize(c) < len(src)+4 {
		t.Fatalf("a copy sized %d bytes is in class %d, of %d bytes", len(src)+4, c, ClassSize(c))
	}
	b := r.Buf()
	if _, err := r.Release(); err != nil {
		t.Fatal(err)
	}
	// sync.Pool may drop what is put in it (the race detector makes it
	// drop some at random), so a buffer Put is looked for a few times.
	c = ClassOf(200) // a class no other test uses
	for Take(c) != nil {
		// what an earlier run (-count) gave back
	}
	var taken *Buf
	for range 20 {
		b = Get(c)
		Put(b)
		if taken = Take(c); taken != nil {
			break
		}
	}
	if taken != b {
		t.Fatalf("Take answered %p, not the buffer just Put, %p", taken, b)
	}
	if got := Take(c); got != nil {
		t.Fatal("Take found the buffer taken once again")
	}
	var h Ref
	h.Hold(taken)
	if h.Kind() != Pooled || h.Buf() != taken {
		t.Fatalf("a held buffer's Ref is of kind %d, buffer %p", h.Kind(), h.Buf())
	}
	if _, err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Release(); !errors.Is(err, ErrReleased) {
		t.Fatalf("second Release of a held buffer: %v", err)
	}
}

// CopyPieces copies every byte, a piece at a time, of sources shorter
// than a piece, of whole pieces and of a part of one more.
func TestCopyPieces(t *testing.T) {
	for _, n := range []int{0, 1, piece - 1, piece, 2 * piece, 2*piece + 3} {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(i*31 + 1)
		}
		dst := make([]byte, n+1)
		CopyPieces(dst, src)
		if !bytes.Equal(dst[:n], src) || dst[n] != 0 {
			t.Fatalf("a copy of %d bytes differs, or wrote past them", n)
		}
	}
}
