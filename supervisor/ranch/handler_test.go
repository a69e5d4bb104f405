package ranch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
)

// script is the test Handler: it tells each call on calls ("connection",
// "data:LINE", "info:MSG", "timeout", "close", "error:REASON",
// "shutdown"), in the order they come, and does what its functions say:
// by default it echoes each line and goes on.
type script struct {
	calls   chan<- string
	failed  func(c *Conn, err error)
	conn    func(c *Conn) Action
	data    func(c *Conn, line string) Action
	info    func(c *Conn, msg any) Action
	timeout func(c *Conn) Action
	closed  func(c *Conn)
}

func (s *script) HandleConnection(c *Conn) Action {
	s.calls <- "connection"
	if s.conn != nil {
		return s.conn(c)
	}
	return Continue
}

func (s *script) HandleData(c *Conn, data []byte) Action {
	line := strings.TrimSuffix(string(data), "\n")
	s.calls <- "data:" + line
	if s.data != nil {
		return s.data(c, line)
	}
	c.Send(data)
	return Continue
}

func (s *script) HandleInfo(c *Conn, msg any) Action {
	s.calls <- fmt.Sprintf("info:%v", msg)
	if s.info != nil {
		return s.info(c, msg)
	}
	return Continue
}

func (s *script) HandleTimeout(c *Conn) Action {
	s.calls <- "timeout"
	if s.timeout != nil {
		return s.timeout(c)
	}
	return Close
}

func (s *script) HandleClose(c *Conn) {
	s.calls <- "close"
	if s.closed != nil {
		s.closed(c)
	}
}

func (s *script) HandleError(c *Conn, err error) {
	s.calls <- "error:" + err.Error()
	if s.failed != nil {
		s.failed(c, err)
	}
}

func (s *script) HandleShutdown(c *Conn) { s.calls <- "shutdown" }

// handlerPool starts a listener of one acceptor whose connections each
// run a copy of s, with {packet, line} and opts, and returns it with the
// calls of its handlers and the log of its actor system (the listener's
// and its supervisors').
func handlerPool(t *testing.T, s script, opts ...socket.Option) (*pool, chan string, records) {
	t.Helper()
	calls := make(chan string, 1000)
	s.calls = calls
	p, logs := handlerListener(t, HandlerProtocol(func() Handler { c := s; return &c }), ListenerOptions{
		SocketOptions: append([]socket.Option{socket.Packet(framing.Line)}, opts...),
		NumAcceptors:  1,
	})
	return p, calls, logs
}

// handlerListener starts a listener of proto on 127.0.0.1 with opts (its
// events recorded unless opts has Events), in an actor system that logs
// to the records it returns, and stops it when the test ends, which must
// leave no fd and no goroutine behind.
func handlerListener(t *testing.T, proto Protocol, opts ListenerOptions) (*pool, records) {
	t.Helper()
	leaktest.Check(t)
	logs := make(records, 10000)
	p := &pool{sys: testSystem(slog.New(logs)), ev: newRecorder()}
	opts.Addr = "127.0.0.1:0"
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
	return p, logs
}

// want checks that the next calls are whats, in order.
func want(t *testing.T, calls <-chan string, whats ...string) {
	t.Helper()
	for i, w := range whats {
		select {
		case got := <-calls:
			if got != w {
				t.Fatalf("call %d: %q, want %q (calls wanted: %q)", i, got, w, whats)
			}
		case <-time.After(testkit.WaitBound):
			t.Fatalf("call %d: none within %v, want %q", i, testkit.WaitBound, w)
		}
	}
}

// lineClient is a client of a {packet, line} server.
type lineClient struct {
	net.Conn
	r *bufio.Reader
}

func (p *pool) lineDial(t *testing.T) *lineClient {
	t.Helper()
	c := p.dial(t)
	c.SetDeadline(time.Now().Add(testkit.WaitBound))
	return &lineClient{c, bufio.NewReader(c)}
}

