package recycle

import (
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
)

// dropFree empties the free list, as its timer would once its buffers
// have waited freeIdle.
func dropFree() {
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.bufs) > 0 {
		f.dropOldest()
	}
}

// freeHeld returns how many buffers and bytes the free list holds.
func freeHeld() (n, bytes int) {
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bufs), f.bytes
}

// Released buffers of BigFrom bytes and more wait in the free list, taken
// by class, the one put last first: at most FreeMax bytes of them, a
// buffer put in beyond that pushing out the ones that waited longest.
func TestFreeListBounded(t *testing.T) {
	dropFree()
	defer dropFree()
	defer setFreeIdle(freeIdle)
	setFreeIdle(time.Hour) // however slow the machine, none is dropped as idle meanwhile
	if ClassSize(bigClass) != BigFrom || ClassSize(bigClass-1) >= BigFrom {
		t.Fatalf("the first big class is %d, of %d bytes, the one before of %d", bigClass, ClassSize(bigClass), ClassSize(bigClass-1))
	}
	c := ClassOf(64 << 20)
	var put []*Buf
	for range FreeMax/ClassSize(c) + 2 {
		put = append(put, Get(c))
	}
	for _, b := range put {
		Put(b)
	}
	if n, bytes := freeHeld(); n != FreeMax/ClassSize(c) || bytes != n*ClassSize(c) {
		t.Fatalf("the free list holds %d buffers, %d bytes, after %d of %d bytes were put: want %d, at most %d bytes", n, bytes, len(put), ClassSize(c), FreeMax/ClassSize(c), FreeMax)
	}
	if b := Take(bigClass); b != nil {
		t.Fatal("Take found a buffer of a class none was put of")
	}
	for i := len(put) - 1; i >= 2; i-- {
		if b := Take(c); b != put[i] {
			t.Fatalf("Take answered other than buffer %d, put after the ones left", i)
		}
	}
	if b := Take(c); b != nil {
		t.Fatal("Take found a buffer that was pushed out")
	}
	if n, bytes := freeHeld(); n != 0 || bytes != 0 {
		t.Fatalf("the free list holds %d buffers, %d bytes, once all were taken", n, bytes)
	}
}

// setFreeIdle sets freeIdle, which the list's timer reads under f.mu, and
// rearms the timer, when it is armed, for that long.
func setFreeIdle(d time.Duration) {
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	freeIdle = d
	if f.sweep != nil && len(f.bufs) > 0 {
		f.sweep.Reset(d)
	}
}

// A buffer that waits in the free list freeIdle unused is dropped by the
// list's timer, with no garbage collection and no call.
func TestFreeListDropsIdle(t *testing.T) {
	dropFree()
	defer setFreeIdle(freeIdle)
	setFreeIdle(time.Hour)
	Put(Get(ClassOf(BigFrom)))
	Put(Get(ClassOf(3 << 20)))
	if n, _ := freeHeld(); n != 2 {
		t.Fatalf("the free list holds %d buffers, want the 2 put", n)
	}
	setFreeIdle(10 * time.Millisecond)
	testkit.Until(t, "the idle buffers dropped", func() bool {
		n, bytes := freeHeld()
		return n == 0 && bytes == 0
	})
}
