package socket

// Ports of gen_tcp_misc_SUITE's socket_monitor cases (inet:monitor/1,
// inet:cancel_monitor/1), and what OTP 25 does around them
// (testdata/otp_suites.escript, the monitor_* lines): the Down's reason,
// when a port exits and when it does not, and cancelling.

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// awaitDown is the suite's sm_await_socket_down: the process's next
// message is the Down of ref, for s.
func awaitDown(t *testing.T, q proc, ref *MonitorRef, s *Socket) *Down {
	t.Helper()
	m, err := q.Receive(nil, testkit.WaitBound)
	d, isDown := m.(*Down)
	if err != nil || !isDown || d.Ref != ref || d.Socket != s {
		t.Errorf("got %#v (%v), want the Down of %v for %v", m, err, ref, s)
		return nil
	}
	return d
}

// monitorClient is the suite's F1 in a process of its own: it monitors
// each socket, says ready, then expects one Down per monitor, the first
// messages it gets; done closes when it has them.
func monitorClient(t *testing.T, socks ...*Socket) (ready, done <-chan struct{}) {
	r, d := make(chan struct{}), make(chan struct{})
	spawn(t, func(q proc) {
		defer close(d)
		refs := make(map[*MonitorRef]*Socket)
		for _, s := range socks {
			ref, err := s.Monitor(q)
			if err != nil {
				t.Error(err)
				close(r)
				return
			}
			refs[ref] = s
		}
		close(r)
		for len(refs) > 0 {
			m, err := q.Receive(nil, testkit.WaitBound)
			d, isDown := m.(*Down)
			if err != nil || !isDown || refs[d.Ref] != d.Socket {
				t.Errorf("got %#v (%v), want the Down of one of %d monitors", m, err, len(refs))
				return
			}
			delete(refs, d.Ref)
		}
	})
	return r, d
}

// socket_monitor1: a process monitors a listening socket; the socket is
// closed; the process gets its Down.
func TestSocketMonitor1(t *testing.T) {
	testSocketMonitor(t, 1, 1, false)
}

// socket_monitor1_manys: one process monitors five listening sockets;
// they are closed; it gets the five Downs, each for its socket.
func TestSocketMonitor1Manys(t *testing.T) {
	testSocketMonitor(t, 5, 1, false)
}

// socket_monitor1_manyc: five processes monitor one listening socket; it
// is closed; each gets its Down.
func TestSocketMonitor1Manyc(t *testing.T) {
	testSocketMonitor(t, 1, 5, false)
}

// socket_monitor1_demon_after: a process monitors a listening socket and
// cancels the monitor; the socket is closed; no Down comes. OTP's client
// sleeps a second before cancelling and waits a second for no Down; this
// one holds a second monitor, kept: the Down of the cancelled one would be
// sent before the kept one's, so none may come before the kept one's, and
// none after it.
func TestSocketMonitor1DemonAfter(t *testing.T) {
	t.Parallel()
	p, q := newProc(t), newProc(t)
	l, _ := listenLo(t, p)
	cancelled, err := l.Monitor(q)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := l.Monitor(q)
	if err != nil {
		t.Fatal(err)
	}
	if !CancelMonitor(cancelled) {
		t.Fatal("cancel_monitor of an active monitor = false")
	}
	l.Close()
	downOf := func(ref *MonitorRef) func(any) bool {
		return testkit.OfType(func(d *Down) bool { return d.Ref == ref })
	}
	if d := testkit.NoneBefore(t, q, downOf(cancelled), downOf(kept)).(*Down); d.Socket != l {
		t.Fatalf("the kept monitor's Down is for %v, want %v", d.Socket, l)
	}
	testkit.None(t, q, nil)
}

// socket_monitor2: a process owns a listening socket, another monitors it;
// the owner exits (OTP kills it: here its Process closes); the socket goes
// with it and the monitor's Down comes.
func TestSocketMonitor2(t *testing.T) {
	testSocketMonitor(t, 1, 1, true)
}

