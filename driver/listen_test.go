package driver

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

func TestListenAcceptDial(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	sr := newRecorder()
	accepted := make(chan Handle, 1)
	go func() {
		h, err := pl.Accept(l, time.Now().Add(5*time.Second), sr)
		if err != nil {
			t.Error(err)
		}
		accepted <- h
	}()
	cr := newRecorder()
	c, err := pl.Dial(nil, addr, time.Now().Add(5*time.Second), nil, cr)
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	pl.Resume(s)
	pl.Resume(c)
	pl.Write(c, []byte("hello"))
	sr.waitFor(t, "hello", func(r *recorder) bool { return r.data.String() == "hello" })
	pl.Write(s, []byte("world"))
	cr.waitFor(t, "world", func(r *recorder) bool { return r.data.String() == "world" })
	pl.Close(c)
	sr.waitFor(t, "EOF", func(r *recorder) bool { return r.eof })
}

func TestAcceptTimeout(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, _ := listen(t, pl)
	start := time.Now()
	_, err := pl.Accept(l, start.Add(30*time.Millisecond), newRecorder())
	if err != ErrTimeout {
		t.Fatalf("Accept = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("Accept timed out after %v, before its deadline", d)
	}
}

// Waiting accepts time out in deadline order, and the listener still
// serves the next one.
func TestAcceptsTimeOutInDeadlineOrder(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	start := time.Now()
	order := make(chan int, 3)
	var wg sync.WaitGroup
	for i, d := range []time.Duration{90, 30, 60} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := pl.Accept(l, start.Add(d*time.Millisecond), newRecorder()); err != ErrTimeout {
				t.Errorf("Accept %d = %v, want ErrTimeout", i, err)
			}
			order <- i
		}()
	}
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 0 {
		t.Fatalf("timed out in order %v, want [1 2 0]", got)
	}
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := pl.Accept(l, time.Now().Add(5*time.Second), newRecorder()); err != nil {
		t.Fatal(err)
	}
}

// Closing a listener wakes every blocked Accept with ErrClosed.
func TestCloseListenerWakesAccepts(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, _ := listen(t, pl)
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := pl.Accept(l, time.Time{}, newRecorder())
			errs <- err
		}()
	}
	waitWaiters(t, pl, l, n)
	pl.Close(l)
	for range n {
		if err := <-errs; err != ErrClosed {
			t.Fatalf("Accept = %v, want ErrClosed", err)
		}
	}
}

// waitWaiters waits until n goroutines are blocked in Accept on l.
func waitWaiters(t *testing.T, pl *Pool, l Handle, n int) {
	t.Helper()
	testkit.Until(t, fmt.Sprintf("%d accepts waiting", n), func() bool {
		s, err := pl.lock(l)
		if err != nil {
			t.Fatal(err)
		}
		defer s.mu.Unlock()
		return len(s.x.list) == n
	})
}

// EMFILE from accept comes back as an error at once: no panic, no spin,
// and the connection waits in the backlog for the next Accept.
func TestAcceptEMFILE(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	calls := 0
	real := hooks.accept4
	hooks.accept4 = func(int, int) (int, error) { calls++; return -1, unix.EMFILE }
	_, err = pl.Accept(l, time.Now().Add(time.Second), newRecorder())
	hooks.accept4 = real
	if err != unix.EMFILE || calls != 1 {
		t.Fatalf("Accept = %v after %d accept4 calls, want EMFILE after 1", err, calls)
	}
	if _, err := pl.Accept(l, time.Now().Add(5*time.Second), newRecorder()); err != nil {
		t.Fatalf("Accept after EMFILE = %v", err)
	}
}

func TestAcceptOnConnectionIsEINVAL(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	c, _ := pair(t, pl, newRecorder())
	if _, err := pl.Accept(c, time.Time{}, newRecorder()); err != unix.EINVAL {
		t.Fatalf("Accept on a connection = %v, want EINVAL", err)
	}
	l, _ := listen(t, pl)
	if _, err := pl.Write(l, []byte("x")); err != unix.ENOTCONN {
		t.Fatalf("Write on a listener = %v, want ENOTCONN", err)
	}
}

func TestDialRefused(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_, err = pl.Dial(nil, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port}, time.Now().Add(5*time.Second), nil, newRecorder())
	if !isErr(err, unix.ECONNREFUSED) {
		t.Fatalf("Dial = %v, want ECONNREFUSED", err)
	}
}

// A listener whose backlog is full drops SYNs, so a connect hangs until
// its deadline.
func TestDialTimeout(t *testing.T) {
	leaktest.Check(t)
	fullBacklog(t, newPool(t))
}

