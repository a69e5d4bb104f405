package ranch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
)

var errBoom = errors.New("boom")

// Ranch's tcp_echo, and the life of one connection as the events and Info
// tell it.
func TestListenerEcho(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 2})
	start := p.ev.wait(t, "listener_start")
	if start.addr != p.l.Addr() || p.l.Port() == 0 || start.addr.Addr() != loopback {
		t.Fatalf("listener_start at %v, Addr %v", start.addr, p.l.Addr())
	}

	c := p.dial(t)
	testkit.Echo(t, c, "TCP Ranch is working!")
	acc := p.ev.wait(t, "accept")
	cs := p.ev.wait(t, "conn_start")
	if acc.addr.String() != c.LocalAddr().String() || cs.addr != acc.addr || acc.acceptor < 1 || acc.acceptor > 2 {
		t.Fatalf("accept %+v, conn_start %+v, client %v", acc, cs, c.LocalAddr())
	}
	if conns := p.l.Connections(); len(conns) != 1 || !conns[0].Equal(cs.pid) {
		t.Fatalf("Connections %v, want [%v]", conns, cs.pid)
	}
	if n := len(p.l.Acceptors()); n != 2 {
		t.Fatalf("%d acceptors, want 2", n)
	}
	info := p.l.Info()
	want := ListenerInfo{Status: ListenerRunning, Addr: p.l.Addr(), Listening: true, MaxConnections: 1024,
		ActiveConnections: 1, AllConnections: 1, Accepts: 1, NumAcceptors: 2, NumConnsSups: 2, NumListenSockets: 1, ListenSockets: 1}
	if info != want {
		t.Fatalf("Info\n got %+v\nwant %+v", info, want)
	}

	// The client leaves: its handler ends and is no longer counted.
	c.Close()
	stop := p.ev.wait(t, "conn_stop")
	if !stop.pid.Equal(cs.pid) || stop.duration <= 0 {
		t.Fatalf("conn_stop %+v, want %v", stop, cs.pid)
	}
	if info := p.l.Info(); info.ActiveConnections != 0 || info.AllConnections != 0 {
		t.Fatalf("after the client left: %+v", info)
	}

	// Stop closes the connections and the listening socket.
	c2 := p.dial(t)
	testkit.Echo(t, c2, "again")
	if err := testkit.Bounded(t, "Stop", p.l.Stop); err != nil {
		t.Fatal(err)
	}
	testkit.PeerClosed(t, c2)
	if got := p.ev.wait(t, "listener_stop"); got.addr != p.l.Addr() {
		t.Fatalf("listener_stop at %v", got.addr)
	}
	if s := p.l.Status(); s != ListenerStopped {
		t.Fatalf("status %v after Stop", s)
	}
	if _, err := net.Dial("tcp", p.addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after Stop: %v, want connection refused", err)
	}
	if err := p.l.Stop(); !errors.Is(err, supervisor.ErrNoProc) {
		t.Fatalf("second Stop: %v, want noproc", err)
	}
}

