package socket

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// isAcceptResult matches the *AcceptResult of ref.
func isAcceptResult(ref AsyncRef) func(any) bool {
	return testkit.OfType(func(r *AcceptResult) bool { return r.Ref == ref })
}

// isRecvResult matches the *RecvResult of ref.
func isRecvResult(ref AsyncRef) func(any) bool {
	return testkit.OfType(func(r *RecvResult) bool { return r.Ref == ref })
}

// acceptResultOf waits for the *AcceptResult of ref in p's mailbox.
func acceptResultOf(t *testing.T, p proc, ref AsyncRef) *AcceptResult {
	t.Helper()
	return testkit.ExpectOf(t, p, func(r *AcceptResult) bool { return r.Ref == ref })
}

// recvResultOf waits for the *RecvResult of ref in p's mailbox.
func recvResultOf(t *testing.T, p proc, ref AsyncRef) *RecvResult {
	t.Helper()
	return testkit.ExpectOf(t, p, func(r *RecvResult) bool { return r.Ref == ref })
}

// prim_inet:async_accept: the connection comes as a message, owned by the
// caller, whether it comes after the call or was waiting before it.
func TestAsyncAccept(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p, Active(False))
	defer l.Close()
	ref, err := l.AsyncAccept(p, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if ref == 0 {
		t.Fatal("AsyncAccept's reference is 0")
	}
	testkit.None(t, p, nil)
	c := connect(t, p, "localhost", port, Active(False))
	defer c.Close()
	r := acceptResultOf(t, p, ref)
	if r.Err != nil || r.Listener != l || r.Socket == nil {
		t.Fatalf("AcceptResult %+v", r)
	}
	defer r.Socket.Close()
	if !r.Socket.Owner().Equal(p.Self()) {
		t.Fatalf("owner %v, want the caller %v", r.Socket.Owner(), p.Self())
	}
	through(t, c, r.Socket, "ping")

	// A connection waiting already is answered as a message too.
	c2 := connect(t, p, "localhost", port, Active(False))
	defer c2.Close()
	testkit.Until(t, "the connection in the backlog", func() bool { return backlog(t, l) == 1 })
	ref2, err := l.AsyncAccept(p, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if ref2 == ref {
		t.Fatal("two AsyncAccepts with one reference")
	}
	r2 := acceptResultOf(t, p, ref2)
	if r2.Err != nil {
		t.Fatal(r2.Err)
	}
	defer r2.Socket.Close()
	through(t, c2, r2.Socket, "ping")
}

// through checks that msg, sent on c, is what the next Recv on s gets.
func through(t *testing.T, c, s *Socket, msg string) {
	t.Helper()
	if err := c.Send([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	if data, err := s.Recv(0, testkit.WaitBound); err != nil || string(data) != msg {
		t.Fatalf("Recv = %q, %v; want %q", data, err, msg)
	}
}

// Accept and AsyncAccept wait in one queue, first come first served.
func TestAsyncAcceptQueue(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p)
	defer l.Close()
	res := make(chan acceptResult, 1)
	q := spawn(t, func(q proc) {
		s, err := l.Accept(q, testkit.WaitBound)
		res <- acceptResult{s: s, err: err}
	})
	testkit.Until(t, "accepting", func() bool { return accepting(l) == 1 })
	ref, err := l.AsyncAccept(p, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if n := accepting(l); n != 2 {
		t.Fatalf("%d accepting, want 2", n)
	}
	c1 := connect(t, p, "localhost", port)
	defer c1.Close()
	r1 := testkit.Recv(t, res, "the first Accept")
	if r1.err != nil {
		t.Fatal(r1.err)
	}
	defer r1.s.Close()
	if !r1.s.Owner().Equal(q.Self()) {
		t.Fatal("the first connection did not go to the first caller")
	}
	testkit.None(t, p, nil)
	c2 := connect(t, p, "localhost", port)
	defer c2.Close()
	r2 := acceptResultOf(t, p, ref)
	if r2.Err != nil {
		t.Fatal(r2.Err)
	}
	r2.Socket.Close()
}

// An AsyncAccept ends with a result when its timeout passes (timeout) or
// its listening socket closes (closed), as prim_inet's does (held by the
// oracle's async_* lines), and with none when it is cancelled.
func TestAsyncAcceptEnds(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p)
	ref, err := l.AsyncAccept(p, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r := acceptResultOf(t, p, ref); r.Socket != nil || !errors.Is(r.Err, ErrTimeout) {
		t.Fatalf("AsyncAccept with a timeout: %+v, want timeout", r)
	}
	if n := accepting(l); n != 0 {
		t.Fatalf("%d accepting after the timeout", n)
	}

	ref, err = l.AsyncAccept(p, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if !l.CancelAsync(ref) {
		t.Fatal("CancelAsync of a pending AsyncAccept = false")
	}
	if l.CancelAsync(ref) {
		t.Fatal("CancelAsync twice = true")
	}
	if n := accepting(l); n != 0 {
		t.Fatalf("%d accepting after CancelAsync", n)
	}
	c := connect(t, p, "localhost", port)
	defer c.Close()
	s, err := l.Accept(p, testkit.WaitBound) // the connection the cancelled call did not take
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	testkit.None(t, p, isAcceptResult(ref)) // the cancelled AsyncAccept's

	ref, err = l.AsyncAccept(p, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if r := acceptResultOf(t, p, ref); r.Socket != nil || !errors.Is(r.Err, ErrClosed) {
		t.Fatalf("AsyncAccept when the listening socket closes: %+v, want closed", r)
	}
	if _, err := l.AsyncAccept(p, Infinity); !errors.Is(err, ErrClosed) {
		t.Fatalf("AsyncAccept on a closed socket = %v, want closed", err)
	}
	if _, err := c.AsyncAccept(p, Infinity); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("AsyncAccept on a connected socket = %v, want einval", err)
	}
	if _, err := c.AsyncAccept(nil, Infinity); !errors.Is(err, ErrBadArg) {
		t.Fatalf("AsyncAccept with a nil caller = %v, want badarg", err)
	}
}

// An acceptor that is a plain actor: it calls AsyncAccept in its Receive
// and never blocks. When it stops, its accept leaves the queue, and the
// next connection goes to the next caller.
func TestAsyncAcceptActorStops(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p)
	defer l.Close()
	got := make(chan *AcceptResult, 1)
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			if _, err := l.AsyncAccept(ctx, Infinity); err != nil {
				t.Error(err)
			}
		case *AcceptResult:
			got <- m
		}
	}, otpactor.WithOwnerMailbox())
	a := testSystem.Root.Spawn(props)
	testkit.Until(t, "accepting", func() bool { return accepting(l) == 1 })
	if err := testSystem.Root.StopFuture(a).Wait(); err != nil {
		t.Fatal(err)
	}
	// The actor is out of the registry: its Down may still be on its way,
	// and the connection made now goes to the next caller all the same.
	c := connect(t, p, "localhost", port)
	defer c.Close()
	s, err := l.Accept(p, testkit.WaitBound)
	if err != nil {
		t.Fatalf("the next Accept = %v, want the connection", err)
	}
	s.Close()
	select {
	case m := <-got:
		t.Fatalf("the stopped acceptor got %+v", m)
	default:
	}
	if n := accepting(l); n != 0 {
		t.Fatalf("%d accepting once the acceptor has stopped", n)
	}
}

