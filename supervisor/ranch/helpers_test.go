package ranch

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// The acceptor pool tests. Each one starts its own actor system and
// listener on 127.0.0.1, checks that fds and goroutines come back to what
// they were (leaktest), and waits only on events, with testkit.WaitBound as the
// failure bound.

var loopback = netip.MustParseAddr("127.0.0.1")

// recorder is an Events that queues each event, by kind, for the test.
type recorder struct {
	mu sync.Mutex
	ch map[string]chan ev
}

// ev is one recorded event.
type ev struct {
	kind     string // listener_start, listener_stop, accept, accept_error, conn_start, conn_stop
	addr     netip.AddrPort
	acceptor int
	pid      *actor.PID
	err      error
	backoff  time.Duration
	duration time.Duration
}

func newRecorder() *recorder { return &recorder{ch: make(map[string]chan ev)} }

func (r *recorder) q(kind string) chan ev {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.ch[kind]
	if c == nil {
		c = make(chan ev, 10000)
		r.ch[kind] = c
	}
	return c
}

func (r *recorder) put(e ev) {
	select {
	case r.q(e.kind) <- e:
	default:
		panic("recorder full: " + e.kind)
	}
}

func (r *recorder) ListenerStart(e ListenerEvent) { r.put(ev{kind: "listener_start", addr: e.Addr}) }
func (r *recorder) ListenerStop(e ListenerEvent)  { r.put(ev{kind: "listener_stop", addr: e.Addr}) }
func (r *recorder) Accept(e AcceptEvent) {
	r.put(ev{kind: "accept", acceptor: e.Acceptor, addr: e.Peer})
}
func (r *recorder) AcceptError(e AcceptErrorEvent) {
	r.put(ev{kind: "accept_error", acceptor: e.Acceptor, err: e.Err, backoff: e.Backoff})
}
func (r *recorder) ConnectionStart(e ConnectionEvent) {
	r.put(ev{kind: "conn_start", pid: e.PID, addr: e.Peer})
}
func (r *recorder) ConnectionStop(e ConnectionEvent) {
	r.put(ev{kind: "conn_stop", pid: e.PID, addr: e.Peer, duration: e.Duration})
}

// wait returns the next event of kind.
func (r *recorder) wait(t *testing.T, kind string) ev {
	t.Helper()
	return testkit.Recv(t, r.q(kind), kind+" event")
}

// waitN returns the next n events of kind.
func (r *recorder) waitN(t *testing.T, kind string, n int) []ev {
	t.Helper()
	out := make([]ev, n)
	for i := range out {
		out[i] = r.wait(t, kind)
	}
	return out
}

// none checks that no event of kind is queued.
func (r *recorder) none(t *testing.T, kind string) {
	t.Helper()
	select {
	case e := <-r.q(kind):
		t.Fatalf("unexpected %s event: %+v", kind, e)
	default:
	}
}

// logLine is the line the tests look for of a log record: "LEVEL MESSAGE"
// with its reason and errorContext, if any, as "key=value".
func logLine(r slog.Record) (string, bool) {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" || a.Key == "errorContext" {
			line += " " + a.Key + "=" + fmt.Sprint(a.Value.Any())
		}
		return true
	})
	return line, true
}

// testSystem is an actor system logging to logger. Its dead-letter log
// throttle, a goroutine that protoactor keeps for a while after a logged
// dead letter (stopping a supervisor sends Stop to children already gone),
// lasts 10 ms instead of a second, for the leak checks.
func testSystem(logger *slog.Logger) *actor.ActorSystem {
	return actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger }),
		actor.WithDeadLetterThrottleInterval(10*time.Millisecond))
}

// servedAmong returns the clients whose connections the next n accept
// events report, in that order.
func (p *pool) servedAmong(t *testing.T, n int, clients []net.Conn) []net.Conn {
	t.Helper()
	var out []net.Conn
	for _, e := range p.ev.waitN(t, "accept", n) {
		for _, c := range clients {
			if c.LocalAddr().String() == e.addr.String() {
				out = append(out, c)
			}
		}
	}
	if len(out) != n {
		t.Fatalf("%d of the %d accepted clients found", len(out), n)
	}
	return out
}

// pool is a test's actor system and listener.
type pool struct {
	sys *actor.ActorSystem
	l   *Listener
	ev  *recorder
	log *testkit.Slog // every record, as logLine makes it
}

// startPool starts a listener on 127.0.0.1 with proto and opts (events and
// logs recorded), and stops it when the test ends.
func startPool(t *testing.T, proto Protocol, opts ListenerOptions) *pool {
	t.Helper()
	leaktest.Check(t)
	p := &pool{ev: newRecorder(), log: testkit.NewSlog(logLine)}
	p.sys = testSystem(slog.New(p.log))
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Events == nil {
		opts.Events = p.ev
	}
	l, err := StartListener(p.sys.Root, proto, opts)
	if err != nil {
		t.Fatalf("StartListener: %v", err)
	}
	p.l = l
	t.Cleanup(func() {
		if l.Status() != ListenerStopped {
			testkit.Bounded(t, "Stop", l.Stop)
		}
	})
	return p
}

// addr returns the listener's address for net.Dial.
func (p *pool) addr() string { return p.l.Addr().String() }

// dial connects a client; the kernel completes the connection whether or
// not an acceptor takes it.
func (p *pool) dial(t *testing.T) net.Conn {
	t.Helper()
	return testkit.Dial(t, p.addr())
}

// echoHandler is the test protocol, Ranch's echo_protocol with a few
// commands: it echoes every packet, with {active, once}, and on
//
//	"remove"  calls RemoveConnection twice and answers "removed"
//	"crash"   panics
//	"quit"    stops
//	"opts"    answers its nodelay, send_timeout and send_timeout_close
//
// and stops when the client closes.
type echoHandler struct {
	l *Listener
	s *socket.Socket
}

func newEcho(l *Listener, s *socket.Socket) actor.Actor { return &echoHandler{l: l, s: s} }

// echoProto is the test protocol; listeners using it set Active(Once).
var echoProto = ActorProtocol(newEcho)

// echoOpts are the socket options of echoProto's listeners.
var echoOpts = []socket.Option{socket.Active(socket.Once)}

func (h *echoHandler) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *socket.TCP:
		switch string(m.Data) {
		case "remove":
			h.l.RemoveConnection(ctx.Self())
			h.l.RemoveConnection(ctx.Self())
			h.s.Send([]byte("removed"))
		case "crash":
			panic("crash requested")
		case "quit":
			ctx.Stop(ctx.Self())
			return
		case "opts":
			opts, err := h.s.GetOpts(socket.OptNodelay, socket.OptSendTimeout, socket.OptSendTimeoutClose)
			h.s.Send(fmt.Appendf(nil, "%v %v", opts, err))
		default:
			h.s.Send(m.Data)
		}
		h.s.SetOpts(socket.Active(socket.Once))
	case *socket.TCPClosed:
		ctx.Stop(ctx.Self())
	}
}