// socket_monitor2_manys: as socket_monitor2, with five sockets monitored
// by one process.
func TestSocketMonitor2Manys(t *testing.T) {
	testSocketMonitor(t, 5, 1, true)
}

// socket_monitor2_manyc: as socket_monitor2, with one socket monitored by
// five processes.
func TestSocketMonitor2Manyc(t *testing.T) {
	testSocketMonitor(t, 1, 5, true)
}

// testSocketMonitor is the socket_monitor cases: nclients processes each
// monitor the same nsocks listening sockets; the sockets are closed, or
// their owner exits; each process gets a Down per socket.
func testSocketMonitor(t *testing.T, nsocks, nclients int, ownerExits bool) {
	t.Parallel()
	owner := newProc(t)
	var socks []*Socket
	for range nsocks {
		l, _ := listenLo(t, owner)
		defer l.Close()
		socks = append(socks, l)
	}
	var dones []<-chan struct{}
	for range nclients {
		ready, done := monitorClient(t, socks...)
		testkit.Recv(t, ready, "client ready")
		dones = append(dones, done)
	}
	if ownerExits {
		owner.Close()
	} else {
		for _, l := range socks {
			l.Close()
		}
	}
	for i, done := range dones {
		testkit.Recv(t, done, fmt.Sprintf("client %d's Downs", i+1))
	}
}

// A monitor from an actor (protoactor's own mailbox, not an otpnet one)
// gets its Down in the actor's mailbox.
func TestSocketMonitorFromActor(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, _ := listenLo(t, p)
	downs := make(chan *Down, 1)
	refs := make(chan *MonitorRef, 1)
	pid := testSystem.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			ref, err := l.Monitor(ctx)
			if err != nil {
				t.Error(err)
			}
			refs <- ref
		case *Down:
			downs <- m
		}
	}))
	defer testSystem.Root.Stop(pid)
	ref := testkit.Recv(t, refs, "the actor's monitor")
	l.Close()
	if d := testkit.Recv(t, downs, "the actor's Down"); d.Ref != ref || d.Socket != l || d.Reason != nil {
		t.Fatalf("got %+v, want the Down of %v, normal", d, ref)
	}
}

// Why a port exits, and in what order the owner (here the monitoring
// process too) hears of it: OTP's monitor_* oracle lines. Reason nil is
// Erlang's normal.
func TestSocketMonitorReasons(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		opts   []Option           // the monitored socket's
		end    func(c, s *Socket) // what ends the connection; c is monitored
		before []func(m any, c *Socket) bool
		why    error
	}{
		{"close", nil, func(c, _ *Socket) { c.Close() }, nil, nil},
		{"close_socket_backend", []Option{InetBackend(BackendSocket)}, func(c, _ *Socket) { c.Close() }, nil, ErrClosed},
		{"peer_close_active", nil, func(_, s *Socket) { s.Close() },
			[]func(any, *Socket) bool{isClosed}, nil},
		{"emsgsize", []Option{Packet(framing.One), PacketSize(2)}, func(_, s *Socket) { s.Send([]byte{5, 1, 2, 3, 4, 5}) },
			[]func(any, *Socket) bool{isErr(unix.EMSGSIZE), isClosed}, unix.EMSGSIZE},
		{"econnreset_show", []Option{ShowEconnreset(true)}, reset,
			[]func(any, *Socket) bool{isErr(unix.ECONNRESET), isClosed}, unix.ECONNRESET},
		{"econnreset", nil, reset, []func(any, *Socket) bool{isClosed}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProc(t)
			c, s := pair(t, p, Active(False))
			if err := c.SetOpts(append(tc.opts, Active(True))...); err != nil {
				t.Fatal(err)
			}
			ref, err := c.Monitor(p)
			if err != nil {
				t.Fatal(err)
			}
			tc.end(c, s)
			for i, want := range tc.before {
				if m := testkit.Expect(t, p, c.Match); !want(m, c) {
					t.Fatalf("message %d: got %#v", i+1, m)
				}
			}
			d := awaitDown(t, p, ref, c)
			if d != nil && d.Reason != tc.why {
				t.Fatalf("Down reason %v, want %v", d.Reason, tc.why)
			}
		})
	}
}