// prim_inet:async_recv: the packet comes as a message, whether it comes
// after the call or is buffered already; a timeout loses nothing; a
// second Recv meanwhile is ealready.
func TestAsyncRecv(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	ref, err := s.AsyncRecv(p, 0, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(0, 0); !errors.Is(err, unix.EALREADY) {
		t.Fatalf("Recv while an AsyncRecv waits = %v, want ealready", err)
	}
	if _, err := s.AsyncRecv(p, 0, Infinity); !errors.Is(err, unix.EALREADY) {
		t.Fatalf("AsyncRecv while another waits = %v, want ealready", err)
	}
	testkit.None(t, p, nil)
	if err := c.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if r := recvResultOf(t, p, ref); r.Err != nil || string(r.Data) != "hello" || r.Socket != s {
		t.Fatalf("RecvResult %+v", r)
	}

	// Buffered already: two 3-byte Recvs of one 6-byte packet.
	if err := c.Send([]byte("abcdef")); err != nil {
		t.Fatal(err)
	}
	if data, err := s.Recv(3, testkit.WaitBound); err != nil || string(data) != "abc" {
		t.Fatalf("Recv = %q, %v", data, err)
	}
	ref, err = s.AsyncRecv(p, 3, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if r := recvResultOf(t, p, ref); r.Err != nil || string(r.Data) != "def" {
		t.Fatalf("RecvResult of buffered bytes %+v", r)
	}

	// A timeout: what comes after stays for the next Recv.
	ref, err = s.AsyncRecv(p, 0, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r := recvResultOf(t, p, ref); !errors.Is(r.Err, ErrTimeout) || r.Data != nil {
		t.Fatalf("RecvResult after the timeout %+v", r)
	}
	through(t, c, s, "later")

	// Cancelled: no result, and the data goes to the next Recv.
	ref, err = s.AsyncRecv(p, 0, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	if !s.CancelAsync(ref) || s.CancelAsync(ref) {
		t.Fatal("CancelAsync of a pending AsyncRecv: want true, then false")
	}
	through(t, c, s, "kept")
	testkit.None(t, p, isRecvResult(ref)) // the cancelled AsyncRecv's

	// The peer closes: the result is closed.
	ref, err = s.AsyncRecv(p, 0, Infinity)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if r := recvResultOf(t, p, ref); !errors.Is(r.Err, ErrClosed) {
		t.Fatalf("RecvResult when the peer closes %+v, want closed", r)
	}
	s.Close()
	if _, err := s.AsyncRecv(p, 0, Infinity); !errors.Is(err, ErrClosed) {
		t.Fatalf("AsyncRecv on a closed socket = %v, want closed", err)
	}
}

// AsyncRecv refuses what Recv refuses, and a nil or stopped caller.
func TestAsyncRecvErrors(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	dead := newProc(t)
	dead.Close()
	for _, tc := range []struct {
		name string
		call func() (AsyncRef, error)
		want error
	}{
		{"nil caller", func() (AsyncRef, error) { return s.AsyncRecv(nil, 0, Infinity) }, ErrBadArg},
		{"stopped caller", func() (AsyncRef, error) { return s.AsyncRecv(dead, 0, Infinity) }, ErrNoProc},
		{"negative length", func() (AsyncRef, error) { return s.AsyncRecv(p, -1, Infinity) }, unix.EINVAL},
		{"active socket", func() (AsyncRef, error) {
			c.SetOpts(Active(True))
			defer c.SetOpts(Active(False))
			return c.AsyncRecv(p, 0, Infinity)
		}, unix.EINVAL},
	} {
		if ref, err := tc.call(); !errors.Is(err, tc.want) || ref != 0 {
			t.Errorf("%s: %v, %v; want %v", tc.name, ref, err, tc.want)
		}
	}
	testkit.None(t, p, nil)
}

// A Recv made by a process that is not the owner ends when that process
// is killed, and loses nothing: the next Recv gets the data. OTP 25 keeps
// the dead process's recv pending instead, so that the owner's recv is
// ealready and the next packet is lost (held by the oracle's
// recv_killed line).
func TestRecvAsKilled(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	res := make(chan error, 1)
	q := spawn(t, func(q proc) {
		_, err := s.RecvAs(q, 0, Infinity)
		res <- err
	})
	testkit.Until(t, "recv waiting", func() bool { return recvWaiting(s) })
	q.Close()
	if recvWaiting(s) {
		t.Fatal("the killed process's Recv still waits")
	}
	if err := testkit.Recv(t, res, "RecvAs's return"); !errors.Is(err, ErrClosed) {
		t.Fatalf("RecvAs of the killed process = %v, want closed", err)
	}
	through(t, c, s, "hello")
	if _, err := s.RecvAs(q, 0, 0); !errors.Is(err, ErrNoProc) {
		t.Fatalf("RecvAs by a stopped process = %v, want noproc", err)
	}
	if _, err := s.RecvAs(nil, 0, 0); !errors.Is(err, ErrBadArg) {
		t.Fatalf("RecvAs by nil = %v, want badarg", err)
	}
	// A RecvAs whose caller lives answers as Recv does.
	if err := c.Send([]byte("again")); err != nil {
		t.Fatal(err)
	}
	if data, err := s.RecvAs(newProc(t), 0, testkit.WaitBound); err != nil || string(data) != "again" {
		t.Fatalf("RecvAs = %q, %v", data, err)
	}
	if _, err := s.RecvAs(newProc(t), 0, 10*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("RecvAs with nothing to read = %v, want timeout", err)
	}
}

// An AsyncRecv whose caller stops ends with no result, and the data goes
// to the next Recv.
func TestAsyncRecvCallerStops(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	q := newProc(t)
	if _, err := s.AsyncRecv(q, 0, Infinity); err != nil {
		t.Fatal(err)
	}
	q.Close()
	if recvWaiting(s) {
		t.Fatal("the stopped process's AsyncRecv still waits")
	}
	through(t, c, s, "hello")
}

// Killing a Process wakes each of its blocked calls at once, with
// closed: an Accept, a Recv of a socket it owns and a RecvAs of one it
// does not, a Connect under way, a Send of the socket backend waiting to
// write it all.
func TestKilledProcessWakesItsCalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// start sets up the call for q to make, and returns it with a
		// test of whether it is blocked.
		start func(t *testing.T, p, q proc) (call func() error, blocked func() bool)
	}{
		{"accept", func(t *testing.T, p, q proc) (func() error, func() bool) {
			l, _ := listenLo(t, p)
			t.Cleanup(func() { l.Close() })
			return func() error { _, err := l.Accept(q, Infinity); return err },
				func() bool { return accepting(l) == 1 }
		}},
		{"recv", func(t *testing.T, p, q proc) (func() error, func() bool) {
			_, s := pair(t, p, Active(False))
			if err := s.ControllingProcess(p, q.Self()); err != nil {
				t.Fatal(err)
			}
			return func() error { _, err := s.Recv(0, Infinity); return err },
				func() bool { return recvWaiting(s) }
		}},
		{"recv_as", func(t *testing.T, p, q proc) (func() error, func() bool) {
			_, s := pair(t, p, Active(False))
			return func() error { _, err := s.RecvAs(q, 0, Infinity); return err },
				func() bool { return recvWaiting(s) }
		}},
		{"connect", func(t *testing.T, p, q proc) (func() error, func() bool) {
			port := fullBacklog(t, p)
			return func() error {
					s, err := Connect(q, "127.0.0.1", port, Infinity)
					if err == nil {
						s.Close()
					}
					return err
				},
				func() bool { return synSent(t, port) == 1 }
		}},
		{"send_socket_backend", func(t *testing.T, p, q proc) (func() error, func() bool) {
			c, s := pair(t, p, Active(False))
			c.SetOpts(InetBackend(BackendSocket), Sndbuf(4096))
			s.SetOpts(Recbuf(4096))
			if err := c.ControllingProcess(p, q.Self()); err != nil {
				t.Fatal(err)
			}
			big := make([]byte, 8<<20)
			return func() error { return c.Send(big) },
				func() bool { return busy(c) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProc(t)
			q := newProc(t)
			call, blocked := tc.start(t, p, q)
			res := make(chan error, 1)
			go func() { res <- call() }()
			testkit.Until(t, "the call blocked", blocked)
			q.Close()
			if err := testkit.Recv(t, res, "the call's return"); !errors.Is(err, ErrClosed) {
				t.Fatalf("the killed process's call = %v, want closed", err)
			}
		})
	}
}

// fullBacklog returns the port of a listening socket, owned by p, that
// never accepts and whose backlog is full, so that a connect to it waits
// (the kernel drops its SYNs).
func fullBacklog(t *testing.T, p proc) int {
	t.Helper()
	l, port := listenLo(t, p, Backlog(0))
	t.Cleanup(func() { l.Close() })
	for range 8 {
		c, err := Connect(p, "127.0.0.1", port, 100*time.Millisecond)
		if errors.Is(err, ErrTimeout) {
			return port
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatal("eight connects to a listening socket with backlog 0 that never accepts all succeeded")
	return 0
}

// synSent is how many of this host's TCP sockets are connecting to port
// on 127.0.0.1 (SYN_SENT, in /proc/net/tcp).
func synSent(t *testing.T, port int) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the TCP sockets' states from Linux's /proc/net/tcp")
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	remote := fmt.Sprintf("0100007F:%04X", port)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && fields[2] == remote && fields[3] == "02" {
			n++
		}
	}
	return n
}