// Bad options are refused before anything starts, naming the field.
func TestListenerBadOptions(t *testing.T) {
	leaktest.Check(t)
	sys := testSystem(slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		name  string
		proto Protocol
		opts  ListenerOptions
		field string
	}{
		{"nil protocol", nil, ListenerOptions{}, "protocol"},
		{"nil ProtocolFunc", ProtocolFunc(nil), ListenerOptions{}, "protocol"},
		{"nil ActorProtocol", ActorProtocol(nil), ListenerOptions{}, "protocol"},
		{"negative acceptors", echoProto, ListenerOptions{NumAcceptors: -1}, "ListenerOptions.NumAcceptors"},
		{"negative max", echoProto, ListenerOptions{MaxConnections: -5}, "ListenerOptions.MaxConnections"},
		{"negative conns sups", echoProto, ListenerOptions{NumConnsSups: -1}, "ListenerOptions.NumConnsSups"},
		{"negative handshake", echoProto, ListenerOptions{HandshakeTimeout: -time.Second}, "ListenerOptions.HandshakeTimeout"},
		{"negative shutdown", echoProto, ListenerOptions{Shutdown: supervisor.Timeout(-1)}, "ListenerOptions.Shutdown"},
		{"no port", echoProto, ListenerOptions{Addr: "127.0.0.1"}, "ListenerOptions.Addr"},
		{"port too big", echoProto, ListenerOptions{Addr: "127.0.0.1:65536"}, "ListenerOptions.Addr"},
		{"port not a number", echoProto, ListenerOptions{Addr: "127.0.0.1:http"}, "ListenerOptions.Addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := StartListener(sys.Root, tc.proto, tc.opts)
			var ie *supervisor.InvalidError
			if !errors.As(err, &ie) || ie.Field != tc.field || l != nil {
				t.Fatalf("StartListener: %v, want an *InvalidError on %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
	if _, err := StartListener(nil, echoProto, ListenerOptions{}); err == nil {
		t.Fatal("StartListener with a nil parent succeeded")
	}

	// A port in use, a bad socket option: the listen error, as it is.
	p := startPool(t, echoProto, ListenerOptions{NumAcceptors: 1})
	_, err := StartListener(sys.Root, echoProto, ListenerOptions{Addr: p.addr()})
	var se *supervisor.Error
	if !errors.Is(err, unix.EADDRINUSE) || !errors.As(err, &se) || se.Op != "start_listener" {
		t.Fatalf("second listener on %s: %v, want start_listener: eaddrinuse", p.addr(), err)
	}
	_, err = StartListener(sys.Root, echoProto, ListenerOptions{Addr: "127.0.0.1:0",
		SocketOptions: []socket.Option{socket.Backlog(-1)}})
	if !errors.Is(err, unix.EINVAL) {
		t.Fatalf("bad socket option: %v, want einval", err)
	}
	var l *Listener
	if err := l.SetMaxConnections(-1); err == nil || !strings.Contains(err.Error(), "MaxConnections") {
		t.Fatalf("SetMaxConnections(-1): %v", err)
	}
}

// Ranch's tcp_max_connections: at the limit the acceptor stops accepting,
// the next client waits in the backlog, and a freed slot lets it in.
func TestListenerMaxConnections(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, MaxConnections: 10})
	clients := make([]net.Conn, 11)
	for i := range clients {
		clients[i] = p.dial(t)
	}
	p.ev.waitN(t, "conn_start", 10)
	// The acceptor sleeps before accepting the 11th: no accept can follow.
	testkit.Until(t, "the acceptor waits for a slot", func() bool { return p.l.gate.waiting() == 1 })
	if info := p.l.Info(); info.Accepts != 10 || info.ActiveConnections != 10 {
		t.Fatalf("at the limit: %+v", info)
	}
	p.ev.none(t, "conn_start")

	// One of the ten leaves, and the eleventh gets its slot.
	served := p.servedAmong(t, 10, clients)
	served[0].Close()
	p.ev.wait(t, "conn_stop")
	last := p.servedAmong(t, 1, clients)[0]
	p.ev.wait(t, "conn_start")
	testkit.Echo(t, last, "the eleventh")
	for i, c := range served[1:] {
		testkit.Echo(t, c, fmt.Sprint("client ", i))
	}
	if info := p.l.Info(); info.Accepts != 11 || info.ActiveConnections != 10 {
		t.Fatalf("after a slot freed: %+v", info)
	}
}

// Ranch's tcp_max_connections_and_beyond: removed connections leave the
// count and let more in, and stay supervised.
func TestListenerMaxConnectionsAndBeyond(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, MaxConnections: 10})
	for range 10 {
		c := p.dial(t)
		p.ev.wait(t, "conn_start")
		c.Write([]byte("remove"))
		if err := readExact(c, "removed"); err != nil {
			t.Fatal(err)
		}
	}
	if info := p.l.Info(); info.ActiveConnections != 0 || info.AllConnections != 10 {
		t.Fatalf("after removing 10: %+v", info)
	}
	var more []net.Conn
	for range 10 {
		more = append(more, p.dial(t))
	}
	p.ev.waitN(t, "conn_start", 10)
	testkit.Until(t, "the acceptor waits for a slot", func() bool { return p.l.gate.waiting() == 1 })
	if info := p.l.Info(); info.ActiveConnections != 10 || info.AllConnections != 20 || len(p.l.Connections()) != 20 {
		t.Fatalf("after 10 more: %+v", info)
	}
	n := p.countHandlers(t)
	if n.Active != 20 || n.Workers != 20 {
		t.Fatalf("connection supervisors count %+v, want 20 active workers", n)
	}
	for _, c := range more {
		testkit.Echo(t, c, "still here")
	}
}

