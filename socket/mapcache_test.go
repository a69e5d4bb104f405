package socket

import (
	"bytes"
	"testing"
	"time"
	"unsafe"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
)

// cachedLen returns how many mappings the cache holds.
func cachedLen() int {
	mapCache.mu.Lock()
	defer mapCache.mu.Unlock()
	return len(mapCache.free)
}

// setMapIdle sets mapIdle, which the cache's timer reads under its mu,
// and rearms the timer, when it is armed, for that long.
func setMapIdle(d time.Duration) {
	c := &mapCache
	c.mu.Lock()
	defer c.mu.Unlock()
	mapIdle = d
	if c.sweep != nil && len(c.free) > 0 {
		c.sweep.Reset(d)
	}
}

// Big packets one after another, on two ports in turn, are read into the
// mapping the packet before gave back: no new one is mapped after the
// first, and every byte of every packet comes out in order. Once the
// ports close, the cache unmaps what it holds by itself, with no GC.
func TestMapCacheReuse(t *testing.T) {
	dropMaps()
	defer setMapIdle(mapIdle)
	setMapIdle(time.Hour) // however slow the machine, none is unmapped meanwhile
	p := newProc(t)
	s1, c1 := netPair(t, p, Packet(framing.Four), Active(False))
	s2, c2 := netPair(t, p, Packet(framing.Four), Active(False))
	var mapped int64
	for i := range 6 {
		s, c := s1, c1
		if i%2 == 1 {
			s, c = s2, c2
		}
		body := pattern(3<<20+i*1000, byte(i))
		writeChunks(t, c, frame(4, body), 1<<20, 5, directRead+3)
		got, err := s.Recv(0, Infinity)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("packet %d: %d bytes, want %d, differing", i, len(got), len(body))
		}
		if i == 0 {
			mapped = mappedBufs.Load()
		} else if n := mappedBufs.Load(); n != mapped {
			t.Fatalf("packet %d: %d mappings, after the first packet %d: want the one reused", i, n, mapped)
		}
		if holdsMapping(s) {
			t.Fatalf("packet %d: the port keeps a mapping with no packet in it", i)
		}
	}
	if cachedLen() != 1 {
		t.Fatalf("the cache holds %d mappings, want the one the packets shared", cachedLen())
	}
	c1.Close()
	c2.Close()
	s1.Close()
	s2.Close()
	setMapIdle(10 * time.Millisecond)
	testkit.Until(t, "the idle mapping unmapped", func() bool {
		return mappedBufs.Load() == 0 && cachedLen() == 0
	})
}

// The cache holds at most mapCacheLen mappings and mapCacheMax bytes: a
// mapping put in beyond that pushes out (unmaps) the oldest; one larger
// than the cache is unmapped at once. getMap takes the smallest that
// holds the whole packet, else the largest that holds what is asked.
func TestMapCacheBounds(t *testing.T) {
	dropMaps()
	defer dropMaps()
	get := func(n, need int) []byte {
		t.Helper()
		b, _, _, err := getMap(n, need)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var bufs [][]byte
	for range mapCacheLen + 2 {
		bufs = append(bufs, get(1<<20, 1<<20))
	}
	if n := mappedBufs.Load(); n != mapCacheLen+2 {
		t.Fatalf("%d mapped, want %d", n, mapCacheLen+2)
	}
	for _, b := range bufs {
		putMap(b, false)
	}
	if n, c := mappedBufs.Load(), cachedLen(); n != mapCacheLen || c != mapCacheLen {
		t.Fatalf("%d mapped, %d cached after putting %d back: want %d, the oldest unmapped", n, c, mapCacheLen+2, mapCacheLen)
	}
	// The newest are kept: the first two were pushed out.
	mapCache.mu.Lock()
	oldest := unsafe.SliceData(mapCache.free[0].b)
	mapCache.mu.Unlock()
	if oldest != unsafe.SliceData(bufs[2]) {
		t.Error("the cache pushed out other than the oldest")
	}
	dropMaps()

	putMap(get(mapCacheMax+hugePage, mapCacheMax+hugePage), false)
	if n, c := mappedBufs.Load(), cachedLen(); n != 0 || c != 0 {
		t.Fatalf("a mapping larger than the cache: %d mapped, %d cached, want it unmapped", n, c)
	}

	small, mid, large := get(2<<20, 2<<20), get(4<<20, 4<<20), get(8<<20, 8<<20)
	putMap(large, false)
	putMap(small, true)
	putMap(mid, false)
	if b := get(3<<20, 3<<20); unsafe.SliceData(b) != unsafe.SliceData(mid) {
		t.Error("a packet of 3 MiB did not get the 4 MiB mapping, the smallest that holds it")
	} else {
		putMap(b, false)
	}
	if b := get(4<<20, 16<<20); unsafe.SliceData(b) != unsafe.SliceData(large) {
		t.Error("a packet of 16 MiB, 4 MiB asked, did not get the 8 MiB mapping, the largest")
	} else {
		putMap(b, false)
	}
	b, huge, _, _ := getMap(1<<20, 2<<20)
	if unsafe.SliceData(b) != unsafe.SliceData(small) || !huge {
		t.Errorf("a packet of 2 MiB did not get the 2 MiB mapping with its huge pages (huge %v)", huge)
	}
	// With the 4 and 8 MiB mappings cached, of more than twice what is
	// asked, none is taken: a new one is mapped, of what is asked.
	if f := get(1<<20, 16<<20); len(f) != 1<<20 || mappedBufs.Load() != 4 {
		t.Errorf("a packet of 16 MiB, 1 MiB asked, got %d bytes, %d mapped: want a new mapping of 1 MiB", len(f), mappedBufs.Load())
	} else {
		unmapBuf(f)
	}
	putMap(b, huge)
	if n := mappedBufs.Load(); n != 3 {
		t.Errorf("%d mapped, want the 3 reused", n)
	}
}

// A mapping taken from the cache is counted in reusedHeld while a port
// holds it, and not taken when that would pass reusedMax: a new one is
// mapped instead. Giving it back takes it off the count.
func TestMapCacheBudget(t *testing.T) {
	dropMaps()
	defer dropMaps()
	b, _, charged, err := getMap(4<<20, 4<<20)
	if err != nil || charged != 0 {
		t.Fatalf("a new mapping: charged %d, %v: want none", charged, err)
	}
	putMap(b, false)
	held := reusedHeld.Load()
	reusedHeld.Add(reusedMax - held - 2<<20) // 2 MiB left in the budget
	fresh, _, charged, err := getMap(4<<20, 4<<20)
	reusedHeld.Add(-(reusedMax - held - 2<<20))
	if err != nil || charged != 0 || unsafe.SliceData(fresh) == unsafe.SliceData(b) {
		t.Fatalf("with 2 MiB of the budget left: charged %d (%v), the cached mapping taken %v: want a new one", charged, err, unsafe.SliceData(fresh) == unsafe.SliceData(b))
	}
	unmapBuf(fresh)
	got, _, charged, err := getMap(4<<20, 4<<20)
	if err != nil || unsafe.SliceData(got) != unsafe.SliceData(b) || charged != 4<<20 || reusedHeld.Load() != held+4<<20 {
		t.Fatalf("within the budget: the cached mapping taken %v, charged %d, held %d: want it counted", unsafe.SliceData(got) == unsafe.SliceData(b), charged, reusedHeld.Load()-held)
	}
	reusedHeld.Add(-int64(charged))
	putMap(got, false)
}
