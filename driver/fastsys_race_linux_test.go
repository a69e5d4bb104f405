package driver

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// relayHandler reads the variable the peer set before its write, and sets
// another before it answers with two buffers (writev).
type relayHandler struct {
	pl      *Pool
	c       Handle
	in, out *int
	armed   chan bool
}

func (h *relayHandler) OnRead(b []byte) bool {
	armed := guard.state.Load() == guardArmed
	_ = *h.in
	h.armed <- armed // before out is set: the channel orders nothing after
	*h.out++
	h.pl.Writev(h.c, [][]byte{b[:1], {'y'}})
	return true
}
func (h *relayHandler) OnEOF()        {}
func (h *relayHandler) OnError(error) {}
func (h *relayHandler) OnFlush(int)   {}

// TestRawCallsKeepRaceEdges: a write to a socket happens before the read
// that sees its bytes, for the race detector too (x/sys's read and write
// record it): a goroutine that sets a variable and then writes to the
// peer of a socket the driver serves, and a handler that reads the
// variable once it has read the byte, do not race; nor do the handler's
// write (writev) and the peer's read. Raw calls, which the race detector
// does not see, would make it report both; race builds make them the
// ordinary way (fastIO). The test arms the guard of raw calls as a
// poller does, whatever the backend, and repeats the exchange until one
// ran with it armed.
func TestRawCallsKeepRaceEdges(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, Pollers(1))
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	var in, out int
	h := &relayHandler{pl: pl, in: &in, out: &out, armed: make(chan bool, 1)}
	c, err := pl.Adopt(fds[1], h)
	if err != nil {
		unix.Close(fds[1])
		t.Fatal(err)
	}
	defer pl.Close(c)
	h.c = c
	if err := pl.Resume(c); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if i == 1000 {
			t.Fatal("no exchange ran with the guard armed")
		}
		guardWake() // as a poller does: so that any backend reads raw
		in++
		if _, err := unix.Write(fds[0], []byte{'x'}); err != nil {
			t.Fatal(err)
		}
		armed := <-h.armed
		var b [2]byte
		for got := 0; got < 2; {
			n, err := unix.Read(fds[0], b[got:])
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
		if string(b[:]) != "xy" {
			t.Fatalf("read %q, want %q", b[:], "xy")
		}
		_ = out // the handler set it before its write
		if armed {
			return
		}
	}
}
