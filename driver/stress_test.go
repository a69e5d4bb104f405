package driver

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/unix"
)

// Closing sockets while new ones take their fd numbers and slots, with
// goroutines hammering the old handles all the while: every call on a
// stale handle answers ErrClosed, and no peer ever receives a byte that
// was written with another socket's handle.
func TestStaleHandlesNeverReachNewSockets(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, Pollers(2))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	// The peers check what each connection received: its own id, then
	// its own payload, then EOF.
	var peers sync.WaitGroup
	peerErr := make(chan error, 1)
	accepting := make(chan struct{}) // closed once the accept loop has returned
	go func() {
		defer close(accepting)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			peers.Add(1)
			go func() {
				defer peers.Done()
				defer c.Close()
				var hdr [8]byte
				if _, err := io.ReadFull(c, hdr[:]); err == nil {
					c.Write(hdr[:]) // echo the id: the socket's handler checks it
				}
				rest, _ := io.ReadAll(c)
				b := append(hdr[:], rest...)
				if len(b) < 8 || !bytes.Equal(b[8:], payload(binary.BigEndian.Uint64(b))) {
					select {
					case peerErr <- fmt.Errorf("a peer received %q", b):
					default:
					}
				}
			}()
		}
	}()

	const workers, rounds = 4, 300
	var mu sync.Mutex
	var stale []Handle
	fdsSeen := map[int]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range rounds {
				id := uint64(w*rounds + i)
				r := newRecorder()
				h, err := pl.Dial(nil, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}, time.Now().Add(5*time.Second), nil, r)
				if err != nil {
					t.Error(err)
					return
				}
				pl.Resume(h)
				pl.Control(h, func(fd int) error {
					mu.Lock()
					fdsSeen[fd]++
					mu.Unlock()
					return nil
				})
				var hdr [8]byte
				binary.BigEndian.PutUint64(hdr[:], id)
				if _, err := pl.Writev(h, [][]byte{hdr[:], payload(id)}); err != nil {
					t.Error(err)
				}
				if i%2 == 0 { // half the sockets wait for the echo of their id
					r.waitFor(t, "the id's echo", func(r *recorder) bool { return r.data.Len() >= 8 })
				}
				// Use some stale handles of other sockets.
				mu.Lock()
				var old []Handle
				for range 4 {
					if len(stale) > 0 {
						old = append(old, stale[rng.IntN(len(stale))])
					}
				}
				mu.Unlock()
				for _, o := range old {
					if _, err := pl.Write(o, []byte("STALE")); err != ErrClosed {
						t.Errorf("Write on stale %v = %v", o, err)
					}
					if err := pl.Resume(o); err != ErrClosed {
						t.Errorf("Resume on stale %v = %v", o, err)
					}
					if err := pl.Close(o); err != ErrClosed {
						t.Errorf("Close on stale %v = %v", o, err)
					}
				}
				if err := pl.Close(h); err != nil {
					t.Error(err)
				}
				mu.Lock()
				stale = append(stale, h)
				mu.Unlock()
				if got := r.bytes(); !bytes.HasPrefix(hdr[:], got) {
					t.Errorf("socket %d read %q, not its own id", id, got)
				}
			}
		}()
	}
	wg.Wait()
	ln.Close()
	<-accepting // no peers.Add after this, and nothing outlives the test
	peers.Wait()
	select {
	case err := <-peerErr:
		t.Fatal(err)
	default:
	}
	reused := 0
	for _, n := range fdsSeen {
		if n > 1 {
			reused++
		}
	}
	if reused == 0 {
		t.Fatal("no fd number was reused: the test did not test reuse")
	}
}

func payload(id uint64) []byte { return bytes.Repeat([]byte{byte(id), byte(id >> 8)}, 1+int(id%500)) }

// Idle connections hold no goroutine: 8000 connections (4000 pairs, both
// ends in this pool) leave the goroutine count where it was. Under the
// portable backend each holds one at most, parked in Go's netpoller (and
// the listener one, if an Accept left it waiting).
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	if testing.Short() {
		t.Skip("8000 connections: skipped with -short")
	}
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	const pairs = 4000
	before := leaktest.Take().Goroutines

	conns := make([]Handle, 0, 2*pairs)
	var mu sync.Mutex
	acceptDone := make(chan error, 1)
	go func() {
		for range pairs {
			h, err := pl.Accept(l, time.Now().Add(10*time.Second), newRecorder())
			if err != nil {
				acceptDone <- err
				return
			}
			mu.Lock()
			conns = append(conns, h)
			mu.Unlock()
		}
		acceptDone <- nil
	}()
	var dialers sync.WaitGroup
	records := make([]*recorder, pairs)
	for d := range 4 {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for i := d; i < pairs; i += 4 {
				records[i] = newRecorder()
				h, err := pl.Dial(nil, addr, time.Now().Add(10*time.Second), nil, records[i])
				if err != nil {
					t.Error(err)
					return
				}
				pl.Resume(h)
				mu.Lock()
				conns = append(conns, h)
				mu.Unlock()
			}
		}()
	}
	dialers.Wait()
	if err := <-acceptDone; err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2*pairs {
		t.Fatalf("%d connections, want %d", len(conns), 2*pairs)
	}
	// The helpers above have returned; wait for their goroutines to go.
	want := before
	if pl.backend == "portable" {
		want += 2*pairs + 1
	}
	if err := leaktest.Settle(leaktest.Counts{Fds: math.MaxInt, Goroutines: want}); err != nil {
		t.Fatal(err)
	}
	if fds := leaktest.Take().Fds; fds < 2*pairs {
		t.Fatalf("%d fds open, want at least %d", fds, 2*pairs)
	}
}
