package ranch

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// children returns the PIDs of the listener supervisor's children by ID.
func (p *pool) children(t *testing.T) map[string]*actor.PID {
	t.Helper()
	cs, err := p.l.Ref().WhichChildren()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*actor.PID, len(cs))
	for _, c := range cs {
		out[c.ID] = c.PID
	}
	return out
}

// connsSupPIDs returns the PIDs of the connection supervisors.
func (p *pool) connsSupPIDs() []string {
	out := make([]string, len(p.l.connsSups))
	for i := range p.l.connsSups {
		out[i] = p.l.connsSups[i].Load().PID().Id
	}
	return out
}

// settledAcceptors waits until n acceptors run and the socket listens, and
// returns them.
func (p *pool) settledAcceptors(t *testing.T, n int) []*actor.PID {
	t.Helper()
	var as []*actor.PID
	testkit.Until(t, fmt.Sprintf("%d acceptors listening", n), func() bool {
		as = p.l.Acceptors()
		return len(as) == n && p.l.Info().Listening
	})
	return as
}

// Ranch's supervisor_clean_restart: when the connection supervisors' parent
// dies, the listener's supervisor restarts it and, rest for one, the
// acceptors; nothing else restarts, and the listener serves again on its
// port. The connections die with their supervisors.
func TestListenerCleanRestart(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 4})
	p.ev.wait(t, "listener_start")
	old := p.children(t)
	oldAcceptors := p.l.Acceptors()
	oldConns := p.connsSupPIDs()
	c := p.dial(t)
	testkit.Echo(t, c, "before")

	p.sys.Root.Stop(old["conns"])
	testkit.PeerClosed(t, c)
	p.ev.wait(t, "listener_stop")
	if e := p.ev.wait(t, "listener_start"); e.addr != p.l.Addr() {
		t.Fatalf("restarted on %v, was %v", e.addr, p.l.Addr())
	}
	acceptors := p.settledAcceptors(t, 4)
	now := p.children(t)
	if now["conns"].Equal(old["conns"]) || now["acceptors"].Equal(old["acceptors"]) {
		t.Fatalf("children %v, were %v: both should have restarted", now, old)
	}
	for i := range acceptors {
		if acceptors[i].Equal(oldAcceptors[i]) {
			t.Fatalf("acceptor %d was not restarted", i+1)
		}
	}
	for i, id := range p.connsSupPIDs() {
		if id == oldConns[i] {
			t.Fatalf("connection supervisor %d was not restarted", i+1)
		}
	}
	testkit.Echo(t, p.dial(t), "after")
	// And no more restarts.
	if again := p.children(t); fmt.Sprint(again) != fmt.Sprint(now) || fmt.Sprint(p.l.Acceptors()) != fmt.Sprint(acceptors) {
		t.Fatalf("restarted again: %v, %v", again, p.l.Acceptors())
	}
	p.ev.none(t, "listener_start")
	if s := p.l.Status(); s != ListenerRunning {
		t.Fatalf("status %v", s)
	}
}

// A restart of the acceptors listens once the listening socket of the
// acceptors it replaces is closed. Their supervisor's monitors are told
// of its end latest first: the listener's supervisor, which restarts it,
// before the exit hook that closes its socket. Here a monitor of the
// test's, told between the two, holds the hook back until the restart
// waits for it, or has listened: listening first fails (eaddrinuse), and
// costs the listener more restarts than it may make (it stops).
func TestListenerRestartListensAfterClose(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 2})
	p.ev.wait(t, "listener_start")
	var waiting atomic.Bool
	testHookListenerWait = func() { waiting.Store(true) }
	t.Cleanup(func() { testHookListenerWait = nil })
	held := make(chan bool, 1)
	_, err := otpactor.OnExit(p.sys, p.children(t)["acceptors"], func() {
		held <- testkit.Eventually(func() bool {
			return waiting.Load() || p.log.Count("errorContext=start_error") > 0 || len(p.ev.q("listener_start")) > 0
		})
	})
	testkit.Must(t, err)

	p.sys.Root.Stop(p.children(t)["conns"])
	if !testkit.Recv(t, held, "the held hook") {
		t.Fatal("the restart neither waited for the old socket nor listened")
	}
	p.ev.wait(t, "listener_stop")
	p.ev.wait(t, "listener_start")
	p.settledAcceptors(t, 2)
	testkit.Echo(t, p.dial(t), "after")
	if n := p.log.Count("errorContext=start_error"); n != 0 {
		t.Fatalf("%d failed starts: %v", n, p.log.Lines())
	}
	if s := p.l.Status(); s != ListenerRunning {
		t.Fatalf("status %v", s)
	}
}

// Ranch's supervisor_clean_child_restart and supervisor_conns_alive: when
// the listening socket closes under the acceptors, they exit and restart
// until their supervisor gives up and is restarted, listening anew on the
// same port; the connection supervisors and the connections are untouched.
func TestListenerCleanChildRestart(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 4})
	first := p.ev.wait(t, "listener_start")
	old := p.children(t)
	oldConns := p.connsSupPIDs()
	c := p.dial(t)
	testkit.Echo(t, c, "before")

	p.l.mu.Lock()
	ls := p.l.ls
	p.l.mu.Unlock()
	ls[0].Close()

	p.ev.wait(t, "listener_stop")
	if e := p.ev.wait(t, "listener_start"); e.addr != first.addr {
		t.Fatalf("listening again on %v, was %v", e.addr, first.addr)
	}
	p.settledAcceptors(t, 4)
	now := p.children(t)
	if !now["conns"].Equal(old["conns"]) || now["acceptors"].Equal(old["acceptors"]) {
		t.Fatalf("children %v, were %v: only the acceptors should have restarted", now, old)
	}
	if fmt.Sprint(p.connsSupPIDs()) != fmt.Sprint(oldConns) {
		t.Fatal("the connection supervisors restarted")
	}
	testkit.Echo(t, c, "the connection is alive")
	testkit.Echo(t, p.dial(t), "a new one is served")
	if p.log.Count("errorContext=shutdown reason=reached_max_restart_intensity") != 1 {
		t.Fatalf("the acceptors' supervisor did not give up once: %v", p.log.Lines())
	}
}

