package ranch

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/tlspool"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// Unlimited, as ListenerOptions.MaxConnections or SetMaxConnections, lifts
// the limit on connections, Ranch's max_connections => infinity.
const Unlimited = math.MaxInt

// The defaults of ListenerOptions, Ranch's.
const (
	defaultNumAcceptors     = 10
	defaultMaxConnections   = 1024
	defaultHandshakeTimeout = 5 * time.Second
	defaultShutdown         = 5 * time.Second
)

var (
	// ErrHandshakeTimeout means that an accepted connection was not taken
	// by its connection supervisor within ListenerOptions.HandshakeTimeout
	// and was closed.
	ErrHandshakeTimeout = errors.New("handshake_timeout")
	// ErrDrainTimeout means that Drain's time ran out with connections
	// left; they were shut down with the listener.
	ErrDrainTimeout = errors.New("drain_timeout")
)

// ListenerOptions are a listener's transport options, Ranch's
// transport_opts(). The zero value of each field means its default.
type ListenerOptions struct {
	// Addr is the address to listen on, "HOST:PORT". An empty host listens
	// on every IPv4 address; port 0 picks a free port, which the listener
	// then keeps when it resumes or restarts. The default, "", is ":0".
	Addr string
	// SocketOptions are the listening socket's options, which accepted
	// sockets inherit. Ranch's defaults come first: Reuseaddr(true),
	// Backlog(1024), Nodelay(true), SendTimeout(30s) and
	// SendTimeoutClose(true); the IP of Addr overrides IP. An Active mode
	// is applied to each connection once its handler owns it: until then
	// it is passive. A HandlerProtocol's handlers take it as their first
	// mode ({active, once} if there is none), and set it once
	// HandleConnection returns.
	SocketOptions []socket.Option
	// NumAcceptors is the number of acceptors (default 10).
	NumAcceptors int
	// NumListenSockets is the number of listening sockets (default 1, at
	// most NumAcceptors), Ranch's num_listen_sockets: more than one listen
	// on the same address with SO_REUSEPORT, so that the kernel spreads
	// the connections over their accept queues, and acceptor i accepts
	// from socket (i mod NumListenSockets) + 1, as Ranch's. With more than
	// one the listener sets Reuseport(true) before SocketOptions (Ranch
	// leaves it to the user's socket options): a Reuseport(false) there
	// makes the second socket fail to listen, eaddrinuse. Port 0 picks a
	// port for the first, and the others listen on it.
	NumListenSockets int
	// MaxConnections is the most connections served at once (default
	// 1024; Unlimited for no limit). At the limit the acceptors stop
	// accepting, and clients wait in the kernel's backlog. Connections
	// taken out with RemoveConnection do not count.
	MaxConnections int
	// NumConnsSups is the number of connection supervisors (default
	// NumAcceptors); acceptor i hands its connections to supervisor
	// (i-1) mod NumConnsSups + 1.
	NumConnsSups int
	// HandshakeTimeout bounds how long an acceptor waits for its
	// connection supervisor to take an accepted connection (default 5 s);
	// one not taken by then is closed, and the acceptor accepts again.
	// With a PROXY header or TLS it bounds the two together too, before
	// that, in the connection's pending handshake, which holds no
	// acceptor.
	HandshakeTimeout time.Duration
	// Shutdown is how the connection supervisors stop the handlers
	// (default supervisor.Timeout(5 * time.Second), Ranch's shutdown =>
	// 5000).
	Shutdown supervisor.ShutdownPolicy
	// TLS makes the listener serve TLS, as Ranch's ranch_ssl: the
	// options of package socket/ssl (ssl.CertFile, ssl.KeyFile, ...; a
	// certificate is required). Each connection's handshake runs when it
	// is accepted, on a goroutine it borrows until its hand-off only,
	// bounded by HandshakeTimeout, while its acceptor accepts on (Ranch's
	// runs in the connection's process); one that fails (a timeout, a bad
	// certificate, a client that never finishes) closes its socket and
	// frees its slot, and reaches no protocol (an AcceptErrorEvent says
	// why). The protocol gets the socket underneath, which sends and
	// receives through TLS: its owner gets *ssl.SSL, *ssl.Closed,
	// *ssl.Error and *ssl.Passive, which a HandlerProtocol's Conn takes
	// as it takes TCP's. A bad certificate or key file fails the listen,
	// naming the file. ssl.HandshakeHello is refused: the pool runs each
	// handshake to its end, and would hand off sockets no one continues.
	TLS []ssl.Option
	// ProxyHeader makes the listener read a PROXY protocol header, version
	// 1 or 2 (package inet/proxyproto), at the start of each connection,
	// as Ranch's recv_proxy_header: for a listener behind a load balancer
	// or proxy that sends one (HAProxy's send-proxy and send-proxy-v2).
	// It is read before the TLS handshake, if any, and before the
	// hand-off, within HandshakeTimeout, on the goroutine the connection
	// borrows for its handshake, while its acceptor accepts on; a
	// connection whose header is missing, bad or late is closed, frees its
	// slot and reaches no protocol (an AcceptErrorEvent whose Err is a
	// *supervisor.Error with Op "proxy_header" says why). The bytes after
	// the header stay for the handler. A HandlerProtocol's Conn has the
	// header (Conn.Proxy) and its client's address (Conn.Peername), and
	// ConnectionEvent.Peer is the client's; a Protocol's Start has it as
	// ProxyHeader(ctx).
	ProxyHeader bool
	// Events receives the listener's events (default none; SlogEvents
	// logs them). A hook that panics is logged, and the listener goes on.
	Events Events
	// Logger is where the listener logs: a warning per failed accept
	// (out of file descriptors, ...), an error per handler that failed to
	// start. The default is the actor system's logger, which otpnet's
	// actor.NewSystem points at log/slog's default, warnings and above.
	Logger *slog.Logger
	// Alarms are Ranch's connection alarms: callbacks for when the
	// connections reach a threshold (see ConnectionAlarm; SetAlarms
	// changes them).
	Alarms []ConnectionAlarm
}