func isClosed(m any, s *Socket) bool {
	c, ok := m.(*TCPClosed)
	return ok && c.Socket == s
}

func isErr(why error) func(any, *Socket) bool {
	return func(m any, s *Socket) bool { return isError(m, s, why) }
}

// reset closes s with a reset.
func reset(_, s *Socket) {
	s.SetOpts(Linger(true, 0))
	s.Close()
}

// The owner of a monitored socket stops: its Down comes, normal.
func TestSocketMonitorOwnerExit(t *testing.T) {
	t.Parallel()
	owner, p := newProc(t), newProc(t)
	l, _ := listenLo(t, owner)
	ref, err := l.Monitor(p)
	if err != nil {
		t.Fatal(err)
	}
	owner.Close()
	if d := awaitDown(t, p, ref, l); d != nil && d.Reason != nil {
		t.Fatalf("Down reason %v, want normal", d.Reason)
	}
}

// The owner of a monitored listening socket, with an accept pending,
// stops: once its Down has come, the port is free, and a Listen on it
// succeeds, as a supervisor's restarted acceptor listens again (in OTP 25
// too: the port's fd is closed before its monitors are told). Fifty
// times, so that a close that ends after the Down shows.
func TestSocketMonitorOwnerExitFreesThePort(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	port := 0
	for i := range 50 {
		owner := newProc(t)
		l, err := Listen(owner, port, IP(loopback), Active(False))
		if err != nil {
			t.Fatalf("Listen on %d after the Down (round %d) = %v", port, i, err)
		}
		if port, err = l.Port(); err != nil {
			t.Fatal(err)
		}
		if _, err := l.AsyncAccept(owner, Infinity); err != nil {
			t.Fatal(err)
		}
		ref, err := l.Monitor(p)
		if err != nil {
			t.Fatal(err)
		}
		owner.Close()
		if d := awaitDown(t, p, ref, l); d == nil {
			return
		}
	}
}

// Monitoring a closed socket: the Down comes at once, noproc.
func TestSocketMonitorNoproc(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, _ := listenLo(t, p)
	l.Close()
	ref, err := l.Monitor(p)
	if err != nil {
		t.Fatal(err)
	}
	// Sent by Monitor itself: queued, alone, when Monitor returns.
	got := testkit.Flush(p)
	if len(got) != 1 {
		t.Fatalf("queued after Monitor: %#v, want the Down alone", got)
	}
	if d, isDown := got[0].(*Down); !isDown || d.Ref != ref || !errors.Is(d.Reason, ErrNoProc) {
		t.Fatalf("got %#v, want the Down of %v, noproc", got[0], ref)
	}
	if _, err := l.Monitor(nil); !errors.Is(err, ErrBadArg) {
		t.Fatalf("Monitor(nil) = %v, want badarg", err)
	}
}

// A port that has not exited sends no Down: a passive socket whose peer
// closed, until it goes active and tells its owner (then it exits); an
// active one with exit_on_close false, until Close.
func TestSocketMonitorNotExited(t *testing.T) {
	t.Parallel()
	t.Run("passive", func(t *testing.T) {
		p := newProc(t)
		c, s := pair(t, p, Active(False))
		ref, _ := c.Monitor(p)
		s.Close()
		if _, err := c.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
			t.Fatalf("Recv = %v, want closed", err)
		}
		testkit.None(t, p, nil) // the port has seen the peer go, and stays
		c.SetOpts(Active(Once))
		// It tells its owner, then exits: the tcp_closed, then the Down,
		// and nothing else.
		testkit.InOrder(t, p,
			func(m any) bool { return isClosed(m, c) },
			testkit.OfType(func(d *Down) bool { return d.Ref == ref && d.Socket == c }))
		testkit.None(t, p, nil)
	})
	t.Run("exit_on_close=false", func(t *testing.T) {
		p := newProc(t)
		c, s := pair(t, p, Active(False))
		c.SetOpts(ExitOnClose(false), Active(True))
		ref, _ := c.Monitor(p)
		s.Close()
		if m := testkit.Expect(t, p, c.Match); !isClosed(m, c) {
			t.Fatalf("got %#v, want tcp_closed", m)
		}
		testkit.None(t, p, nil) // a Down would have come with the tcp_closed
		c.Close()
		awaitDown(t, p, ref, c)
	})
	t.Run("send_timeout_close", func(t *testing.T) {
		p := newProc(t)
		c, _ := pair(t, p, Active(False))
		c.SetOpts(SendTimeout(50*time.Millisecond), SendTimeoutClose(true), Sndbuf(4096))
		ref, _ := c.Monitor(p)
		if err := sendUntilError(c); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Send = %v, want timeout", err)
		}
		testkit.None(t, p, nil) // closed, but the port has not exited
		c.Close()
		awaitDown(t, p, ref, c)
	})
}