// A crashing acceptor is restarted alone; the connections, the other
// acceptors and the listening socket are untouched, and new clients are
// served, some perhaps by the accept its predecessor's loop was blocked in.
func TestListenerAcceptorCrash(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 4})
	before := p.settledAcceptors(t, 4)
	acceptorsSup := p.children(t)["acceptors"]
	c := p.dial(t)
	testkit.Echo(t, c, "before")

	p.sys.Root.Stop(before[1])
	p.sys.Root.Stop(before[2])
	var after []*actor.PID
	testkit.Until(t, "acceptors 2 and 3 restarted", func() bool {
		after = p.l.Acceptors()
		return len(after) == 4 && !after[1].Equal(before[1]) && !after[2].Equal(before[2])
	})
	if !after[0].Equal(before[0]) || !after[3].Equal(before[3]) {
		t.Fatalf("acceptors %v, were %v", after, before)
	}
	if !p.children(t)["acceptors"].Equal(acceptorsSup) || !p.l.Info().Listening {
		t.Fatal("the acceptors' supervisor restarted")
	}
	testkit.Echo(t, c, "still alive")
	if n := p.clients(20, 4, "new "); n != 20 {
		t.Fatalf("%d of 20 new clients served", n)
	}
	p.ev.none(t, "listener_stop")
}

// The stampede: acceptors, handlers and a connection supervisor are killed
// at random while clients connect; once the tree has settled, every new
// client is served, and nothing is left behind.
func TestListenerStampede(t *testing.T) {
	const acceptors = 8
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: acceptors, NumConnsSups: 2})
	p.settledAcceptors(t, acceptors)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	stampede := make(chan int, 1)
	go func() { stampede <- p.clients(300, 8, "stampede ") }()

	// The acceptors' supervisor may restart its acceptors 1+⌈log₂ 8⌉ = 4
	// times in 5 s, and the listener's supervisor may restart it once: at
	// most 6 acceptor kills keep the listener up, whatever their timing.
	acceptorKills, handlerKills, supKills := 0, 0, 0
	for range 40 {
		switch k := rng.IntN(10); {
		case k < 2 && acceptorKills < 6:
			if as := p.l.Acceptors(); len(as) > 0 {
				p.sys.Root.Stop(as[rng.IntN(len(as))])
				acceptorKills++
			}
		case k == 2 && supKills < 1:
			p.sys.Root.Stop(p.l.connsSups[rng.IntN(2)].Load().PID())
			supKills++
		default:
			if cs := p.l.Connections(); len(cs) > 0 {
				p.sys.Root.Stop(cs[rng.IntN(len(cs))])
				handlerKills++
			}
		}
		p.l.Info() // a beat between kills, and Info under load
	}
	served := <-stampede
	t.Logf("killed %d acceptors, %d handlers, %d connection supervisors; %d of 300 stampede clients served",
		acceptorKills, handlerKills, supKills, served)
	t.Logf("then: status %v, %+v", p.l.Status(), p.l.Info()) // for a failure to tell where the tree stood

	p.settledAcceptors(t, acceptors)
	if n := p.clients(100, 10, "after "); n != 100 {
		t.Fatalf("%d of 100 clients served after the stampede", n)
	}
	if s := p.l.Status(); s != ListenerRunning {
		t.Fatalf("status %v", s)
	}
	testkit.Until(t, "every stampede handler gone", func() bool { return p.l.Info().AllConnections == 0 })
	if info := p.l.Info(); info.ActiveConnections != 0 {
		t.Fatalf("count left at %+v", info)
	}
}

// clients connects n clients from g goroutines, each echoing one message,
// and returns how many were served.
func (p *pool) clients(n, g int, msg string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range g {
		wg.Go(func() {
			for j := i; j < n; j += g {
				c, err := net.DialTimeout("tcp", p.addr(), testkit.WaitBound)
				if err != nil {
					continue
				}
				if testkit.TryEcho(c, fmt.Sprint(msg, j)) == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
				c.Close()
			}
		})
	}
	wg.Wait()
	return ok
}

// A connection supervisor that is stopped takes its connections with it,
// and the listener counts them out, though their ends come after the
// supervisor is gone.
func TestListenerConnsSupStopped(t *testing.T) {
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 1})
	p.settledAcceptors(t, 1)
	var conns []net.Conn
	for i := range 10 {
		c := p.dial(t)
		testkit.Echo(t, c, fmt.Sprint("hello ", i))
		conns = append(conns, c)
	}
	if n := p.l.Info().AllConnections; n != len(conns) {
		t.Fatalf("%d connections, want %d", n, len(conns))
	}
	p.sys.Root.StopFuture(p.l.connsSups[0].Load().PID()).Wait()
	testkit.Until(t, "the stopped supervisor's connections counted out", func() bool {
		return p.l.Info().AllConnections == 0
	})
	if info := p.l.Info(); info.ActiveConnections != 0 {
		t.Fatalf("active connections %d, want 0", info.ActiveConnections)
	}
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("read %d bytes from a connection whose handler is gone", n)
		}
	}
}