// ask sends line and returns the line that comes back.
func (c *lineClient) ask(t *testing.T, line string) string {
	t.Helper()
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		t.Fatal(err)
	}
	return c.read(t)
}

// hungUp checks that the server closes the connection: a read ends with
// EOF or a reset, before the client's deadline.
func (c *lineClient) hungUp(t *testing.T) {
	t.Helper()
	for {
		_, err := c.r.ReadByte()
		var ne net.Error
		switch {
		case err == nil:
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatalf("connection %v still open after %v", c.LocalAddr(), testkit.WaitBound)
		default:
			return
		}
	}
}

func (c *lineClient) read(t *testing.T) string {
	t.Helper()
	got, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, got)
	}
	return strings.TrimSuffix(got, "\n")
}

// records is a slog handler that queues each record: its message, level
// and attributes, by key.
type records chan map[string]string

func (records) Enabled(context.Context, slog.Level) bool { return true }

func (r records) Handle(_ context.Context, rec slog.Record) error {
	m := map[string]string{"msg": rec.Message, "level": rec.Level.String()}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	select {
	case r <- m:
	default:
		panic("records full")
	}
	return nil
}

func (r records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r records) WithGroup(string) slog.Handler      { return r }

// next returns the next record whose message is msg (any, if msg is "")
// and whose attributes have the values attrs gives (key, value, ...),
// skipping others.
func (r records) next(t *testing.T, msg string, attrs ...string) map[string]string {
	t.Helper()
	for {
		select {
		case m := <-r:
			if (msg == "" || m["msg"] == msg) && has(m, attrs) {
				return m
			}
		case <-time.After(testkit.WaitBound):
			t.Fatalf("no %q %q logged within %v", msg, attrs, testkit.WaitBound)
			return nil
		}
	}
}

// none checks that no record queued so far has the message msg, and
// takes them all.
func (r records) none(t *testing.T, msg string) {
	t.Helper()
	for {
		select {
		case m := <-r:
			if m["msg"] == msg {
				t.Fatalf("logged: %v", m)
			}
		default:
			return
		}
	}
}

// has reports whether m has the values attrs gives (key, value, ...).
func has(m map[string]string, attrs []string) bool {
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i] != "" && m[attrs[i]] != attrs[i+1] {
			return false
		}
	}
	return true
}

// A connection's life: HandleConnection, HandleData for each line (each
// echoed, {active, once} re-armed each time), HandleClose when the peer
// closes; the listener's events around them.
func TestHandlerCallbacks(t *testing.T) {
	p, calls, _ := handlerPool(t, script{})
	c := p.lineDial(t)
	for _, line := range []string{"one", "two", "three"} {
		if got := c.ask(t, line); got != line {
			t.Fatalf("echo %q, want %q", got, line)
		}
	}
	c.Close()
	want(t, calls, "connection", "data:one", "data:two", "data:three", "close")
	start, stop := p.ev.wait(t, "conn_start"), p.ev.wait(t, "conn_stop")
	if !start.pid.Equal(stop.pid) {
		t.Fatalf("conn_start %v, conn_stop %v", start.pid, stop.pid)
	}
}

// HandleConnection owns the socket: it may send first, and close; the
// listener counts the connection, and reports its start and stop.
func TestHandlerCloseInConnection(t *testing.T) {
	p, calls, _ := handlerPool(t, script{conn: func(c *Conn) Action {
		if owner := c.Socket().Owner(); !owner.Equal(c.Context().Self()) {
			return Fail(fmt.Errorf("the socket's owner is %v", owner))
		}
		c.Send([]byte("hello and goodbye\n"))
		return Close
	}})
	c := p.lineDial(t)
	if got := c.read(t); got != "hello and goodbye" {
		t.Fatalf("read %q", got)
	}
	c.hungUp(t)
	want(t, calls, "connection", "close")
	p.ev.wait(t, "conn_start")
	p.ev.wait(t, "conn_stop")
	if info := p.l.Info(); info.StartErrors != 0 || info.Accepts != 1 {
		t.Fatalf("%+v", info)
	}
}