// check validates o and returns it with the defaults applied.
func (o ListenerOptions) check() (ListenerOptions, error) {
	bad := func(field string, v any, detail string) (ListenerOptions, error) {
		return o, &supervisor.InvalidError{Field: "ListenerOptions." + field, Value: v, Reason: "bad_option", Detail: detail}
	}
	if o.NumAcceptors < 0 {
		return bad("NumAcceptors", o.NumAcceptors, "must not be negative (0 means 10)")
	}
	if o.NumAcceptors == 0 {
		o.NumAcceptors = defaultNumAcceptors
	}
	if o.NumListenSockets < 0 || o.NumListenSockets > o.NumAcceptors {
		return bad("NumListenSockets", o.NumListenSockets, "must be from 1 to NumAcceptors (0 means 1)")
	}
	if o.NumListenSockets == 0 {
		o.NumListenSockets = 1
	}
	if o.MaxConnections < 0 {
		return bad("MaxConnections", o.MaxConnections, "must not be negative (0 means 1024, Unlimited means no limit)")
	}
	if o.MaxConnections == 0 {
		o.MaxConnections = defaultMaxConnections
	}
	if o.NumConnsSups < 0 {
		return bad("NumConnsSups", o.NumConnsSups, "must not be negative (0 means NumAcceptors)")
	}
	if o.NumConnsSups == 0 {
		o.NumConnsSups = o.NumAcceptors
	}
	for _, opt := range o.TLS {
		if tlspool.PausesHello(opt) {
			return bad("TLS", "ssl.HandshakeHello()", "must not pause the handshake: the pool runs each to its end, with no one to continue it (ssl.SNIHosts picks a certificate by SNI name)")
		}
	}
	if o.HandshakeTimeout < 0 {
		return bad("HandshakeTimeout", o.HandshakeTimeout, "must not be negative (0 means 5s)")
	}
	if o.HandshakeTimeout == 0 {
		o.HandshakeTimeout = defaultHandshakeTimeout
	}
	switch {
	case !o.Shutdown.IsValid():
		return bad("Shutdown", o.Shutdown, "must be BrutalKill, Infinity or Timeout(d), and a timeout must not be negative")
	case o.Shutdown == supervisor.ShutdownPolicy{}:
		o.Shutdown = supervisor.Timeout(defaultShutdown)
	}
	if o.Addr == "" {
		o.Addr = ":0"
	}
	if o.Events == nil {
		o.Events = NopEvents{}
	}
	alarms, err := checkAlarms("ListenerOptions.Alarms", o.Alarms)
	if err != nil {
		return o, err
	}
	o.Alarms = alarms
	return o, nil
}