// fullBacklog opens a listener on pl with backlog 0 that never accepts,
// and connects to it until a connect times out: its backlog is full, and
// the next connect to the address it returns hangs.
func fullBacklog(t *testing.T, pl *Pool) unix.Sockaddr {
	t.Helper()
	l, err := pl.Listen(loopback4, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close(l) })
	var addr unix.Sockaddr
	pl.Control(l, func(fd int) (err error) { addr, err = unix.Getsockname(fd); return })
	for range 8 {
		h, err := pl.Dial(nil, addr, time.Now().Add(100*time.Millisecond), nil, newRecorder())
		if err == ErrTimeout {
			return addr
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pl.Close(h) })
	}
	t.Fatal("eight connects to a listener with backlog 0 that never accepts all succeeded")
	return nil
}

func TestDialIPv6(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, err := pl.Listen(&unix.SockaddrInet6{Addr: [16]byte{15: 1}}, 16, nil)
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	var addr unix.Sockaddr
	pl.Control(l, func(fd int) (err error) { addr, err = unix.Getsockname(fd); return })
	echoOne(t, pl, l, addr)
}

func TestDialUnix(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	path := filepath.Join(t.TempDir(), "s")
	l, err := pl.Listen(&unix.SockaddrUnix{Name: path}, 16, nil)
	if err != nil {
		t.Fatal(err)
	}
	echoOne(t, pl, l, &unix.SockaddrUnix{Name: path})
}

// echoOne dials addr, accepts on l, and sends a message each way.
func echoOne(t *testing.T, pl *Pool, l Handle, addr unix.Sockaddr) {
	t.Helper()
	cr, sr := newRecorder(), newRecorder()
	c, err := pl.Dial(nil, addr, time.Now().Add(5*time.Second), nil, cr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pl.Accept(l, time.Now().Add(5*time.Second), sr)
	if err != nil {
		t.Fatal(err)
	}
	pl.Resume(c)
	pl.Resume(s)
	pl.Write(c, []byte("up"))
	sr.waitFor(t, "up", func(r *recorder) bool { return r.data.String() == "up" })
	pl.Write(s, []byte("down"))
	cr.waitFor(t, "down", func(r *recorder) bool { return r.data.String() == "down" })
}

// heldFiles keeps the files whose fds TestAdoptFdOfAFile gave the pools:
// the pools closed those fds, and a file's finalizer would close the
// numbers again, another socket's by then.
var heldFiles []*os.File

// fdOf returns the fd of f, which f still owns, and keeps f for good.
func fdOf(t *testing.T, f *os.File) int {
	t.Helper()
	heldFiles = append(heldFiles, f)
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	rc.Control(func(x uintptr) { fd = int(x) })
	return fd
}

// Adopt takes an fd that an os.File still holds in Go's netpoller (a
// listener's File, a connection's): under the portable backend the pool
// waits on a dup of it, which the netpoller takes, so that Accept and
// reads are served, where the fd itself could not wait and every wait
// failed at once: Accept hung, the connection read nothing.
func TestAdoptFdOfAFile(t *testing.T) {
	eachBackend(t, func(t *testing.T, pl *Pool) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		lf, err := ln.(*net.TCPListener).File()
		if err != nil {
			t.Fatal(err)
		}
		l, err := pl.Adopt(fdOf(t, lf), nil)
		if err != nil {
			t.Fatal(err)
		}
		accepted := make(chan error, 1)
		go func() {
			_, err := pl.Accept(l, time.Now().Add(testkit.WaitBound), newRecorder())
			accepted <- err
		}()
		waitWaiters(t, pl, l, 1) // the Accept waits: the connection comes after
		testkit.Dial(t, ln.Addr().String())
		if err := <-accepted; err != nil {
			t.Fatalf("Accept on the adopted listener = %v", err)
		}

		ln2, port := testkit.Listen(t)
		nc2 := testkit.Dial(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		peer := testkit.Accept(t, ln2)
		cf, err := nc2.(*net.TCPConn).File()
		if err != nil {
			t.Fatal(err)
		}
		r := newRecorder()
		c, err := pl.Adopt(fdOf(t, cf), r)
		if err != nil {
			t.Fatal(err)
		}
		pl.Resume(c)
		waitReadWaiter(t, pl, c) // the data comes after the read met EAGAIN
		peer.Write([]byte("adopted"))
		r.waitFor(t, "adopted", func(r *recorder) bool { return r.data.String() == "adopted" })
	})
}

// Adopt takes an fd opened elsewhere (gen_tcp's {fd, Fd}).
func TestAdopt(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fd := takeFd(t, nc)
	r := newRecorder()
	c, err := pl.Adopt(fd, r)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pl.Resume(c)
	peer.Write([]byte("adopted"))
	r.waitFor(t, "adopted", func(r *recorder) bool { return r.data.String() == "adopted" })
}

// Stopping the pool closes every socket and wakes blocked calls.
func TestStopClosesEverything(t *testing.T) {
	leaktest.Check(t)
	pl, err := NewPool(Pollers(2))
	if err != nil {
		t.Fatal(err)
	}
	l, addr := listen(t, pl)
	var peers []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port)))
		if err != nil {
			t.Fatal(err)
		}
		peers = append(peers, c)
		h, err := pl.Accept(l, time.Now().Add(5*time.Second), newRecorder())
		if err != nil {
			t.Fatal(err)
		}
		pl.Resume(h)
	}
	blocked := make(chan error)
	go func() {
		_, err := pl.Accept(l, time.Time{}, newRecorder())
		blocked <- err
	}()
	waitWaiters(t, pl, l, 1)
	if err := pl.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-blocked; err != ErrClosed {
		t.Fatalf("blocked Accept = %v, want ErrClosed", err)
	}
	for _, c := range peers {
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("peer read %v, want EOF", err)
		}
		c.Close()
	}
	if _, err := pl.Listen(loopback4, 1, nil); err != ErrClosed {
		t.Fatalf("Listen after Stop = %v, want ErrClosed", err)
	}
	if err := pl.Stop(); err != ErrClosed {
		t.Fatalf("second Stop = %v, want ErrClosed", err)
	}
}