// countHandlers adds up the connection supervisors' CountChildren.
func (p *pool) countHandlers(t *testing.T) supervisor.Counts {
	t.Helper()
	var sum supervisor.Counts
	for i := range p.l.connsSups {
		n, err := p.l.connsSups[i].Load().CountChildren()
		if err != nil {
			t.Fatal(err)
		}
		sum.Active += n.Active
		sum.Workers += n.Workers
		sum.Specs += n.Specs
	}
	return sum
}

// readExact reads len(want) bytes from c and compares them with want.
func readExact(c net.Conn, want string) error {
	c.SetReadDeadline(time.Now().Add(testkit.WaitBound))
	defer c.SetReadDeadline(time.Time{})
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		return fmt.Errorf("read %q (%v), want %q", got, err, want)
	}
	return nil
}

// Ranch's tcp_max_connections_infinity and tcp_set_max_connections.
func TestListenerSetMaxConnections(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, MaxConnections: 10})
	var clients []net.Conn
	for range 20 {
		clients = append(clients, p.dial(t))
	}
	p.ev.waitN(t, "conn_start", 10)
	testkit.Until(t, "the acceptor waits for a slot", func() bool { return p.l.gate.waiting() == 1 })
	p.ev.none(t, "conn_start")

	if err := p.l.SetMaxConnections(15); err != nil {
		t.Fatal(err)
	}
	p.ev.waitN(t, "conn_start", 5)
	testkit.Until(t, "the acceptor waits at 15", func() bool { return p.l.gate.waiting() == 1 })
	if info := p.l.Info(); info.MaxConnections != 15 || info.ActiveConnections != 15 {
		t.Fatalf("at 15: %+v", info)
	}
	p.ev.none(t, "conn_start")

	if err := p.l.SetMaxConnections(Unlimited); err != nil {
		t.Fatal(err)
	}
	p.ev.waitN(t, "conn_start", 5)
	for i, c := range clients {
		testkit.Echo(t, c, fmt.Sprint("client ", i))
	}
	// Lowering the limit closes nothing.
	if err := p.l.SetMaxConnections(10); err != nil {
		t.Fatal(err)
	}
	if info := p.l.Info(); info.MaxConnections != 10 || info.ActiveConnections != 20 {
		t.Fatalf("lowered to 10: %+v", info)
	}
	for _, c := range clients {
		testkit.Echo(t, c, "still served")
	}
}

// Ranch's tcp_set_max_connections_clean: changing the limit at random, from
// many goroutines at once, restarts nothing and leaves the count right.
func TestListenerSetMaxConnectionsClean(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 4, MaxConnections: 4})
	before := p.l.Acceptors()
	var clients []net.Conn
	for range 40 {
		clients = append(clients, p.dial(t))
	}
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Go(func() { p.l.SetMaxConnections([]int{6, 4, 8, Unlimited}[i%4]) })
	}
	wg.Wait()
	if err := p.l.SetMaxConnections(Unlimited); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		testkit.Echo(t, c, fmt.Sprint("client ", i))
	}
	after := p.l.Acceptors()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("acceptors changed: %v -> %v", before, after)
	}
	if n := p.log.Count("supervisor report"); n != 0 {
		t.Fatalf("%d supervisor reports", n)
	}
	if info := p.l.Info(); info.ActiveConnections != 40 || info.Accepts != 40 {
		t.Fatalf("%+v", info)
	}
}