// parseAddr splits a listener's address into its IP (invalid for any) and
// port, resolving a host name.
func parseAddr(addr string) (netip.Addr, int, error) {
	bad := func(detail string) (netip.Addr, int, error) {
		return netip.Addr{}, 0, &supervisor.InvalidError{Field: "ListenerOptions.Addr", Value: addr, Reason: "bad_option", Detail: detail}
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return bad("must be HOST:PORT")
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return bad("the port must be a number from 0 to 65535")
	}
	if host == "" {
		return netip.Addr{}, port, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if ip, err = inet.GetAddr(host, inet.Inet); err != nil {
			return netip.Addr{}, 0, err
		}
	}
	return ip, port, nil
}

// ListenerStatus is a listener's state, Ranch's get_status plus stopped.
type ListenerStatus int

const (
	// ListenerRunning listeners accept connections.
	ListenerRunning ListenerStatus = iota
	// ListenerSuspended listeners have closed their listening socket; their
	// connections go on.
	ListenerSuspended
	// ListenerStopped listeners are gone, with their connections.
	ListenerStopped
)

// String returns "running", "suspended" or "stopped".
func (s ListenerStatus) String() string {
	switch s {
	case ListenerRunning:
		return "running"
	case ListenerSuspended:
		return "suspended"
	case ListenerStopped:
		return "stopped"
	}
	return "ListenerStatus(" + strconv.Itoa(int(s)) + ")"
}

// Listener is a running acceptor pool, Ranch's listener: a listening
// socket (or NumListenSockets of them), acceptors that accept its
// connections, and connection
// supervisors under which a handler, started by the listener's Protocol,
// serves each connection as the owner of its socket.
//
// It is a supervision tree of package supervisor, Ranch's:
//
//	listener supervisor (RestForOne)
//	├── "conns" (OneForOne), Ranch's ranch_conns_sup_sup
//	│   └── "conns-1" ... (SimpleOneForOne of Temporary handlers, ListenerOptions.Shutdown)
//	└── "acceptors" (OneForOne), Ranch's ranch_acceptors_sup, owning the listening socket's life
//	    └── "acceptor-1" ... (BrutalKill)
//
// The connection supervisors start before the acceptors, so that under
// RestForOne the acceptors restart when their sink does, never the
// reverse. A crashing acceptor is restarted alone, and the connections go
// on; a crashing handler ends only its connection; the acceptors'
// supervisor may restart its acceptors 1 + ⌈log₂ NumAcceptors⌉ times in 5
// seconds, and then restarts with a new listening socket, on the same
// port.
//
// Each acceptor takes a slot from the listener's connection count before
// it accepts (see MaxConnections), accepts, and hands the socket, passive,
// to its connection supervisor, which starts the handler with the
// Protocol, counts it, and makes it the socket's owner
// (controlling_process). When accept fails, out of file descriptors
// (EMFILE, ENFILE) or otherwise, the acceptor logs a warning and waits
// about 100 ms: it never spins and never crashes.
//
// Multiple goroutines may invoke methods on a Listener simultaneously;
// Stop, Suspend, Resume and Drain take turns.
type Listener struct {
	sys    *actor.ActorSystem
	proto  Protocol
	opts   ListenerOptions // checked, defaults applied
	ip     netip.Addr      // Addr's IP; invalid for any
	active *socket.Mode    // the active mode to set after the hand-off, if any
	// packet is the packet type the sockets take after their PROXY header
	// is read, raw: the SocketOptions', when it is not raw and the
	// listener reads headers without TLS (a TLS socket is raw until its
	// handshake is done).
	packet *socket.Option
	// handlerMode is the first active mode of a HandlerProtocol's
	// handlers: Active's, or {active, once}.
	handlerMode socket.Mode
	log         *slog.Logger
	events      guardedEvents
	// logs is how the listener logs its failed accepts and handler
	// starts, unless its Events are a SlogEvents that logs them (quiet).
	logs   slogEvents
	quiet  bool
	gate   *gate
	alarms alarmSet

	sup       atomic.Pointer[supervisor.Ref] // the listener's supervisor, once started
	acceptors atomic.Pointer[supervisor.Ref] // the latest acceptors' supervisor
	connsSups []atomic.Pointer[supervisor.Ref]

	accepts, acceptErrors, startErrors atomic.Uint64

	ctl sync.Mutex // Stop, Suspend, Resume and Drain take turns

	mu        sync.Mutex
	addr      netip.AddrPort   // the bound address, once listening
	ls        []*socket.Socket // the listening sockets, while open
	lsClosed  chan struct{}    // closed once the latest listening socket is
	suspended bool
}

