package driver

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Handle names a socket registered with a Pool: a slot index and the slot's
// generation when the socket was registered. Closing a socket moves its slot
// to the next generation, so an old handle can never reach the socket that
// later reuses the slot or the fd number. The zero Handle is never valid.
type Handle uint64

func makeHandle(idx, gen uint32) Handle { return Handle(uint64(gen)<<32 | uint64(idx)) }

func (h Handle) index() uint32 { return uint32(h) }
func (h Handle) gen() uint32   { return uint32(h >> 32) }

// String formats h as #index.generation.
func (h Handle) String() string { return fmt.Sprintf("#%d.%d", h.index(), h.gen()) }

// The slot table grows by pages that never move, so a slot's address is
// stable and lookups need no lock.
const (
	pageBits = 10
	pageSize = 1 << pageBits
	maxPages = 1 << 12 // 4M sockets per pool
)

type page [pageSize]slot

type slotTable struct {
	pages [maxPages]atomic.Pointer[page]

	mu   sync.Mutex // guards free and n
	free []uint32
	n    uint32 // slots handed out so far, free or not
}

// get returns the slot at idx, or nil when idx was never allocated.
func (t *slotTable) get(idx uint32) *slot {
	pg := t.pages[idx>>pageBits].Load()
	if pg == nil {
		return nil
	}
	return &pg[idx&(pageSize-1)]
}

// alloc returns a free slot and its index. Generation 0 is skipped so that
// the zero Handle is never valid.
func (t *slotTable) alloc() (uint32, *slot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var idx uint32
	if k := len(t.free); k > 0 {
		idx = t.free[k-1]
		t.free = t.free[:k-1]
	} else {
		if t.n == maxPages*pageSize {
			return 0, nil, fmt.Errorf("driver: more than %d sockets", maxPages*pageSize)
		}
		idx = t.n
		t.n++
		if t.pages[idx>>pageBits].Load() == nil {
			pg := new(page)
			for i := range pg {
				pg[i].gen = 1
			}
			t.pages[idx>>pageBits].Store(pg)
		}
	}
	return idx, t.get(idx), nil
}

// release returns a slot whose fd is closed to the free list.
func (t *slotTable) release(idx uint32) {
	t.mu.Lock()
	t.free = append(t.free, idx)
	t.mu.Unlock()
}

// each calls f for every slot ever allocated.
func (t *slotTable) each(f func(idx uint32, s *slot)) {
	t.mu.Lock()
	n := t.n
	t.mu.Unlock()
	for i := uint32(0); i < n; i++ {
		f(i, t.get(i))
	}
}