// Ranch's tcp_remove_connections and tcp_remove_connections_acceptor_wakeup:
// a connection is removed once however often it asks, and its slot wakes
// the waiting acceptor; a handler may remove itself as soon as it runs.
func TestListenerRemoveConnection(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, MaxConnections: 1})
	clients := []net.Conn{p.dial(t), p.dial(t), p.dial(t)}
	p.ev.wait(t, "conn_start")
	first := p.servedAmong(t, 1, clients)[0]
	testkit.Until(t, "the acceptor waits for a slot", func() bool { return p.l.gate.waiting() == 1 })
	first.Write([]byte("remove"))
	if err := readExact(first, "removed"); err != nil {
		t.Fatal(err)
	}
	second := p.servedAmong(t, 1, clients)[0] // the slot went to the next client
	p.ev.wait(t, "conn_start")
	testkit.Until(t, "the acceptor waits again", func() bool { return p.l.gate.waiting() == 1 })
	if info := p.l.Info(); info.ActiveConnections != 1 || info.AllConnections != 2 || info.Accepts != 2 {
		t.Fatalf("after one removal: %+v", info)
	}
	testkit.Echo(t, first, "removed, still served")
	testkit.Echo(t, second, "counted")

	// Removing a PID that is not a handler, or nil, changes nothing.
	p.l.RemoveConnection(nil)
	p.l.RemoveConnection(p.sys.NewLocalPID("nobody"))
	if info := p.l.Info(); info.ActiveConnections != 1 {
		t.Fatalf("after removing strangers: %+v", info)
	}

	// A handler that removes itself before its hand-off counts once, never.
	early := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		return ctx.Spawn(actor.PropsFromFunc(func(c actor.Context) {
			switch m := c.Message().(type) {
			case *actor.Started:
				l.RemoveConnection(c.Self())
			case *socket.TCP:
				s.Send(m.Data)
			}
		}, otpactor.WithOwnerMailbox())), nil
	})
	q := startPool(t, early, ListenerOptions{SocketOptions: []socket.Option{socket.Active(socket.True)}, NumAcceptors: 2, MaxConnections: 2})
	for i := range 6 {
		testkit.Echo(t, q.dial(t), fmt.Sprint("early ", i))
	}
	testkit.Until(t, "the handlers that removed themselves at start counted out", func() bool {
		return q.l.Info().ActiveConnections == 0
	})
	if info := q.l.Info(); info.AllConnections != 6 {
		t.Fatalf("handlers removed at start: %+v", info)
	}
}

// Ranch's tcp_graceful: suspending closes the listening socket and keeps
// the connections; resuming listens again on the same port.
func TestListenerSuspendResume(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 3})
	c1 := p.dial(t)
	testkit.Echo(t, c1, "TCP with fresh listener")
	port := p.l.Port()

	if err := testkit.Bounded(t, "Suspend", p.l.Suspend); err != nil {
		t.Fatal(err)
	}
	p.ev.wait(t, "listener_stop")
	if s, info := p.l.Status(), p.l.Info(); s != ListenerSuspended || info.Listening || len(p.l.Acceptors()) != 0 {
		t.Fatalf("suspended: status %v, %+v, acceptors %v", s, info, p.l.Acceptors())
	}
	testkit.Echo(t, c1, "TCP with suspended listener")
	if _, err := net.Dial("tcp", p.addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial a suspended listener: %v, want connection refused", err)
	}
	if err := p.l.Suspend(); err != nil {
		t.Fatalf("second Suspend: %v", err)
	}

	if err := testkit.Bounded(t, "Resume", p.l.Resume); err != nil {
		t.Fatal(err)
	}
	if got := p.ev.wait(t, "listener_start"); got.addr.Port() != uint16(port) {
		t.Fatalf("resumed on %v, want port %d", got.addr, port)
	}
	if s := p.l.Status(); s != ListenerRunning || p.l.Port() != port || len(p.l.Acceptors()) != 3 {
		t.Fatalf("resumed: %v on %d with %d acceptors", s, p.l.Port(), len(p.l.Acceptors()))
	}
	c2 := p.dial(t)
	testkit.Echo(t, c2, "TCP with resumed listener")
	testkit.Echo(t, c1, "and the first one")
	if err := p.l.Resume(); err != nil {
		t.Fatalf("second Resume: %v", err)
	}

	// A port taken while suspended: Resume fails, the listener stays
	// suspended, and resumes once the port is free.
	if err := p.l.Suspend(); err != nil {
		t.Fatal(err)
	}
	thief, err := net.Listen("tcp", p.addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.l.Resume(); !errors.Is(err, unix.EADDRINUSE) || p.l.Status() != ListenerSuspended {
		t.Fatalf("Resume on a taken port: %v, status %v", err, p.l.Status())
	}
	thief.Close()
	if err := p.l.Resume(); err != nil {
		t.Fatal(err)
	}
	testkit.Echo(t, p.dial(t), "back")

	if err := p.l.Stop(); err != nil {
		t.Fatal(err)
	}
	testkit.PeerClosed(t, c1)
	testkit.PeerClosed(t, c2)
	if err := p.l.Suspend(); !errors.Is(err, supervisor.ErrNoProc) {
		t.Fatalf("Suspend after Stop: %v", err)
	}
}