// StartListener starts a listener serving proto's connections with the
// options opts, Ranch's ranch:start_listener/5. The listener's supervisor
// is spawned from parent, as supervisor.Start's: system.Root, or the
// context of a supervisor.StartFunc to put the listener under a supervisor
// of yours (return l.Ref().PID() from it).
//
// It returns once the listening socket is open and the acceptors run.
// Bad options are a *supervisor.InvalidError naming the field; a socket
// that cannot listen is a *supervisor.Error whose Op is "start_listener"
// and that wraps the reason (errors.Is(err, inet.EADDRINUSE)).
func StartListener(parent actor.SpawnerContext, proto Protocol, opts ListenerOptions) (*Listener, error) {
	if parent == nil {
		return nil, &supervisor.InvalidError{Field: "parent", Reason: "badarg", Detail: "must be system.Root or an actor's context"}
	}
	if f, ok := proto.(ProtocolFunc); proto == nil || (ok && f == nil) {
		return nil, &supervisor.InvalidError{Field: "protocol", Reason: "badarg", Detail: "must not be nil"}
	}
	o, err := opts.check()
	if err != nil {
		return nil, err
	}
	ip, port, err := parseAddr(o.Addr)
	if err != nil {
		if _, ok := err.(*supervisor.InvalidError); ok {
			return nil, err
		}
		return nil, &supervisor.Error{Op: "start_listener", ID: o.Addr, Err: err}
	}
	sys := parent.ActorSystem()
	l := &Listener{
		sys:       sys,
		proto:     proto,
		opts:      o,
		ip:        ip,
		log:       o.Logger,
		gate:      newGate(o.MaxConnections),
		connsSups: make([]atomic.Pointer[supervisor.Ref], o.NumConnsSups),
	}
	if l.log == nil {
		l.log = sys.Logger()
	}
	l.logs = slogEvents{log: l.log, l: l}
	ev, quiet := bindEvents(o.Events, l)
	l.quiet = quiet
	l.events = guardedEvents{ev: ev, log: l.log}
	l.alarms.init(o.Alarms)
	for _, so := range o.SocketOptions {
		switch so.Name() {
		case socket.OptActive:
			m, _ := so.Value().(socket.Mode)
			l.active = &m
		case socket.OptPacket:
			if o.ProxyHeader && o.TLS == nil {
				p := so
				l.packet = &p
				if t, _ := so.Value().(framing.Type); t == framing.Raw {
					l.packet = nil
				}
			}
		}
	}
	l.handlerMode = socket.Once
	if l.active != nil {
		l.handlerMode = *l.active
	}
	if _, ok := proto.(*handlerProtocol); ok {
		if n, ok := l.handlerMode.Count(); ok && n < 1 {
			return nil, &supervisor.InvalidError{Field: "ListenerOptions.SocketOptions", Value: socket.Active(l.handlerMode),
				Reason: "bad_option", Detail: "a HandlerProtocol's {active, N} must have an N from 1 to 32767"}
		}
	}
	if l.active != nil && *l.active == socket.False {
		l.active = nil
	}
	any4 := ip
	if !any4.IsValid() {
		any4 = netip.IPv4Unspecified()
	}
	l.addr = netip.AddrPortFrom(any4, uint16(port))

	conns := supervisor.ChildSpec{ID: "conns", Type: supervisor.Supervisor, Start: l.startConnsSups}
	r, err := supervisor.StartWith(parent, supervisor.Flags{Strategy: supervisor.RestForOne},
		[]supervisor.ChildSpec{conns, l.acceptorsSpec()}, supervisor.Hooks{Name: l.supName})
	if err != nil {
		var se *supervisor.StartError
		if errors.As(err, &se) {
			err = se.Err
		}
		return nil, &supervisor.Error{Op: "start_listener", ID: o.Addr, Err: err}
	}
	l.sup.Store(r)
	return l, nil
}

