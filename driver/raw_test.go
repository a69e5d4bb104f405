package driver

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// openUDP opens a raw UDP socket of pl bound to 127.0.0.1 and returns it
// with its address, and a plain net.UDPConn to send to it from.
func openUDP(t *testing.T, pl *Pool) (Handle, *net.UDPAddr, *net.UDPConn) {
	t.Helper()
	h, err := pl.Open(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close(h) })
	var addr *net.UDPAddr
	err = pl.Control(h, func(fd int) error {
		if err := unix.Bind(fd, loopback4); err != nil {
			return err
		}
		sa, err := unix.Getsockname(fd)
		addr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*unix.SockaddrInet4).Port}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { peer.Close() })
	return h, addr, peer
}

// recvOp is a Do op that reads one datagram into buf and records its size.
func recvOp(buf []byte, n *int) func(fd int) error {
	return func(fd int) (err error) {
		*n, err = unix.Read(fd, buf)
		return err
	}
}

// rawWaiters waits until n goroutines wait in Do on h in the direction.
func rawWaiters(t *testing.T, pl *Pool, h Handle, write bool, n int) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("%d goroutines waiting (write %v)", n, write), func() bool {
		return pl.Waiting(h, write) == n
	})
}

func TestRawReadWokenByData(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, peer := openUDP(t, pl)
	done := make(chan error, 1)
	buf, n := make([]byte, 64), 0
	go func() { done <- pl.Do(h, false, time.Time{}, recvOp(buf, &n)) }()
	rawWaiters(t, pl, h, false, 1)
	peer.Write([]byte("datagram"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "datagram" {
		t.Fatalf("read %q, want datagram", got)
	}
}

func TestRawCloseWakesEveryWaiter(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, _ := openUDP(t, pl)
	const readers = 10
	errs := make(chan error, readers)
	for range readers {
		go func() {
			buf, n := make([]byte, 8), 0
			errs <- pl.Do(h, false, time.Time{}, recvOp(buf, &n))
		}()
	}
	rawWaiters(t, pl, h, false, readers)
	pl.Close(h)
	for range readers {
		if err := <-errs; err != ErrClosed {
			t.Fatalf("Do = %v, want ErrClosed", err)
		}
	}
	if err := pl.Do(h, false, time.Time{}, recvOp(nil, new(int))); err != ErrClosed {
		t.Fatalf("Do after Close = %v, want ErrClosed", err)
	}
}

func TestRawDeadline(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, peer := openUDP(t, pl)
	buf, n := make([]byte, 8), 0
	start := time.Now()
	if err := pl.Do(h, false, start.Add(30*time.Millisecond), recvOp(buf, &n)); err != ErrTimeout {
		t.Fatalf("Do = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("timed out after %v, before the deadline", d)
	}
	rawWaiters(t, pl, h, false, 0) // the timed-out waiter left the list

	// A deadline in the past still runs op once: data already there is
	// read, an empty socket times out without waiting.
	peer.Write([]byte("x"))
	past := time.Now().Add(-time.Second)
	var err error
	for i := 0; i < 1000; i++ { // the datagram may still be on its way
		if err = pl.Do(h, false, past, recvOp(buf, &n)); err != ErrTimeout {
			break
		}
		runtime.Gosched()
	}
	if err != nil || string(buf[:n]) != "x" {
		t.Fatalf("Do with a past deadline = %v, %q; want the datagram", err, buf[:n])
	}
	if err := pl.Do(h, false, past, recvOp(buf, &n)); err != ErrTimeout {
		t.Fatalf("Do on an empty socket with a past deadline = %v, want ErrTimeout", err)
	}
}

// Many goroutines read one socket: every datagram reaches exactly one of
// them, and no wake-up is lost.
func TestRawManyReaders(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, Pollers(2))
	h, _, peer := openUDP(t, pl)
	const readers, datagrams = 16, 2000
	got := make(chan byte, datagrams)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf, n := make([]byte, 8), 0
			for pl.Do(h, false, time.Time{}, recvOp(buf, &n)) == nil {
				got <- buf[0]
			}
		}()
	}
	seen := make([]int, 256)
	for i := range datagrams {
		if _, err := peer.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if i%64 == 63 { // stay below the socket's receive buffer
			for range 64 {
				seen[<-got]++
			}
		}
	}
	for range datagrams % 64 {
		seen[<-got]++
	}
	pl.Close(h)
	wg.Wait()
	for b, k := range seen {
		want := datagrams / 256
		if b < datagrams%256 {
			want++
		}
		if k != want {
			t.Fatalf("byte %d came %d times, want %d", b, k, want)
		}
	}
}