// The actions: Close and Fail end the connection (HandleClose,
// HandleError), after the callback that returned them; Continue goes on.
func TestHandlerActions(t *testing.T) {
	s := script{data: func(c *Conn, line string) Action {
		c.Send([]byte(line + "\n"))
		switch line {
		case "close":
			return Close
		case "fail":
			return Fail(errBoom)
		case "fail nil":
			return Fail(nil)
		}
		return Continue
	}}
	p, calls, _ := handlerPool(t, s)
	for _, tc := range []struct{ line, last string }{
		{"close", "close"}, {"fail", "error:boom"}, {"fail nil", "close"},
	} {
		c := p.lineDial(t)
		c.ask(t, "go on")
		if got := c.ask(t, tc.line); got != tc.line {
			t.Fatalf("%s: %q", tc.line, got)
		}
		c.hungUp(t)
		want(t, calls, "connection", "data:go on", "data:"+tc.line, tc.last)
	}
}

// A handler that switches to {active, N} is re-armed at each
// *socket.TCPPassive (which it never sees), and one that switches back
// to {active, once} after each packet, as Action.Active says; the socket
// reads back what the behaviour set.
func TestHandlerActiveModes(t *testing.T) {
	s := script{data: func(c *Conn, line string) Action {
		a := Continue
		switch line {
		case "n3":
			a = Continue.Active(socket.N(3))
		case "once":
			a = Continue.Active(socket.Once)
		case "mode":
			o, err := c.Socket().GetOpt(socket.OptActive)
			if err != nil {
				return Fail(err)
			}
			line = c.Mode().String() + " " + o.Mode().String()
		}
		c.Send([]byte(line + "\n"))
		return a
	}}
	p, calls, _ := handlerPool(t, s)
	c := p.lineDial(t)
	for _, step := range []struct{ ask, answer string }{
		{"mode", "once false"}, // the packet made the socket passive
		{"n3", "n3"},
		{"mode", "3 2"},
		{"x", "x"},
		{"mode", "3 false"}, // N ran out: TCPPassive comes next, and re-arms
		{"mode", "3 2"},
		{"y", "y"},
		{"z", "z"},
		{"once", "once"}, // the counter ran out with it: the TCPPassive is dropped
		{"mode", "once false"},
		{"w", "w"},
	} {
		if got := c.ask(t, step.ask); got != step.answer {
			t.Fatalf("%s: %q, want %q", step.ask, got, step.answer)
		}
	}
	c.Close()
	want(t, calls, "connection", "data:mode", "data:n3", "data:mode", "data:x", "data:mode", "data:mode",
		"data:y", "data:z", "data:once", "data:mode", "data:w", "close")
}

// {active, true} from the listener's options: no re-arming, every packet
// comes; {active, false} stops them until a later Action switches to an
// active mode, and a passive handler's AsyncRecv results come to
// HandleData.
func TestHandlerTrueAndPassive(t *testing.T) {
	s := script{
		data: func(c *Conn, line string) Action {
			a := Continue
			switch line {
			case "once":
				a = Continue.Active(socket.Once)
			case "pause":
				a = Continue.Active(socket.False)
			case "mode":
				line = c.Mode().String()
			}
			c.Send([]byte(line + "\n"))
			return a
		},
		info: func(c *Conn, msg any) Action {
			switch msg {
			case "resume":
				return Continue.Active(socket.True)
			case "recv":
				if _, err := c.Socket().AsyncRecv(c.Context(), 0, socket.Infinity); err != nil {
					return Fail(err)
				}
			}
			return Continue
		},
	}
	p, calls, _ := handlerPool(t, s, socket.Active(socket.True))
	c := p.lineDial(t)
	pid := p.ev.wait(t, "conn_start").pid
	if _, err := c.Write([]byte("a\nb\nmode\n")); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"a", "b", "true"} {
		if got := c.read(t); got != w {
			t.Fatalf("%q, want %q", got, w)
		}
	}
	c.ask(t, "once")
	// The reply to "once" is sent before its Action is applied: a "mode"
	// answered says the switch is done, so that what follows comes in
	// {active, once}.
	if got := c.ask(t, "mode"); got != "once" {
		t.Fatalf("mode after once: %q", got)
	}
	c.Write([]byte("pause\nheld\n"))
	if got := c.read(t); got != "pause" {
		t.Fatalf("%q", got)
	}
	want(t, calls, "connection", "data:a", "data:b", "data:mode", "data:once", "data:mode", "data:pause")
	p.sys.Root.Send(pid, "resume")
	want(t, calls, "info:resume", "data:held") // held came once resumed
	if got := c.read(t); got != "held" {
		t.Fatalf("%q", got)
	}
	// Passive: the packet comes as the result of the handler's AsyncRecv.
	c.ask(t, "pause")
	want(t, calls, "data:pause")
	p.sys.Root.Send(pid, "recv")
	want(t, calls, "info:recv")
	if got := c.ask(t, "by recv"); got != "by recv" {
		t.Fatalf("%q", got)
	}
	want(t, calls, "data:by recv")
	// A passive socket tells nothing of the peer's close until it is read.
	p.sys.Root.Send(pid, "recv")
	want(t, calls, "info:recv")
	c.Close()
	want(t, calls, "close")
}

