package recycle

import (
	"slices"
	"sync"
	"time"
)

// Released buffers of BigFrom bytes and more are not kept in a sync.Pool,
// which is unbounded and keeps what it holds until two garbage
// collections have passed, but in one free list for all those classes:
// at most FreeMax bytes (a buffer put in beyond that pushes out the ones
// that have waited longest), and a buffer that waits there freeIdle
// unused is dropped, by a timer that runs only while the list holds one.
// A dropped buffer is the garbage collector's: its memory goes back at
// the next collection, not at once, as a partial packet's new mapping
// (socket's bigbuf.go) does when the port drops it.

const (
	// BigFrom is the least size of a class kept in the free list.
	BigFrom = 1 << 20
	// FreeMax is the most the free list holds, in bytes.
	FreeMax = 256 << 20
)

// freeIdle is how long a buffer waits in the free list before it is
// dropped: a variable, for the tests.
var freeIdle = time.Second

// bigClass is the first class kept in the free list.
var bigClass = ClassOf(BigFrom)

// freeList is the free list of the big classes' released buffers.
var freeList freeListState

// freeListState is the free list's state.
type freeListState struct {
	mu    sync.Mutex
	bufs  []freeBuf // oldest first
	bytes int       // the sum of bufs' class sizes
	sweep *time.Timer
}

// A freeBuf is a buffer in the free list and when it was put there.
type freeBuf struct {
	b  *Buf
	at time.Time
}

// putBig puts b, of a big class, in the free list.
func putBig(b *Buf) {
	size := ClassSize(b.class)
	if size > FreeMax {
		return
	}
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.bufs) > 0 && f.bytes+size > FreeMax {
		f.dropOldest()
	}
	f.bufs = append(f.bufs, freeBuf{b: b, at: time.Now()})
	f.bytes += size
	if f.sweep == nil {
		f.sweep = time.AfterFunc(freeIdle, sweepFree)
	} else if len(f.bufs) == 1 {
		f.sweep.Reset(freeIdle)
	}
}

// takeBig takes the buffer of class c put in the free list last, or nil
// when it holds none.
func takeBig(c uint8) *Buf {
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.bufs) - 1; i >= 0; i-- {
		if b := f.bufs[i].b; b.class == c {
			f.bytes -= ClassSize(c)
			f.bufs = slices.Delete(f.bufs, i, i+1)
			return b
		}
	}
	return nil
}

// dropOldest drops the buffer that has waited longest. The caller holds
// f.mu, and the list holds one.
func (f *freeListState) dropOldest() {
	f.bytes -= ClassSize(f.bufs[0].b.class)
	f.bufs[0] = freeBuf{}
	f.bufs = f.bufs[1:]
}

// sweepFree drops the buffers that have waited freeIdle or longer, and
// comes back for the others when the oldest will have.
func sweepFree() {
	f := &freeList
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for len(f.bufs) > 0 && now.Sub(f.bufs[0].at) >= freeIdle {
		f.dropOldest()
	}
	if len(f.bufs) > 0 {
		f.sweep.Reset(freeIdle - now.Sub(f.bufs[0].at))
	}
}