// A send that times out with send_timeout_close, and the Downs of the
// port's monitors: OTP's monitor_send_timeout_close_* oracle lines. On
// the inet backend the port lives on, not connected: an active mode set
// then brings its tcp_closed and, with exit_on_close, its exit, normal
// (not enotconn); its owner's stop ends it, normal. On the socket backend
// it exits at the timeout: its monitors are told at once, closed, and one
// made later gets its Down at once, noproc (OTP's nosock), even if its
// owner then stops.
func TestSocketMonitorSendTimeoutClose(t *testing.T) {
	t.Parallel()
	// timedOut returns a socket owned by owner, whose Send has timed out
	// with send_timeout_close, monitored before that by p (ref).
	timedOut := func(t *testing.T, owner, p proc, backend Backend) (*Socket, *MonitorRef) {
		t.Helper()
		l, port := listenLo(t, owner, Active(False), Recbuf(4096))
		defer l.Close()
		c := connect(t, owner, "127.0.0.1", port, InetBackend(backend), Active(False),
			SendTimeout(50*time.Millisecond), SendTimeoutClose(true), Sndbuf(4096))
		s := accept(t, l, owner)
		t.Cleanup(func() { c.Close(); s.Close() })
		ref, err := c.Monitor(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := sendUntilError(c); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Send = %v, want timeout", err)
		}
		return c, ref
	}
	t.Run("inet_active", func(t *testing.T) {
		p := newProc(t)
		c, ref := timedOut(t, p, p, BackendInet)
		testkit.None(t, p, nil) // closed, but the port has not exited
		if err := c.SetOpts(Active(True)); err != nil {
			t.Fatal(err)
		}
		msgs := testkit.InOrder(t, p,
			func(m any) bool { return isClosed(m, c) },
			testkit.OfType(func(d *Down) bool { return d.Ref == ref && d.Socket == c }))
		if d := msgs[1].(*Down); d.Reason != nil {
			t.Fatalf("Down reason %v, want normal", d.Reason)
		}
		testkit.None(t, p, nil)
	})
	t.Run("inet_owner_exit", func(t *testing.T) {
		owner, p := newProc(t), newProc(t)
		c, ref := timedOut(t, owner, p, BackendInet)
		testkit.None(t, p, nil)
		owner.Close()
		if d := awaitDown(t, p, ref, c); d != nil && d.Reason != nil {
			t.Fatalf("Down reason %v, want normal", d.Reason)
		}
	})
	t.Run("socket", func(t *testing.T) {
		owner, p := newProc(t), newProc(t)
		c, ref := timedOut(t, owner, p, BackendSocket)
		if d := awaitDown(t, p, ref, c); d != nil && !errors.Is(d.Reason, ErrClosed) {
			t.Fatalf("Down reason %v, want closed", d.Reason)
		}
		late, err := c.Monitor(p)
		if err != nil {
			t.Fatal(err)
		}
		got := testkit.Flush(p) // sent by Monitor itself
		if len(got) != 1 {
			t.Fatalf("queued after Monitor: %#v, want its Down alone", got)
		}
		if d, isDown := got[0].(*Down); !isDown || d.Ref != late || !errors.Is(d.Reason, ErrNoProc) {
			t.Fatalf("got %#v, want the Down of %v, noproc", got[0], late)
		}
		owner.Close()
		c.Close()
		testkit.None(t, p, nil) // exited once
	})
}