// A passive handler's AsyncRecv that times out comes to HandleInfo, as
// its *socket.RecvResult: HandleTimeout is the idle timeout's only.
func TestHandlerRecvTimeout(t *testing.T) {
	p, calls, _ := handlerPool(t, script{
		conn: func(c *Conn) Action {
			if _, err := c.Socket().AsyncRecv(c.Context(), 0, time.Millisecond); err != nil {
				return Fail(err)
			}
			return Continue
		},
		info: func(c *Conn, msg any) Action {
			if r, ok := msg.(*socket.RecvResult); ok && r.Socket == c.Socket() && errors.Is(r.Err, socket.ErrTimeout) {
				return Close
			}
			return Fail(fmt.Errorf("unexpected %#v", msg))
		},
	}, socket.Active(socket.False))
	c := p.lineDial(t)
	want(t, calls, "connection")
	if got := testkit.Recv(t, calls, "a call"); !strings.HasPrefix(got, "info:") {
		t.Fatalf("%q, want HandleInfo with the AsyncRecv's result", got)
	}
	want(t, calls, "close")
	c.hungUp(t)
}

// The idle timeout: IdleTimeout's comes each time the connection idles,
// until HandleTimeout closes; Timeout's comes once, until the next
// message.
func TestHandlerTimeout(t *testing.T) {
	timeouts := 0
	s := script{
		conn: func(c *Conn) Action { return Continue.IdleTimeout(time.Millisecond) },
		timeout: func(c *Conn) Action {
			timeouts++
			if timeouts < 3 {
				return Continue
			}
			return Close
		},
	}
	p, calls, _ := handlerPool(t, s)
	c := p.lineDial(t)
	want(t, calls, "connection", "timeout", "timeout", "timeout", "close")
	c.hungUp(t)

	oneShot := script{
		conn:    func(c *Conn) Action { return Continue.Timeout(time.Millisecond) },
		timeout: func(c *Conn) Action { return Continue },
		data: func(c *Conn, line string) Action {
			c.Send([]byte(line + "\n"))
			if line == "again" {
				return Continue.Timeout(time.Millisecond).IdleTimeout(socket.Infinity)
			}
			return Continue
		},
	}
	p, calls, _ = handlerPool(t, oneShot)
	c = p.lineDial(t)
	want(t, calls, "connection", "timeout")
	c.ask(t, "no timeout before this")
	c.ask(t, "again")
	want(t, calls, "data:no timeout before this", "data:again", "timeout")
	c.Close()
	want(t, calls, "close")
}

