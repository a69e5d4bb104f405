package socket

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otpnet/otpnet/internal/unix"
)

// A packet's mapped buffer that the port is done with (the packet was
// delivered, or dropped) goes to a small cache shared by all ports,
// rather than back to the system at once: the next large packet, of
// this port or another, is read into memory that is mapped and resident
// already, instead of a new mapping whose every page faults in as the
// packet arrives, to be unmapped again when it is delivered. On a stream
// of large packets that is most of what reading one costs beyond the
// copy out of the kernel.
//
// The cache is bounded (mapCacheMax bytes, mapCacheLen mappings; a
// mapping put in beyond that pushes out the one that has waited
// longest), and a mapping that waits there mapIdle unused is unmapped,
// by a timer that runs only while the cache holds one: the memory of
// a port that closed goes back to the system within about twice
// mapIdle, with no garbage collection, however idle the process.

const (
	// mapCacheMax is the most memory the cache holds: a few of the
	// largest packets one expects to echo.
	mapCacheMax = 256 << 20
	// mapCacheLen is the most mappings the cache holds.
	mapCacheLen = 8
)

// mapIdle is how long a mapping waits in the cache before it is
// unmapped. A variable for the tests, which set it with the cache's mu
// held.
var mapIdle = time.Second

// mapCache is the process's cache of packet buffers' mappings.
var mapCache mapCacheState

// mapCacheState is the cache's state.
type mapCacheState struct {
	mu sync.Mutex
	// unmapping is held shared by those that unmap what they took out
	// of the cache, after mu: dropMaps takes it to wait for them.
	unmapping sync.RWMutex
	free      []cachedMap // oldest first
	bytes     int         // the sum of free's lengths
	sweep     *time.Timer // armed while free is not empty
}

// popOldest takes the mapping that has waited longest out of the cache
// and returns out with it appended, to be unmapped once c.mu is
// released. The caller holds c.mu, and the cache holds one.
func (c *mapCacheState) popOldest(out [][]byte) [][]byte {
	out = append(out, c.free[0].b)
	c.bytes -= len(c.free[0].b)
	c.free[0] = cachedMap{}
	c.free = c.free[1:]
	return out
}

// A cachedMap is a mapping in the cache, and when it was put there.
type cachedMap struct {
	b    []byte
	huge bool // asked for huge pages
	at   time.Time
}

// reusedHeld is the memory, of the cache's mappings and of released
// buffers (takePooled), that ports hold for packets not yet delivered:
// resident already, all of it, however little of a packet has come. It
// is kept within reusedMax, beyond which a packet is read into a new
// mapping, of which only the pages its bytes reach are resident, so
// that headers that lie about their lengths pin no more than that
// however many ports they come on.
var reusedHeld atomic.Int64

// reusedMax is the most memory reusedHeld may count: as much as the
// cache holds.
const reusedMax = mapCacheMax

// chargeReused counts n more bytes in reusedHeld, and reports whether
// that stays within reusedMax; when it does not, nothing is counted.
func chargeReused(n int) bool {
	for {
		held := reusedHeld.Load()
		if held+int64(n) > reusedMax {
			return false
		}
		if reusedHeld.CompareAndSwap(held, held+int64(n)) {
			return true
		}
	}
}

// getMap returns a mapping of at least n bytes for a packet of need
// bytes (need >= n). It takes one from the cache when it holds one of at
// most twice n, the smallest that holds the whole packet, else the
// largest, and reusedHeld can count it: a mapping from the cache is
// resident whole, and a packet that has only started (whose header may
// lie) gets no more of it than about what it would have mapped new.
// Else it maps n bytes. It also reports whether the mapping has asked
// for huge pages and how many of its bytes reusedHeld counts (those of a
// mapping from the cache).
func getMap(n, need int) (b []byte, huge bool, charged int, err error) {
	c := &mapCache
	c.mu.Lock()
	best := -1
	for i, m := range c.free {
		if len(m.b) < n || len(m.b) > 2*n {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		l, bl := len(m.b), len(c.free[best].b)
		if l >= need && (bl < need || l < bl) || l < need && bl < need && l > bl {
			best = i
		}
	}
	if best >= 0 && chargeReused(len(c.free[best].b)) {
		m := c.free[best]
		c.free = slices.Delete(c.free, best, best+1)
		c.bytes -= len(m.b)
		c.mu.Unlock()
		return m.b, m.huge, len(m.b), nil
	}
	c.mu.Unlock()
	b, err = unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, false, 0, err
	}
	mappedBufs.Add(1)
	return b, false, 0, nil
}

// putMap gives b, a packet's mapping no port uses any more, to the
// cache, or unmaps it when it is larger than the cache.
func putMap(b []byte, huge bool) {
	if len(b) > mapCacheMax {
		unmapBuf(b)
		return
	}
	c := &mapCache
	c.mu.Lock()
	var out [][]byte // pushed out: unmapped without the lock
	for len(c.free) > 0 && (len(c.free) >= mapCacheLen || c.bytes+len(b) > mapCacheMax) {
		out = c.popOldest(out)
	}
	c.free = append(c.free, cachedMap{b: b, huge: huge, at: time.Now()})
	c.bytes += len(b)
	if c.sweep == nil {
		c.sweep = time.AfterFunc(mapIdle, sweepMaps)
	} else if len(c.free) == 1 {
		c.sweep.Reset(mapIdle)
	}
	c.unlockUnmap(out)
}

// unlockUnmap releases c.mu, then unmaps out, the mappings taken out of
// the cache: the munmaps do not hold up the ports that take from it.
func (c *mapCacheState) unlockUnmap(out [][]byte) {
	if len(out) == 0 {
		c.mu.Unlock()
		return
	}
	c.unmapping.RLock()
	c.mu.Unlock()
	for _, o := range out {
		unmapBuf(o)
	}
	c.unmapping.RUnlock()
}

// sweepMaps unmaps the mappings that have waited mapIdle or longer, and
// comes back for the others when the oldest will have.
func sweepMaps() {
	c := &mapCache
	c.mu.Lock()
	now := time.Now()
	var out [][]byte
	for len(c.free) > 0 && now.Sub(c.free[0].at) >= mapIdle {
		out = c.popOldest(out)
	}
	if len(c.free) > 0 {
		c.sweep.Reset(mapIdle - now.Sub(c.free[0].at))
	}
	c.unlockUnmap(out)
}

// dropMaps unmaps every mapping in the cache, as sweepMaps would once
// they have waited mapIdle, and waits for those a sweep or a putMap took
// out of it to be unmapped: the tests check that none is left mapped.
func dropMaps() {
	c := &mapCache
	c.mu.Lock()
	out := c.free
	c.free, c.bytes = nil, 0
	if c.sweep != nil {
		c.sweep.Stop()
	}
	c.mu.Unlock()
	for _, m := range out {
		unmapBuf(m.b)
	}
	c.unmapping.Lock()
	//lint:ignore SA2001 an empty section: it waits for the unmaps
	c.unmapping.Unlock()
}
