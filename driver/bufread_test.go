package driver

import (
	"bytes"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// lender is a recorder that lends a buffer of its own for every read:
// what the driver reads goes into it, and every loan ends with an
// OnReadInto before the next loan or any other event.
type lender struct {
	*recorder
	buf   []byte
	lent  bool
	into  []int  // the n of each OnReadInto
	order []byte // the events in order: 'l' lend, 'i' OnReadInto, 'e' OnEOF
}

func (l *lender) ReadBuffer() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lent {
		panic("a second loan before the first came back")
	}
	l.lent = true
	l.order = append(l.order, 'l')
	return l.buf
}

func (l *lender) OnReadInto(n int) bool {
	l.mu.Lock()
	l.lent = false
	l.into = append(l.into, n)
	l.order = append(l.order, 'i')
	l.data.Write(l.buf[:n])
	l.mu.Unlock()
	l.note()
	return true
}

func (l *lender) OnEOF() {
	l.mu.Lock()
	l.order = append(l.order, 'e')
	l.mu.Unlock()
	l.recorder.OnEOF()
}

// A BufferHandler's buffer is read into, in reads as large as it, not
// the poller's 64 KiB; the bytes come in order, OnRead is never called,
// and the loan that finds the end comes back (n 0) before OnEOF.
func TestReadIntoHandlersBuffer(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l := &lender{recorder: newRecorder(), buf: make([]byte, 1<<20)}
	c, peer := pair(t, pl, l)
	want := pattern(3 << 20)
	if _, err := peer.Write(want); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	l.waitFor(t, "the end", func(r *recorder) bool { return r.eof })
	defer pl.Close(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !bytes.Equal(l.data.Bytes(), want) {
		t.Fatalf("read %d bytes, want the %d sent in order", l.data.Len(), len(want))
	}
	if l.reads != 0 {
		t.Errorf("OnRead called %d times with a buffer lent", l.reads)
	}
	big := false
	for _, n := range l.into {
		big = big || n > 64<<10
	}
	if !big {
		t.Errorf("no read larger than the poller's buffer: %v", l.into)
	}
	if o := string(l.order); len(o) < 3 || o[len(o)-3:] != "lie" || l.into[len(l.into)-1] != 0 {
		t.Errorf("events %q, last read %d: want the last loan back with 0 before OnEOF", o, l.into[len(l.into)-1])
	}
}