// A message to the handler's PID comes to HandleInfo, whose Action counts
// as any other's.
func TestHandlerInfo(t *testing.T) {
	p, calls, _ := handlerPool(t, script{info: func(c *Conn, msg any) Action {
		if msg == "stop" {
			return Fail(errBoom)
		}
		c.Send([]byte(fmt.Sprint(msg, "\n")))
		return Continue
	}})
	c := p.lineDial(t)
	pid := p.ev.wait(t, "conn_start").pid
	p.sys.Root.Send(pid, "news")
	if got := c.read(t); got != "news" {
		t.Fatalf("%q", got)
	}
	c.ask(t, "still echoing")
	p.sys.Root.Send(pid, "stop")
	c.hungUp(t)
	want(t, calls, "connection", "info:news", "data:still echoing", "info:stop", "error:boom")
}

// A listener that stops shuts its handlers down: HandleShutdown, with the
// socket still open.
func TestHandlerShutdown(t *testing.T) {
	p, calls, _ := handlerPool(t, script{})
	c := p.lineDial(t)
	c.ask(t, "hello")
	if err := testkit.Bounded(t, "Stop", p.l.Stop); err != nil {
		t.Fatal(err)
	}
	c.hungUp(t)
	want(t, calls, "connection", "data:hello", "shutdown")
}

// A peer's reset, with show_econnreset: HandleError with econnreset.
func TestHandlerTCPError(t *testing.T) {
	errs := make(chan error, 1)
	p, calls, _ := handlerPool(t, script{failed: func(c *Conn, err error) { errs <- err }}, socket.ShowEconnreset(true))
	c := p.lineDial(t)
	c.ask(t, "hello")
	c.Conn.(*net.TCPConn).SetLinger(0)
	c.Close()
	want(t, calls, "connection", "data:hello")
	<-calls
	if err := <-errs; inet.Reason(err) != "econnreset" {
		t.Fatalf("HandleError(%v), want econnreset", err)
	}
}

// A callback that panics crashes its connection alone: the crash is logged
// with what an operator needs (the listener, the peer and local address,
// the callback, the panic and its stack), HandleError follows with the
// panic, the socket closes, and the connection supervisor, named after the
// listener, reports the child's end.
func TestHandlerPanic(t *testing.T) {
	s := script{data: func(c *Conn, line string) Action {
		if line == "crash" {
			panic("crash requested")
		}
		c.Send([]byte(line + "\n"))
		return Continue
	}}
	p, calls, logs := handlerPool(t, s)
	c := p.lineDial(t)
	other := p.lineDial(t)
	want(t, calls, "connection", "connection")
	c.ask(t, "hello")
	c.Write([]byte("crash\n"))
	c.hungUp(t)
	want(t, calls, "data:hello", "data:crash", "error:{panic,crash requested}")
	r := logs.next(t, "handler crashed")
	for k, v := range map[string]string{
		"level": "ERROR", "listener": p.addr(), "peer": c.LocalAddr().String(), "local": p.addr(),
		"callback": "HandleData", "reason": "crash requested",
	} {
		if r[k] != v {
			t.Errorf("crash report %s=%q, want %q", k, r[k], v)
		}
	}
	if !strings.Contains(r["stack"], "handler_test.go") || !strings.HasPrefix(r["pid"], "<") {
		t.Errorf("crash report: stack %q, pid %q", r["stack"], r["pid"])
	}
	logs.next(t, "supervisor report", "supervisor", "listener "+p.addr()+"/conns/conns-1",
		"errorContext", "child_terminated", "reason", "{panic,crash requested}")
	if got := other.ask(t, "still here"); got != "still here" {
		t.Fatalf("%q", got)
	}

	// A panic in a last callback is logged too, and goes no further.
	p, calls, logs = handlerPool(t, script{
		data: func(c *Conn, line string) Action {
			if line == "bye" {
				return Close
			}
			c.Send([]byte(line + "\n"))
			return Continue
		},
		closed: func(c *Conn) { panic("in close") },
	})
	c = p.lineDial(t)
	c.Write([]byte("bye\n"))
	c.hungUp(t)
	want(t, calls, "connection", "data:bye", "close")
	r = logs.next(t, "handler crashed")
	if r["callback"] != "HandleClose" || r["reason"] != "in close" || r["peer"] != c.LocalAddr().String() {
		t.Errorf("crash report %v", r)
	}
	next := p.lineDial(t)
	if got := next.ask(t, "next"); got != "next" {
		t.Fatalf("%q", got)
	}
	want(t, calls, "connection", "data:next")
}