// Drain suspends, waits for the connections to end, and stops; if they
// outlast the timeout it stops anyway and says so.
func TestListenerDrain(t *testing.T) {
	t.Run("drained", func(t *testing.T) {
		p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts})
		c1, c2 := p.dial(t), p.dial(t)
		testkit.Echo(t, c1, "one")
		testkit.Echo(t, c2, "two")
		done := make(chan error, 1)
		go func() { done <- p.l.Drain(time.Minute) }()
		p.ev.wait(t, "listener_stop")
		if _, err := net.Dial("tcp", p.addr()); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial while draining: %v", err)
		}
		testkit.Echo(t, c1, "served while draining")
		c1.Close()
		c2.Close()
		if err := testkit.Result(t, "Drain", done); err != nil {
			t.Fatalf("Drain: %v", err)
		}
		p.ev.waitN(t, "conn_stop", 2)
		if s := p.l.Status(); s != ListenerStopped {
			t.Fatalf("status %v after Drain", s)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, Shutdown: supervisor.BrutalKill})
		c := p.dial(t)
		testkit.Echo(t, c, "stay")
		began := time.Now()
		err := testkit.Bounded(t, "Drain", func() error { return p.l.Drain(200 * time.Millisecond) })
		if !errors.Is(err, ErrDrainTimeout) || !strings.Contains(err.Error(), "1 connection left") {
			t.Fatalf("Drain: %v, want drain_timeout with 1 left", err)
		}
		// The listener is named by the address in use, not the ":0" asked for.
		if !strings.Contains(err.Error(), `"`+p.addr()+`"`) {
			t.Fatalf("Drain: %v, want the listener named %q", err, p.addr())
		}
		if err := p.l.Suspend(); !errors.Is(err, supervisor.ErrNoProc) || !strings.Contains(err.Error(), p.addr()) {
			t.Fatalf("Suspend after Drain: %v, want noproc naming %q", err, p.addr())
		}
		if d := time.Since(began); d < 200*time.Millisecond {
			t.Fatalf("Drain returned after %v, before its timeout", d)
		}
		testkit.PeerClosed(t, c)
		if s := p.l.Status(); s != ListenerStopped {
			t.Fatalf("status %v", s)
		}
	})
}

// Ranch's supervisor_protocol_start_link_crash: a protocol that fails to
// start a handler (error, panic, Ignore) costs that connection only.
func TestListenerProtocolStartFailure(t *testing.T) {
	var mu sync.Mutex
	fail := []string{"error", "panic", "ignore"}
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		mu.Lock()
		var how string
		if len(fail) > 0 {
			how, fail = fail[0], fail[1:]
		}
		mu.Unlock()
		switch how {
		case "error":
			return nil, errBoom
		case "panic":
			panic("start crashed")
		case "ignore":
			return nil, supervisor.Ignore
		}
		return echoProto.Start(ctx, l, s)
	})
	p := startPool(t, proto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1})
	for _, want := range []string{"boom", "start crashed", "ignore"} {
		c := p.dial(t)
		e := p.ev.wait(t, "accept_error")
		var se *supervisor.Error
		if !errors.As(e.err, &se) || se.Op != "start_protocol" || !strings.Contains(se.Err.Error(), want) {
			t.Fatalf("accept_error %v, want start_protocol: %s", e.err, want)
		}
		testkit.PeerClosed(t, c)
	}
	testkit.Echo(t, p.dial(t), "the next one is served")
	if info := p.l.Info(); info.StartErrors != 3 || info.Accepts != 4 || info.ActiveConnections != 1 {
		t.Fatalf("%+v", info)
	}
	if n := p.log.Count("connection process start failure"); n != 3 {
		t.Fatalf("%d start failures logged, want 3", n)
	}
}

