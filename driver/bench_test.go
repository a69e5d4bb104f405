package driver

import (
	"io"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// BenchmarkRuntimeTimer is what a deadline costs with Go's runtime timers,
// the driver's choice over a wheel on the poller: one timer armed and
// stopped per blocking call.
func BenchmarkRuntimeTimer(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := time.NewTimer(time.Hour)
			t.Stop()
		}
	})
}

// BenchmarkWrite64 is the write path with nothing queued: lock, write(2),
// unlock. It must not allocate.
func BenchmarkWrite64(b *testing.B) {
	pl := newPool(b)
	c, peer := pair(b, pl, newRecorder())
	go discard(peer)
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := pl.Write(c, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWriteDoesNotAllocate(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, peer := pair(t, pl, newRecorder())
	go discard(peer)
	msg := make([]byte, 64)
	if n := testing.AllocsPerRun(1000, func() { pl.Write(c, msg) }); n != 0 {
		t.Fatalf("Write allocates %v times per call", n)
	}
	two := [][]byte{msg, msg}
	if n := testing.AllocsPerRun(1000, func() { pl.Writev(c, two) }); n != 0 {
		t.Fatalf("Writev allocates %v times per call", n)
	}
}

// discard reads and drops everything until r fails.
func discard(r io.Reader) {
	buf := make([]byte, 64<<10)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
	}
}