// cancel_monitor reports whether the monitor was active: true once, then
// false; a Down already sent stays in the mailbox. Two monitors by one
// process are two references, each with its Down. An idle socket keeps
// nothing of a cancelled monitor.
func TestSocketMonitorCancel(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, _ := pair(t, p, Active(False))
	ref, _ := c.Monitor(p)
	if !CancelMonitor(ref) || CancelMonitor(ref) {
		t.Fatal("cancel_monitor twice, want true then false")
	}
	c.mu.Lock()
	ext := c.ext
	c.mu.Unlock()
	if ext != nil {
		t.Fatalf("a socket nobody monitors keeps %+v", ext)
	}
	a, _ := c.Monitor(p)
	b, _ := c.Monitor(p)
	if a == b {
		t.Fatal("two monitors share a reference")
	}
	c.Close()
	if CancelMonitor(a) {
		t.Fatal("cancel_monitor after the Down = true, want false")
	}
	awaitDown(t, p, a, c)
	awaitDown(t, p, b, c)
	if CancelMonitor(nil) {
		t.Fatal("cancel_monitor(nil) = true")
	}
}

// monitorCount returns how many monitors s keeps.
func monitorCount(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ext == nil {
		return 0
	}
	return len(s.ext.monitors)
}

// A monitor is dropped when its process stops, as in Erlang, whatever the
// process: a Process, an owner-mailbox actor, an actor with protoactor's
// default mailbox (watched through a registered watcher). The port takes
// its monitor of the process back when the monitor is cancelled and when
// the port exits: no watcher is left behind. (A system of its own, as in
// TestLinksLeaveTheRegistry.)
func TestSocketMonitorDroppedWithProcess(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"process", "owner mailbox", "default mailbox"} {
		t.Run(kind, func(t *testing.T) {
			sys := otpactor.NewSystem()
			owner := procIn(t, sys)
			var (
				c    Caller
				stop func()
			)
			switch kind {
			case "process":
				p := procIn(t, sys)
				c, stop = p, p.Close
			default:
				var opts []actor.PropsOption
				if kind == "owner mailbox" {
					opts = append(opts, otpactor.WithOwnerMailbox())
				}
				pid := sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, opts...))
				c, stop = pidCaller{pid: pid, sys: sys}, func() { sys.Root.Stop(pid) }
			}
			wantWatchers := func(when string, want int) {
				t.Helper()
				if kind != "default mailbox" {
					want = 0
				}
				if n := watchers(sys); n != want {
					t.Fatalf("%s: %d watchers registered, want %d", when, n, want)
				}
			}
			l, _ := listenLo(t, owner)
			defer l.Close()

			ref, err := l.Monitor(c)
			if err != nil {
				t.Fatal(err)
			}
			wantWatchers("monitoring", 1)
			if !CancelMonitor(ref) || monitorCount(l) != 0 {
				t.Fatalf("cancel_monitor: %d monitors left", monitorCount(l))
			}
			wantWatchers("cancelled", 0)

			other, _ := listenLo(t, owner)
			if _, err := other.Monitor(c); err != nil {
				t.Fatal(err)
			}
			wantWatchers("monitoring another", 1)
			other.Close()
			wantWatchers("the other exited", 0)

			// Told after the monitor, as monitors are told latest first.
			stopped := make(chan struct{})
			if _, err := otpactor.OnExit(sys, c.Self(), func() { close(stopped) }); err != nil {
				t.Fatal(err)
			}
			ref, _ = l.Monitor(c)
			stop()
			testkit.Recv(t, stopped, "the monitoring process's end")
			if n := monitorCount(l); n != 0 {
				t.Fatalf("the monitoring process stopped: %d monitors left", n)
			}
			if CancelMonitor(ref) {
				t.Fatal("cancel_monitor of a dropped monitor = true")
			}
			wantWatchers("the process stopped", 0)
		})
	}
}