// A handler may set its socket's active mode before it owns the socket
// (Protocol): what the port sends meanwhile waits for the hand-off, which
// moves it to the handler. Here Start itself sets {active, once} and
// waits until the port has sent the client's first packet, to whoever
// owns the socket then, before it spawns the echo handler: every first
// packet must come back.
func TestListenerActiveBeforeHandOff(t *testing.T) {
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		if err := s.SetOpts(socket.Active(socket.Once)); err != nil {
			return nil, err
		}
		sent := testkit.Eventually(func() bool {
			st, err := s.GetStat()
			return err == nil && st.RecvOct > 0 // read, and so sent: the socket is active
		})
		if !sent {
			return nil, errors.New("no first packet")
		}
		return echoProto.Start(ctx, l, s)
	})
	p := startPool(t, proto, ListenerOptions{NumAcceptors: 2})
	for i := range 20 {
		testkit.Echo(t, p.dial(t), fmt.Sprint("first packet ", i))
	}
	if info := p.l.Info(); info.StartErrors != 0 || info.Accepts != 20 {
		t.Fatalf("%+v", info)
	}
}

// A connection supervisor that does not take a connection within the
// handshake timeout costs that connection only, and holds no acceptor.
func TestListenerHandshakeTimeout(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	var once sync.Once
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		once.Do(func() {
			entered <- struct{}{}
			<-release // the first Start hangs until the test lets it go
		})
		return echoProto.Start(ctx, l, s)
	})
	p := startPool(t, proto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, NumConnsSups: 1,
		HandshakeTimeout: 100 * time.Millisecond})
	slow := p.dial(t)
	<-entered
	// The acceptor gives up waiting for the busy supervisor and accepts
	// again; the next connection waits behind the hung Start, and is
	// dropped when its time is up.
	dropped := p.dial(t)
	e := p.ev.wait(t, "accept_error")
	if !errors.Is(e.err, ErrHandshakeTimeout) {
		t.Fatalf("accept_error %v, want handshake_timeout", e.err)
	}
	testkit.PeerClosed(t, dropped)
	close(release)
	testkit.Echo(t, slow, "late but served")
	testkit.Echo(t, p.dial(t), "and the next")
	if info := p.l.Info(); info.StartErrors != 1 || info.ActiveConnections != 2 {
		t.Fatalf("%+v", info)
	}
}

// A late hand-off (the acceptor gave up at the handshake timeout) whose
// socket closes before its handler can own it is a start failure as any
// other: reported (AcceptError, logged) and counted.
func TestListenerLateHandoffClosed(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	var once sync.Once
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		first := false
		once.Do(func() {
			first = true
			entered <- struct{}{}
			<-release // the first Start hangs until the test lets it go
		})
		if first {
			s.Close() // then its socket closes: ControllingProcess fails
		}
		return echoProto.Start(ctx, l, s)
	})
	p := startPool(t, proto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, NumConnsSups: 1,
		HandshakeTimeout: 50 * time.Millisecond})
	late := p.dial(t)
	<-entered
	p.ev.wait(t, "accept")
	next := p.dial(t)
	p.ev.wait(t, "accept") // the acceptor gave up on the first: it is late
	close(release)
	for {
		e := p.ev.wait(t, "accept_error")
		if errors.Is(e.err, ErrHandshakeTimeout) {
			continue // the next one's, if it timed out behind the hung Start
		}
		var se *supervisor.Error
		if !errors.As(e.err, &se) || se.Op != "start_protocol" || !errors.Is(se.Err, socket.ErrClosed) {
			t.Fatalf("accept_error %v, want start_protocol: closed", e.err)
		}
		break
	}
	testkit.PeerClosed(t, late)
	if info := p.l.Info(); info.StartErrors < 1 {
		t.Fatalf("%+v", info)
	}
	if n := p.log.Count("connection process start failure"); n < 1 {
		t.Fatalf("%d start failures logged", n)
	}
	p.ev.none(t, "conn_stop")
	next.Close()
}