// A raw TCP client and server: connect and accept through Do, a write that
// waits for room in a tiny send buffer, Shutdown and Close on raw handles.
func TestRawStream(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := rawListener(t, pl)
	accepted := make(chan Handle, 1)
	go func() {
		h, err := pl.AcceptRaw(l, time.Now().Add(10*time.Second))
		if err != nil {
			t.Error(err)
		}
		accepted <- h
	}()
	rawWaiters(t, pl, l, false, 1)

	c := rawConnect(t, pl, addr)
	defer pl.Close(c)
	s := <-accepted
	defer pl.Close(s)
	pl.Control(c, func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096) })

	want := pattern(1 << 20)
	sent := make(chan error, 1)
	go func() {
		rest := want
		sent <- pl.Do(c, true, time.Time{}, func(fd int) error {
			for len(rest) > 0 {
				n, err := unix.Write(fd, rest)
				if err != nil {
					return err
				}
				rest = rest[n:]
			}
			return nil
		})
	}()
	rawWaiters(t, pl, c, true, 1) // the writer waits for room
	got := readAll(t, pl, s, len(want))
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes that differ from the %d written", len(got), len(want))
	}
	if err := pl.Shutdown(c, unix.SHUT_WR); err != nil {
		t.Fatalf("Shutdown on a raw handle: %v", err)
	}
	if rest := readAll(t, pl, s, 1); len(rest) != 0 {
		t.Fatalf("read %d bytes after shutdown, want EOF", len(rest))
	}
}

