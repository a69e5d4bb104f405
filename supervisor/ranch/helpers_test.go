package ranch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// The acceptor pool tests. Each one starts its own actor system and
// listener on 127.0.0.1, checks that fds and goroutines come back to what
// they were (leaktest), and waits only on events, with testkit.WaitBound as the
// failure bound.

var loopback = netip.MustParseAddr("127.0.0.1")

// driverStarted starts the sockets' driver pool, which lives as long as the
// process (as the BEAM's inet driver does), before TestMain counts the
// goroutines: package variables are initialised before TestMain runs.
var driverStarted = func() error {
	sys := otpactor.NewSystem()
	p, err := otpactor.NewProcess(sys)
	if err != nil {
		return err
	}
	defer p.Close()
	ls, err := socket.Listen(p, 0, socket.IP(loopback))
	if err != nil {
		return err
	}
	return ls.Close()
}()

// checkLeaks makes t fail if it leaves an fd or a goroutine behind.
func checkLeaks(t *testing.T) {
	t.Helper()
	if driverStarted != nil {
		t.Fatalf("starting the sockets' driver: %v", driverStarted)
	}
	leaktest.Check(t)
}

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
	select {
	case e := <-r.q(kind):
		return e
	case <-time.After(testkit.WaitBound):
		t.Fatalf("no %s event within %v", kind, testkit.WaitBound)
		return ev{}
	}
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

// logRec is a slog handler that records "LEVEL MESSAGE reason=R" lines.
type logRec struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRec) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRec) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" || a.Key == "errorContext" {
			line += " " + a.Key + "=" + fmt.Sprint(a.Value.Any())
		}
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	return nil
}

func (l *logRec) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRec) WithGroup(string) slog.Handler      { return l }

// count returns how many lines contain s.
func (l *logRec) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
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
	log *logRec
}

// startPool starts a listener on 127.0.0.1 with proto and opts (events and
// logs recorded), and stops it when the test ends.
func startPool(t *testing.T, proto Protocol, opts ListenerOptions) *pool {
	t.Helper()
	checkLeaks(t)
	p := &pool{ev: newRecorder(), log: &logRec{}}
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
	c, err := net.DialTimeout("tcp", p.addr(), testkit.WaitBound)
	if err != nil {
		t.Fatalf("dial %s: %v", p.addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echoed sends msg on c and checks that it comes back.
func echoed(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	if err := tryEcho(c, msg); err != nil {
		t.Fatal(err)
	}
}

// tryEcho sends msg on c and reports whether it came back within testkit.WaitBound.
func tryEcho(c net.Conn, msg string) error {
	c.SetDeadline(time.Now().Add(testkit.WaitBound))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte(msg)); err != nil {
		return fmt.Errorf("write %q: %w", msg, err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read echo of %q: %w (got %q)", msg, err, got)
	}
	if !bytes.Equal(got, []byte(msg)) {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}

// closedByServer checks that the server closes c: a read returns EOF or a
// reset within testkit.WaitBound.
func closedByServer(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testkit.WaitBound))
	var b [64]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection %v still open after %v", c.LocalAddr(), testkit.WaitBound)
		}
		return
	}
}

// eventually waits for cond to hold, polling a state the test cannot be
// told about by an event, and fails after testkit.WaitBound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testkit.WaitBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, testkit.WaitBound)
		}
		time.Sleep(time.Millisecond) // polling a condition, bounded above
	}
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