// An acceptor is an actor that gets its connection as a message: a pool
// of idle acceptors holds no goroutine, where an accept loop each would
// hold one goroutine per acceptor.
func TestListenerIdleAcceptors(t *testing.T) {
	const n = 100
	before := leaktest.Take().Goroutines
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: n})
	p.settledAcceptors(t, n)
	testkit.Echo(t, p.dial(t), "served")
	testkit.Until(t, "fewer goroutines than acceptors", func() bool { return leaktest.Take().Goroutines-before < n/2 })
	testkit.Echo(t, p.dial(t), "and served again")
}

// A handler that crashes ends its own connection, and no other.
func TestListenerHandlerCrash(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 2})
	c1, c2 := p.dial(t), p.dial(t)
	testkit.Echo(t, c1, "one")
	testkit.Echo(t, c2, "two")
	c1.Write([]byte("crash"))
	testkit.PeerClosed(t, c1)
	p.ev.wait(t, "conn_stop")
	testkit.Echo(t, c2, "two is fine")
	testkit.Echo(t, p.dial(t), "three")
	if info := p.l.Info(); info.ActiveConnections != 2 {
		t.Fatalf("%+v", info)
	}
	if p.log.Count("errorContext=child_terminated") != 1 {
		t.Fatalf("logs: %v", p.log.Lines())
	}
}

// Ranch's supervisor_N_acceptors_M_conns_sups: acceptors hand their
// connections to their own connection supervisors, whatever the numbers.
func TestListenerConnsSups(t *testing.T) {
	for _, tc := range []struct{ acceptors, sups int }{{10, 1}, {9, 4}, {10, 10}, {1, 10}} {
		t.Run(fmt.Sprintf("%d_acceptors_%d_conns_sups", tc.acceptors, tc.sups), func(t *testing.T) {
			p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts,
				NumAcceptors: tc.acceptors, NumConnsSups: tc.sups})
			var cs []net.Conn
			for range 100 {
				cs = append(cs, p.dial(t))
			}
			p.ev.waitN(t, "conn_start", 100)
			used := 0
			for i := range p.l.connsSups {
				n, err := p.l.connsSups[i].Load().CountChildren()
				if err != nil {
					t.Fatal(err)
				}
				if n.Active > 0 {
					used++
				}
			}
			if n := p.countHandlers(t); n.Active != 100 || used > min(tc.acceptors, tc.sups) {
				t.Fatalf("%d handlers under %d of %d supervisors", n.Active, used, tc.sups)
			}
			for i, c := range cs {
				testkit.Echo(t, c, fmt.Sprint(i))
			}
			if info := p.l.Info(); info.ActiveConnections != 100 || info.NumConnsSups != tc.sups {
				t.Fatalf("%+v", info)
			}
		})
	}
}

// The hook's events, in their order, for one listener's life.
func TestListenerEvents(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1})
	r := p.ev
	first := r.wait(t, "listener_start")
	c := p.dial(t)
	testkit.Echo(t, c, "x")
	acc := r.wait(t, "accept")
	start := r.wait(t, "conn_start")
	if acc.acceptor != 1 || acc.addr.String() != c.LocalAddr().String() || start.addr != acc.addr {
		t.Fatalf("accept %+v conn_start %+v", acc, start)
	}
	r.none(t, "conn_stop")
	c.Write([]byte("quit"))
	stop := r.wait(t, "conn_stop")
	if !stop.pid.Equal(start.pid) || stop.addr != start.addr {
		t.Fatalf("conn_stop %+v, conn_start %+v", stop, start)
	}
	p.l.Suspend()
	if e := r.wait(t, "listener_stop"); e.addr != first.addr {
		t.Fatalf("listener_stop %v, start %v", e.addr, first.addr)
	}
	p.l.Resume()
	r.wait(t, "listener_start")
	p.l.Stop()
	r.wait(t, "listener_stop")
	for _, k := range []string{"listener_start", "listener_stop", "accept", "accept_error", "conn_start", "conn_stop"} {
		r.none(t, k)
	}
}