// A callback may exit with a reason, supervisor.Exit: orderly ones end
// with HandleClose, others with HandleError, and neither is a crash.
func TestHandlerExit(t *testing.T) {
	p, calls, logs := handlerPool(t, script{data: func(c *Conn, line string) Action {
		switch line {
		case "shutdown":
			supervisor.Exit(supervisor.Shutdown)
		case "boom":
			supervisor.Exit(errBoom)
		}
		return Continue
	}})
	for _, tc := range []struct{ line, last string }{{"shutdown", "close"}, {"boom", "error:boom"}} {
		c := p.lineDial(t)
		c.Write([]byte(tc.line + "\n"))
		c.hungUp(t)
		want(t, calls, "connection", "data:"+tc.line, tc.last)
	}
	for { // an Exit is no crash: nothing says so before the supervisor's report
		r := logs.next(t, "")
		if r["msg"] == "handler crashed" {
			t.Fatalf("an exit logged as a crash: %v", r)
		}
		if r["msg"] == "supervisor report" && r["reason"] == "boom" {
			break
		}
	}
}

// A panic is a crash whatever its value: one that wraps Normal or
// Shutdown ends in HandleError too, as its supervisor sees it.
func TestHandlerPanicWrappingShutdown(t *testing.T) {
	wrapped := fmt.Errorf("x: %w", supervisor.Shutdown)
	p, calls, logs := handlerPool(t, script{data: func(c *Conn, line string) Action {
		panic(wrapped)
	}})
	c := p.lineDial(t)
	c.Write([]byte("crash\n"))
	c.hungUp(t)
	want(t, calls, "connection", "data:crash", "error:{panic,x: shutdown}")
	logs.next(t, "handler crashed", "callback", "HandleData", "reason", "x: shutdown")
}

// Bad arguments are errors that name them, never panics: a bad Action
// fails its connection (HandleError), a bad listener option or protocol
// is refused, a nil Handler refuses its connection.
func TestHandlerBadInput(t *testing.T) {
	s := script{data: func(c *Conn, line string) Action {
		switch line {
		case "n0":
			return Continue.Active(socket.N(0))
		case "n40000":
			return Continue.Active(socket.N(40000))
		case "timeout":
			return Continue.Timeout(-time.Second)
		}
		return Continue.IdleTimeout(-2 * time.Second)
	}}
	p, calls, _ := handlerPool(t, s)
	for _, tc := range []struct{ line, says string }{
		{"n0", "Action.Active(0)"}, {"n40000", "Action.Active(40000)"},
		{"timeout", "Action.Timeout(-1s)"}, {"idle", "Action.IdleTimeout(-2s)"},
	} {
		c := p.lineDial(t)
		c.Write([]byte(tc.line + "\n"))
		c.hungUp(t)
		want(t, calls, "connection", "data:"+tc.line)
		if got := <-calls; !strings.HasPrefix(got, "error:ranch: "+tc.says) || !strings.HasSuffix(got, "badarg") {
			t.Fatalf("%s: %q", tc.line, got)
		}
	}

	sys := testSystem(slog.New(slog.DiscardHandler))
	_, err := StartListener(sys.Root, HandlerProtocol(nil), ListenerOptions{})
	var ie *supervisor.InvalidError
	if !errors.As(err, &ie) || ie.Field != "protocol" {
		t.Fatalf("HandlerProtocol(nil): %v", err)
	}
	_, err = StartListener(sys.Root, HandlerProtocol(func() Handler { return &script{} }), ListenerOptions{
		Addr: "127.0.0.1:0", SocketOptions: []socket.Option{socket.Active(socket.N(0))}})
	if !errors.As(err, &ie) || ie.Field != "ListenerOptions.SocketOptions" {
		t.Fatalf("{active, 0}: %v", err)
	}

	nilHandler, _ := handlerListener(t, HandlerProtocol(func() Handler { return nil }), ListenerOptions{NumAcceptors: 1})
	c := nilHandler.lineDial(t)
	e := nilHandler.ev.wait(t, "accept_error")
	if !errors.Is(e.err, errNoHandler) || !strings.Contains(e.err.Error(), "newHandler") {
		t.Fatalf("accept_error %v", e.err)
	}
	c.hungUp(t)
}