// startConnsSups starts the supervisor of the connection supervisors,
// Ranch's ranch_conns_sup_sup.
func (l *Listener) startConnsSups(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
	n := len(l.connsSups)
	specs := make([]supervisor.ChildSpec, n)
	for i := range specs {
		specs[i] = l.connsSupSpec(i)
	}
	r, err := supervisor.Start(ctx, supervisor.Flags{Intensity: supervisor.MaxRestarts(1+ceilLog2(n), 5*time.Second)}, specs)
	if err != nil {
		return nil, err
	}
	return r.PID(), nil
}

// Ref returns the listener's supervisor, for its supervisor calls
// (WhichChildren, ...). It is nil until StartListener has returned.
func (l *Listener) Ref() *supervisor.Ref { return l.sup.Load() }

// Done returns a channel that is closed once the listener has stopped (nil
// before StartListener has returned).
func (l *Listener) Done() <-chan struct{} {
	if r := l.sup.Load(); r != nil {
		return r.Done()
	}
	return nil
}

// Addr returns the address the listener listens on, or listens on again
// when it resumes: with the port the system picked for port 0.
func (l *Listener) Addr() netip.AddrPort {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addr
}

// name is how the listener's errors name it: the address in use, with the
// port the system picked for port 0, not ListenerOptions.Addr.
func (l *Listener) name() string { return l.Addr().String() }

// supName is the name of the listener's supervisor in supervisor reports,
// which its child supervisors' names begin with: "listener ADDR".
func (l *Listener) supName() string { return "listener " + l.name() }

// Port returns the port the listener listens on, Ranch's get_port.
func (l *Listener) Port() int { return int(l.Addr().Port()) }