func TestSubmitRunsOnThePoller(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t, Pollers(1))
	r := newRecorder()
	c, peer := pair(t, pl, r)
	pl.Resume(c)
	// The handler and a submitted task never run at once: a task that
	// reads the recorder unlocked while the peer writes is race-free only
	// if it runs on the poller goroutine, between handler calls.
	var seen []int
	done := make(chan struct{})
	for i := range 100 {
		peer.Write([]byte{byte(i)})
		if err := pl.Submit(c, func() { seen = append(seen, r.reads) }); err != nil {
			t.Fatal(err)
		}
	}
	pl.Submit(c, func() { close(done) })
	<-done
	if len(seen) != 100 {
		t.Fatalf("%d tasks ran, want 100", len(seen))
	}
	pl.Close(c)
	if err := pl.Submit(c, func() {}); err != ErrClosed {
		t.Fatalf("Submit on a closed handle = %v, want ErrClosed", err)
	}
	if err := pl.Submit(c, nil); err == nil {
		t.Fatal("Submit(nil) succeeded")
	}
}

func TestPoolOptions(t *testing.T) {
	for _, o := range []Option{Pollers(0), Pollers(5000), ReadBuffer(0)} {
		if _, err := NewPool(o); err == nil {
			t.Errorf("NewPool accepted a bad option")
		}
	}
}

// TryAccept never waits: with no connection it answers EAGAIN and calls
// notify, once, on the poller when one comes; then it takes it.
func TestTryAccept(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	notified := make(chan struct{}, 2)
	notify := func() { notified <- struct{}{} }
	if _, err := pl.TryAccept(l, newRecorder(), notify); err != unix.EAGAIN {
		t.Fatalf("TryAccept with no connection = %v, want EAGAIN", err)
	}
	select {
	case <-notified:
		t.Fatal("notified before any connection came")
	default:
	}
	c, err := pl.Dial(nil, addr, time.Now().Add(5*time.Second), nil, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close(c)
	testkit.Recv(t, notified, "notice of the connection")
	s, err := pl.TryAccept(l, newRecorder(), nil)
	if err != nil {
		t.Fatalf("TryAccept after the notice = %v", err)
	}
	pl.Close(s)
	// Once called, notify is gone: the next connection tells nobody, and
	// waits in the backlog for the next TryAccept.
	c2, err := pl.Dial(nil, addr, time.Now().Add(5*time.Second), nil, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close(c2)
	s2, err := pl.TryAccept(l, newRecorder(), nil)
	if err != nil {
		t.Fatalf("TryAccept of the waiting connection = %v", err)
	}
	pl.Close(s2)
	select {
	case <-notified:
		t.Fatal("notified twice")
	default:
	}
	if _, err := pl.TryAccept(c, newRecorder(), nil); err != unix.EINVAL {
		t.Fatalf("TryAccept on a connection = %v, want EINVAL", err)
	}
	pl.Close(l)
	if _, err := pl.TryAccept(l, newRecorder(), nil); err != ErrClosed {
		t.Fatalf("TryAccept on a closed listener = %v, want ErrClosed", err)
	}
}

// DialCancel gives up when cancel closes: the connect that hangs on a full
// backlog returns ErrClosed, and its socket is closed.
func TestDialCancel(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	addr := fullBacklog(t, pl)
	cancel := make(chan struct{})
	res := make(chan error, 1)
	go func() {
		_, err := pl.DialCancel(nil, addr, time.Time{}, cancel, nil, newRecorder())
		res <- err
	}()
	testkit.Until(t, "DialCancel waiting", func() bool { return dialing(pl) == 1 })
	close(cancel)
	if err := testkit.Result(t, "DialCancel after its cancel closed", res); err != ErrClosed {
		t.Fatalf("DialCancel = %v, want ErrClosed", err)
	}
	if _, err := pl.DialCancel(nil, addr, time.Time{}, cancel, nil, newRecorder()); err != ErrClosed {
		t.Fatalf("DialCancel with cancel closed already = %v, want ErrClosed", err)
	}
}