// The hand-off: the handler is passive until HandleConnection returns,
// whatever the listener's mode, so a client's first bytes wait for it.
func TestHandlerFirstPacketAfterConnection(t *testing.T) {
	release := make(chan struct{})
	p, calls, _ := handlerPool(t, script{conn: func(c *Conn) Action {
		<-release
		return Continue
	}}, socket.Active(socket.N(5)))
	c := p.lineDial(t)
	c.Write([]byte("early\n"))
	want(t, calls, "connection")
	close(release)
	if got := c.read(t); got != "early" {
		t.Fatalf("%q", got)
	}
	want(t, calls, "data:early")
}

// SlogEvents logs a listener's events under its name, and the failed
// handler starts once: the listener leaves them to it. A Protocol that
// wraps a HandlerProtocol (here, to refuse the first connection) serves
// as it does.
func TestSlogEvents(t *testing.T) {
	events := make(records, 100)
	calls := make(chan string, 100)
	handler := HandlerProtocol(func() Handler { return &script{calls: calls} })
	first := true
	proto := ProtocolFunc(func(ctx actor.SpawnerContext, l *Listener, s *socket.Socket) (*actor.PID, error) {
		if first { // one acceptor, one connection supervisor: one Start at a time
			first = false
			return nil, errBoom
		}
		return handler.Start(ctx, l, s)
	})
	p, logs := handlerListener(t, proto, ListenerOptions{NumAcceptors: 1, Events: SlogEvents(slog.New(events)),
		SocketOptions: []socket.Option{socket.Packet(framing.Line)}})
	addr := p.addr()
	events.next(t, "listener started", "level", "INFO", "listener", addr)
	refused := p.lineDial(t)
	events.next(t, "connection process start failure", "level", "ERROR", "listener", addr, "reason", "boom")
	refused.hungUp(t)

	c := p.lineDial(t)
	if got := c.ask(t, "hello"); got != "hello" {
		t.Fatalf("%q", got)
	}
	peer := c.LocalAddr().String()
	events.next(t, "connection accepted", "level", "INFO", "listener", addr, "peer", peer, "acceptor", "1")
	if r := events.next(t, "connection started", "level", "DEBUG", "peer", peer); !strings.HasPrefix(r["pid"], "<") {
		t.Fatalf("%v", r)
	}
	c.Close()
	if r := events.next(t, "connection closed", "level", "INFO", "peer", peer); r["duration"] == "" {
		t.Fatalf("%v", r)
	}
	want(t, calls, "connection", "data:hello", "close")
	testkit.Bounded(t, "Stop", p.l.Stop)
	events.next(t, "listener stopped", "listener", addr)
	logs.none(t, "connection process start failure") // the listener left it to SlogEvents
}

// probed is a mailbox middleware that tells when its actor has received a
// probe: every message queued before it has been received too.
type probed chan struct{}

// probe is the message probed looks for.
type probe struct{}

func (probed) MailboxStarted()   {}
func (probed) MessagePosted(any) {}
func (probed) MailboxEmpty()     {}
func (p probed) MessageReceived(m any) {
	if _, ok := m.(probe); ok {
		p <- struct{}{}
	}
}