// rawListener returns a raw stream socket of pl listening on 127.0.0.1,
// which the test closes when it ends, and its address.
func rawListener(t *testing.T, pl *Pool) (Handle, unix.Sockaddr) {
	t.Helper()
	l, err := pl.Open(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close(l) })
	var addr unix.Sockaddr
	err = pl.Control(l, func(fd int) error {
		if err := unix.Bind(fd, loopback4); err != nil {
			return err
		}
		if err := unix.Listen(fd, 8); err != nil {
			return err
		}
		addr, err = unix.Getsockname(fd)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, addr
}

// rawConnect connects a new raw stream socket to addr through Do.
func rawConnect(t *testing.T, pl *Pool, addr unix.Sockaddr) Handle {
	t.Helper()
	c, err := pl.Open(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	started := false
	err = pl.Do(c, true, time.Now().Add(10*time.Second), func(fd int) error {
		if !started {
			started = true
			if err := unix.Connect(fd, addr); err != unix.EINPROGRESS {
				return err
			}
		}
		if _, err := unix.Getpeername(fd); err == unix.ENOTCONN {
			return unix.EAGAIN
		}
		return nil
	})
	if err != nil {
		pl.Close(c)
		t.Fatal(err)
	}
	return c
}

// readAll reads up to n bytes from raw socket h through Do, fewer at EOF.
func readAll(t *testing.T, pl *Pool, h Handle, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	got := 0
	err := pl.Do(h, false, time.Now().Add(10*time.Second), func(fd int) error {
		for got < n {
			k, err := unix.Read(fd, buf[got:])
			if err != nil {
				return err
			}
			if k == 0 {
				return io.EOF
			}
			got += k
		}
		return nil
	})
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return buf[:got]
}

// Stopping the pool wakes goroutines blocked in Do.
func TestRawStopWakesDo(t *testing.T) {
	leaktest.Check(t)
	pl, err := NewPool(Pollers(1))
	if err != nil {
		t.Fatal(err)
	}
	h, err := pl.Open(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pl.Do(h, false, time.Time{}, recvOp(make([]byte, 1), new(int))) }()
	rawWaiters(t, pl, h, false, 1)
	pl.Stop()
	if err := <-done; err != ErrClosed {
		t.Fatalf("Do = %v, want ErrClosed", err)
	}
}

func TestDoOnConnectionIsEINVAL(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, _ := pair(t, pl, newRecorder())
	defer pl.Close(c)
	if err := pl.Do(c, false, time.Time{}, func(int) error { return nil }); err != unix.EINVAL {
		t.Fatalf("Do on a connection = %v, want EINVAL", err)
	}
}

// The calls in one direction take turns: one waits for data, the others
// for their turn, each until its own deadline; the turns go in the order
// the calls came.
func TestRawTurns(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, peer := openUDP(t, pl)
	first := make(chan error, 1)
	buf, n := make([]byte, 8), 0
	go func() { first <- pl.Do(h, false, time.Time{}, recvOp(buf, &n)) }()
	rawWaiters(t, pl, h, false, 1)

	// A call queued behind it times out by its own deadline.
	if err := pl.Do(h, false, time.Now().Add(20*time.Millisecond), recvOp(make([]byte, 8), new(int))); err != ErrTimeout {
		t.Fatalf("queued Do = %v, want ErrTimeout", err)
	}
	rawWaiters(t, pl, h, false, 1)

	// Two more queue; the datagrams go to the three in turn.
	order := make(chan int, 2)
	for i := range 2 {
		go func() {
			b, k := make([]byte, 8), 0
			if err := pl.Do(h, false, time.Time{}, recvOp(b, &k)); err != nil {
				t.Error(err)
			}
			order <- i*10 + int(b[0])
		}()
		rawWaiters(t, pl, h, false, 2+i)
	}
	for i := range 3 {
		if _, err := peer.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := <-first; err != nil || n != 1 || buf[0] != 0 {
				t.Fatalf("first Do = %v, %v", err, buf[:n])
			}
			continue
		}
		if got, want := <-order, (i-1)*10+i; got != want {
			t.Fatalf("datagram %d went to call %d (got %d)", i, got/10, got)
		}
	}
}

// A lingering close wakes a Do parked on the socket with ErrClosed, and
// returns once the fd is closed.
func TestRawLingeringCloseWakesDo(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := rawListener(t, pl)
	c := rawConnect(t, pl, addr)
	defer pl.Close(c)
	s, err := pl.AcceptRaw(l, time.Now().Add(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	err = pl.Control(s, func(fd int) error {
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, SOLinger, &unix.Linger{Onoff: 1, Linger: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pl.Do(s, false, time.Now().Add(time.Hour), recvOp(make([]byte, 8), new(int))) }()
	rawWaiters(t, pl, s, false, 1)
	if err := pl.CloseLinger(s); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != ErrClosed {
		t.Fatalf("Do on a socket closed with linger = %v, want ErrClosed", err)
	}
}

// The file's deadline moves only earlier: a later call keeps an earlier
// call's, and when that one passes first, the file waits on until the
// later call's own.
func TestRawDeadlineMovesOnlyEarlier(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, peer := openUDP(t, pl)
	fileDeadline := func() time.Time {
		s, err := pl.lock(h)
		if err != nil {
			t.Fatal(err)
		}
		defer s.mu.Unlock()
		return s.x.raw.in.dl
	}
	buf, n := make([]byte, 8), 0
	peer.Write([]byte("a"))
	early := time.Now().Add(50 * time.Millisecond)
	if err := pl.Do(h, false, early, recvOp(buf, &n)); err != nil || string(buf[:n]) != "a" {
		t.Fatalf("Do = %v, %q; want a", err, buf[:n])
	}
	late := time.Now().Add(time.Hour)
	done := make(chan error, 1)
	go func() { done <- pl.Do(h, false, late, recvOp(buf, &n)) }()
	rawWaiters(t, pl, h, false, 1)
	if got := fileDeadline(); !got.Equal(early) {
		t.Fatalf("the file's deadline is %v with a later call waiting, want the earlier %v", got, early)
	}
	testkit.Until(t, "the waiting call's own deadline on the file", func() bool { return fileDeadline().Equal(late) })
	rawWaiters(t, pl, h, false, 1)
	peer.Write([]byte("b"))
	if err := <-done; err != nil || string(buf[:n]) != "b" {
		t.Fatalf("Do past the earlier deadline = %v, %q; want b", err, buf[:n])
	}
}

// An op may close its own handle: Do returns, with the op's result, and
// the socket is closed once it has.
func TestRawOpClosesItsOwnHandle(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, _ := openUDP(t, pl)
	done := make(chan error, 1)
	go func() { done <- pl.Do(h, false, time.Time{}, func(int) error { return pl.Close(h) }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Do whose op closed its handle = %v, want the op's nil", err)
		}
	case <-time.After(testkit.WaitBound):
		t.Fatalf("Do whose op closed its handle did not return within %v", testkit.WaitBound)
	}
	if err := pl.Control(h, func(int) error { return nil }); err != ErrClosed {
		t.Fatalf("Control after the op's Close = %v, want ErrClosed", err)
	}
}

// Close returns while an op runs in its syscall, and the call then ends
// with ErrClosed: the op's EAGAIN does not park it.
func TestRawCloseDuringOp(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	h, _, _ := openUDP(t, pl)
	inOp, release := make(chan struct{}), make(chan struct{})
	var first sync.Once
	done := make(chan error, 1)
	go func() {
		done <- pl.Do(h, false, time.Time{}, func(fd int) error {
			first.Do(func() { close(inOp); <-release })
			_, err := unix.Read(fd, make([]byte, 8))
			return err
		})
	}()
	<-inOp
	closed := make(chan error, 1)
	go func() { closed <- pl.Close(h) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close = %v", err)
		}
	case <-time.After(testkit.WaitBound):
		close(release)
		t.Fatalf("Close did not return within %v while an op ran", testkit.WaitBound)
	}
	close(release) // the op ends after Close returned
	if err := <-done; err != ErrClosed {
		t.Fatalf("Do closed during its op = %v, want ErrClosed", err)
	}
}