// Status returns whether the listener runs, is suspended, or has stopped.
func (l *Listener) Status() ListenerStatus {
	if r := l.sup.Load(); r != nil {
		select {
		case <-r.Done():
			return ListenerStopped
		default:
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.suspended {
		return ListenerSuspended
	}
	return ListenerRunning
}

func (l *Listener) isSuspended() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.suspended
}

// Stop stops the listener, Ranch's stop_listener: it closes the listening
// socket, stops the acceptors, then the handlers, each by the shutdown
// policy, and returns once they are all gone. Stopping a stopped listener
// fails with supervisor.ErrNoProc.
func (l *Listener) Stop() error {
	l.ctl.Lock()
	defer l.ctl.Unlock()
	return l.stop()
}

func (l *Listener) stop() error {
	r, err := l.ref("stop_listener")
	if err != nil {
		return err
	}
	err = r.Stop()
	l.alarms.stop()
	l.waitListenerClosed()
	if err != nil {
		return &supervisor.Error{Op: "stop_listener", ID: l.name(), Err: supervisor.ErrNoProc}
	}
	return nil
}

// ref returns the listener's supervisor, or, before StartListener has
// returned (from a Protocol's Start), an error for op.
func (l *Listener) ref(op string) (*supervisor.Ref, error) {
	if r := l.sup.Load(); r != nil {
		return r, nil
	}
	return nil, &supervisor.Error{Op: op, ID: l.name(), Err: supervisor.ErrNoProc}
}

// Suspend stops accepting, Ranch's suspend_listener: it stops the
// acceptors and closes the listening socket, so that new clients are
// refused, and returns once no acceptor runs. The connections go on.
// Suspending a suspended listener does nothing.
func (l *Listener) Suspend() error {
	l.ctl.Lock()
	defer l.ctl.Unlock()
	return l.suspend()
}

func (l *Listener) suspend() error {
	r, err := l.ref("suspend_listener")
	if err != nil {
		return err
	}
	l.mu.Lock()
	was := l.suspended
	l.suspended = true
	l.mu.Unlock()
	if err := r.TerminateChild("acceptors"); err != nil {
		return &supervisor.Error{Op: "suspend_listener", ID: l.name(), Err: supervisor.ErrNoProc}
	}
	if !was {
		l.waitListenerClosed()
	}
	return nil
}

// Resume listens again, on the same port, and starts the acceptors,
// Ranch's resume_listener. Resuming a running listener does nothing. If
// the socket cannot listen, the listener stays suspended and the error
// wraps the reason.
func (l *Listener) Resume() error {
	l.ctl.Lock()
	defer l.ctl.Unlock()
	r, err := l.ref("resume_listener")
	if err != nil {
		return err
	}
	l.mu.Lock()
	was := l.suspended
	l.suspended = false
	l.mu.Unlock()
	if !was {
		return nil
	}
	_, err = r.RestartChild("acceptors")
	if err == nil || errors.Is(err, supervisor.ErrRunning) {
		return nil
	}
	l.mu.Lock()
	l.suspended = true
	l.mu.Unlock()
	var e *supervisor.Error
	if errors.As(err, &e) {
		err = e.Err
	}
	return &supervisor.Error{Op: "resume_listener", ID: l.name(), Err: err}
}

// Drain stops the listener gracefully: it suspends it, waits until every
// handler has ended or timeout has passed, and stops it, shutting down the
// handlers that are left. It returns an error that wraps ErrDrainTimeout,
// and says how many were left, if any were. This is Ranch's connection
// draining: suspend_listener, wait_for_connections(Ref, '==', 0),
// stop_listener.
func (l *Listener) Drain(timeout time.Duration) error {
	l.ctl.Lock()
	defer l.ctl.Unlock()
	if err := l.suspend(); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	var err error
	select {
	case <-l.gate.whenIdle():
	case <-l.Done():
	case <-t.C:
		if _, _, all := l.gate.counts(); all > 0 {
			left := "1 connection"
			if all != 1 {
				left = strconv.Itoa(all) + " connections"
			}
			err = fmt.Errorf("supervisor: drain %q: %s left after %v: %w", l.name(), left, timeout, ErrDrainTimeout)
		}
	}
	if serr := l.stop(); err == nil && !errors.Is(serr, supervisor.ErrNoProc) {
		err = serr
	}
	return err
}

// SetMaxConnections changes the connection limit at run time, Ranch's
// set_max_connections: Unlimited lifts it, 0 stops accepting (acceptors
// whose accept is pending still take one connection each). A higher
// limit wakes as many waiting acceptors as it frees slots; a lower one
// closes no connection.
func (l *Listener) SetMaxConnections(n int) error {
	if n < 0 {
		return &supervisor.InvalidError{Field: "MaxConnections", Value: n, Reason: "badarg",
			Detail: "must not be negative (Unlimited means no limit)"}
	}
	l.gate.setMax(n)
	return nil
}

// RemoveConnection takes the connection that pid (a handler of l, usually
// the caller's ctx.Self()) serves out of the connection count, Ranch's
// ranch:remove_connection: it keeps running, supervised, but no longer
// counts against MaxConnections, and its slot goes to a waiting acceptor.
// Removing it again, or removing a PID that is not a handler, does
// nothing. As Ranch's, it asks the handler's connection supervisor and
// does not wait: the count falls once the supervisor has read the
// request, after the hand-off it may be running.
func (l *Listener) RemoveConnection(pid *actor.PID) {
	if pid == nil {
		return
	}
	for i := range l.connsSups {
		r := l.connsSups[i].Load()
		if r != nil && strings.HasPrefix(pid.Id, r.PID().Id+"/") {
			r.Send(&removeConn{pid: pid})
			return
		}
	}
}

// Connections returns the PIDs of the running handlers, in the order they
// started, Ranch's procs(Ref, connections): it asks each connection
// supervisor.
func (l *Listener) Connections() []*actor.PID {
	all := l.admissions()
	pids := make([]*actor.PID, len(all))
	for i := range all {
		pids[i] = all[i].pid
	}
	return pids
}

// admissions returns the running handlers and when they were admitted, in
// that order: it asks each connection supervisor.
func (l *Listener) admissions() []admission {
	var all []admission
	for i := range l.connsSups {
		r := l.connsSups[i].Load()
		if r == nil {
			continue
		}
		var theirs []admission
		err := r.Do(func(in supervisor.Inside) { theirs = l.connections(in) })
		if err == nil { // a supervisor that has stopped has none
			all = append(all, theirs...)
		}
	}
	slices.SortFunc(all, func(a, b admission) int { return cmp.Compare(a.start, b.start) })
	return all
}

// Acceptors returns the PIDs of the running acceptors, in acceptor order,
// Ranch's procs(Ref, acceptors); none while the listener is suspended.
func (l *Listener) Acceptors() []*actor.PID {
	r := l.acceptors.Load()
	if r == nil || l.isSuspended() {
		return nil
	}
	cs, err := r.WhichChildren()
	if err != nil {
		return nil
	}
	out := make([]*actor.PID, 0, len(cs))
	for _, c := range slices.Backward(cs) { // WhichChildren lists the last started first
		if c.PID != nil {
			out = append(out, c.PID)
		}
	}
	return out
}

// ListenerInfo describes a listener, Ranch's ranch:info/1.
type ListenerInfo struct {
	Status            ListenerStatus
	Addr              netip.AddrPort // as Addr returns it
	Listening         bool           // the listening socket is open
	MaxConnections    int            // Unlimited for no limit
	ActiveConnections int            // connections counted against MaxConnections
	AllConnections    int            // running handlers, removed ones included
	Accepts           uint64         // connections accepted
	AcceptErrors      uint64         // accepts that failed
	StartErrors       uint64         // accepted connections that no handler took
	NumAcceptors      int
	NumConnsSups      int
	NumListenSockets  int
	ListenSockets     int // listening sockets open: NumListenSockets, or 0 while suspended
}

// Info returns the listener's state and counters. As Ranch's
// count_connections, it asks each connection supervisor first, so a
// RemoveConnection made before the call (by a handler that then told its
// client) is in the counts.
func (l *Listener) Info() ListenerInfo {
	for i := range l.connsSups {
		if r := l.connsSups[i].Load(); r != nil {
			_ = r.Do(func(supervisor.Inside) {}) // a stopped one has read all it will
		}
	}
	max, active, all := l.gate.counts()
	info := ListenerInfo{
		Status:            l.Status(),
		MaxConnections:    max,
		ActiveConnections: active,
		AllConnections:    all,
		Accepts:           l.accepts.Load(),
		AcceptErrors:      l.acceptErrors.Load(),
		StartErrors:       l.startErrors.Load(),
		NumAcceptors:      l.opts.NumAcceptors,
		NumConnsSups:      l.opts.NumConnsSups,
		NumListenSockets:  l.opts.NumListenSockets,
	}
	l.mu.Lock()
	info.Addr, info.Listening, info.ListenSockets = l.addr, l.ls != nil, len(l.ls)
	l.mu.Unlock()
	return info
}