// A handler's last callback is its last: while its actor waits for a
// child to stop, the messages that still come to it (packets in {active,
// true}, the socket's other messages, an AsyncRecv's result, others) reach
// no callback, whether the connection ended by Close or by its listener's
// shutdown.
func TestHandlerNothingAfterLast(t *testing.T) {
	for _, end := range []string{"close", "shutdown"} {
		t.Run(end, func(t *testing.T) {
			release := make(chan struct{})
			sockets := make(chan *socket.Socket, 1)
			calls := make(chan string, 100)
			s := script{calls: calls,
				conn: func(c *Conn) Action {
					// A child that holds its parent's stop until released.
					c.Context().Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
						if _, ok := ctx.Message().(*actor.Stopping); ok {
							<-release
						}
					}))
					sockets <- c.Socket()
					return Continue
				},
				data: func(c *Conn, line string) Action {
					if line == "close" {
						return Close
					}
					return Continue
				},
			}
			seen := make(probed, 1)
			proto := newHandlerProtocol(func() Handler { h := s; return &h }, otpactor.WithOwnerMailbox(seen))
			p, _ := handlerListener(t, proto, ListenerOptions{NumAcceptors: 1,
				SocketOptions: []socket.Option{socket.Packet(framing.Line), socket.Active(socket.True)}})
			c := p.lineDial(t)
			pid := p.ev.wait(t, "conn_start").pid
			sock := <-sockets
			stopped := make(chan error, 1)
			if end == "close" {
				c.Write([]byte("a\nclose\nb\nc\n"))
				want(t, calls, "connection", "data:a", "data:close", "close")
			} else {
				c.Write([]byte("a\n"))
				want(t, calls, "connection", "data:a")
				go func() { stopped <- p.l.Stop() }()
				want(t, calls, "shutdown")
			}
			for _, m := range []any{
				&socket.TCP{Socket: sock, Data: []byte("late\n")},
				&socket.HTTP{Socket: sock, Packet: framing.HTTPEOH{}},
				&socket.RecvResult{Socket: sock, Data: []byte("late\n")},
				&socket.RecvResult{Socket: sock, Err: socket.ErrTimeout},
				&socket.TCPPassive{Socket: sock},
				&socket.TCPClosed{Socket: sock},
				"late",
				probe{},
			} {
				p.sys.Root.Send(pid, m)
			}
			testkit.Recv(t, seen, "the probe")
			close(release)
			p.ev.wait(t, "conn_stop")
			if end == "shutdown" {
				if err := testkit.Recv(t, stopped, "Stop"); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case got := <-calls:
				t.Fatalf("%q after the last callback", got)
			default:
			}
			c.hungUp(t)
		})
	}
}

// SlogEvents wrapped in another Events is not the listener's to bind: it
// logs to its logger, or slog.Default(), without the listener's name, and
// never panics.
func TestSlogEventsWrapped(t *testing.T) {
	events := make(records, 100)
	defaults := make(records, 100)
	old := slog.Default()
	slog.SetDefault(slog.New(defaults))
	t.Cleanup(func() { slog.SetDefault(old) })
	for _, tc := range []struct {
		name string
		ev   Events
		logs records
	}{
		{"logger", struct{ Events }{SlogEvents(slog.New(events))}, events},
		{"nil", struct{ Events }{SlogEvents(nil)}, defaults},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := make(chan string, 100)
			p, logs := handlerListener(t, HandlerProtocol(func() Handler { return &script{calls: calls} }),
				ListenerOptions{NumAcceptors: 1, Events: tc.ev, SocketOptions: []socket.Option{socket.Packet(framing.Line)}})
			tc.logs.next(t, "listener started", "listener", p.addr())
			c := p.lineDial(t)
			c.ask(t, "hello")
			peer := c.LocalAddr().String()
			r := tc.logs.next(t, "connection accepted", "level", "INFO", "peer", peer, "acceptor", "1")
			if _, ok := r["listener"]; ok {
				t.Fatalf("an unbound SlogEvents names a listener: %v", r)
			}
			c.Close()
			tc.logs.next(t, "connection closed", "peer", peer)
			want(t, calls, "connection", "data:hello", "close")
			testkit.Bounded(t, "Stop", p.l.Stop)
			tc.logs.next(t, "listener stopped", "listener", p.addr())
			logs.none(t, "listener event hook panicked")
		})
	}
}