// panicky is an Events whose connection hooks panic.
type panicky struct{ NopEvents }

func (panicky) ConnectionStart(ConnectionEvent) { panic("hook crashed") }
func (panicky) ConnectionStop(ConnectionEvent)  { panic("hook crashed") }

// A hook that panics is logged; the connection supervisor that called it,
// and its connections, go on.
func TestListenerEventHookPanic(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1, NumConnsSups: 1,
		Events: panicky{}})
	sup := p.l.connsSups[0].Load().PID()
	c1 := p.dial(t)
	testkit.Echo(t, c1, "one")
	c2 := p.dial(t)
	testkit.Echo(t, c2, "two")
	c2.Close()
	testkit.Until(t, "the second handler's end handled", func() bool { return p.l.Info().AllConnections == 1 })
	testkit.Echo(t, c1, "one is fine")
	if !p.l.connsSups[0].Load().PID().Equal(sup) {
		t.Fatal("the connection supervisor restarted")
	}
	if n := p.log.Count("listener event hook panicked"); n != 3 {
		t.Fatalf("%d hook panics logged, want 3: %v", n, p.log.Lines())
	}
}

// A listener under a supervisor of the user's, started from its
// StartFunc: it stops with its parent, connections and listening socket.
func TestListenerEmbedded(t *testing.T) {
	leaktest.Check(t)
	sys := testSystem(slog.New(slog.DiscardHandler))
	var l *Listener
	spec := supervisor.ChildSpec{ID: "echo", Type: supervisor.Supervisor, Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
		var err error
		l, err = StartListener(ctx, echoProto, ListenerOptions{Addr: "127.0.0.1:0", SocketOptions: echoOpts, NumAcceptors: 1})
		if err != nil {
			return nil, err
		}
		return l.Ref().PID(), nil
	}}
	top, err := supervisor.Start(sys.Root, supervisor.Flags{}, []supervisor.ChildSpec{spec})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testkit.Echo(t, c, "embedded")
	if err := testkit.Bounded(t, "Stop", top.Stop); err != nil {
		t.Fatal(err)
	}
	testkit.PeerClosed(t, c)
	if s := l.Status(); s != ListenerStopped {
		t.Fatalf("status %v", s)
	}
	if _, err := net.Dial("tcp", l.Addr().String()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial: %v", err)
	}
}

// Connections get ranch_tcp's defaults (nodelay, a 30 s send_timeout that
// closes), and the listener's own options win over them.
func TestListenerRanchDefaults(t *testing.T) {
	for _, tc := range []struct {
		opts []socket.Option
		want string
	}{
		{echoOpts, "[{nodelay,true} {send_timeout,30000} {send_timeout_close,true}] <nil>"},
		{append([]socket.Option{socket.Nodelay(false), socket.SendTimeout(socket.Infinity)}, echoOpts...),
			"[{nodelay,false} {send_timeout,infinity} {send_timeout_close,true}] <nil>"},
	} {
		p := startPool(t, echoProto, ListenerOptions{SocketOptions: tc.opts, NumAcceptors: 1})
		c := p.dial(t)
		c.SetDeadline(time.Now().Add(testkit.WaitBound))
		if _, err := c.Write([]byte("opts")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 200)
		n, err := c.Read(got)
		if err != nil || string(got[:n]) != tc.want {
			t.Errorf("options %v: connection has %q, %v; want %q", tc.opts, got[:n], err, tc.want)
		}
		c.Close()
		p.ev.wait(t, "conn_stop")
	}
}
