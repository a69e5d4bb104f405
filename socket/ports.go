package socket

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
)

// The registry of live ports, for inet:i() (Ports, I) and the totals that
// metrics read (ReadTotals). It costs the data path nothing, and opening
// and closing a connection nothing measurable: the connections are the
// driver's registered handlers (driver.Pool.Sockets walks its slot
// table), the listening sockets, which the driver registers without a
// handler, are in a small set under one mutex taken at Listen and at
// their close, and a port that exits adds its counts to a few atomic
// totals, once.

// listening is the set of open listening sockets.
var listening struct {
	mu  sync.Mutex
	set map[*Socket]struct{}
}

// retired are the counts of the ports that have exited, so that the
// totals of the bytes and packets sent and received never go down.
var retired struct {
	recvOct, recvCnt, sendOct, sendCnt atomic.Uint64
}

// register adds a listening socket to the registry, once it is open.
func (s *Socket) register() {
	listening.mu.Lock()
	defer listening.mu.Unlock()
	if listening.set == nil {
		listening.set = make(map[*Socket]struct{})
	}
	listening.set[s] = struct{}{}
}

// retire takes a port that exits out of the registry: its counts go to
// the totals. The caller holds s.mu; the port exits once (takeMonitors).
func (s *Socket) retire() {
	r, w := &s.stats.recv, &s.stats.send
	retired.recvOct.Add(r.oct)
	retired.recvCnt.Add(r.cnt)
	retired.sendOct.Add(w.oct)
	retired.sendCnt.Add(w.cnt)
	if s.listener {
		listening.mu.Lock()
		delete(listening.set, s)
		listening.mu.Unlock()
	}
}

// live returns the open ports: the listening sockets, then the
// connections in the order of the driver's slots.
func live() []*Socket {
	listening.mu.Lock()
	out := make([]*Socket, 0, len(listening.set))
	for s := range listening.set {
		out = append(out, s)
	}
	listening.mu.Unlock()
	slices.SortFunc(out, func(a, b *Socket) int { return cmp.Compare(a.id, b.id) })
	pool, err := defaultPool()
	if err != nil {
		return out
	}
	for r := range pool.Sockets() {
		if p, ok := r.Handler.(*port); ok {
			out = append(out, (*Socket)(p))
		}
	}
	return out
}

// PortInfo is a live port as inet:i() shows it, and more: what
// inet:info/1 says of it, its addresses, its active mode and the bytes it
// holds.
type PortInfo struct {
	Socket   *Socket
	ID       uint32 // the N of #Port<0.N>
	Owner    *actor.PID
	Listener bool           // a listening socket
	Local    netip.AddrPort // inet:sockname; the zero value when it has none (a local socket)
	Peer     netip.AddrPort // inet:peername; the zero value when it has none (a listening socket)
	Active   Mode
	// States are inet:info's: "listen", "connected", "busy", "open", ...
	States []string
	// Stats are inet:getstat's; Stats.SendPend is the bytes queued to
	// send.
	Stats Stats
	// Buffered is the bytes read and not yet delivered: a partial packet,
	// or what a passive owner has not received yet.
	Buffered int
}

// Ports returns the live ports of the process, listening sockets first,
// with their owners, addresses, states and counters, the list inet:i()
// prints. Each port is read under its own lock, one after the other: the
// list is not one instant's, and a port opened or closed meanwhile may or
// may not be in it. It makes two system calls a port (its names): a
// caller that shows a few of many ports takes PortsNoAddrs and reads the
// addresses of those it shows.
func Ports() []PortInfo {
	out := PortsNoAddrs()
	for i := range out {
		out[i].ReadAddrs()
	}
	return out
}

// PortsNoAddrs is Ports without the ports' addresses (Local and Peer are
// the zero value), and without a system call.
func PortsNoAddrs() []PortInfo {
	socks := live()
	out := make([]PortInfo, 0, len(socks))
	for _, s := range socks {
		if pi, ok := s.portInfo(); ok {
			out = append(out, pi)
		}
	}
	return out
}

// ReadAddrs fills in p's Local and Peer (a listening socket has no peer),
// inet:sockname and inet:peername: two system calls. An address that
// cannot be read, as of a port that has closed since, is left the zero
// value.
func (p *PortInfo) ReadAddrs() {
	p.Local, _ = p.Socket.Sockname()
	if !p.Listener {
		p.Peer, _ = p.Socket.Peername()
	}
}

// portInfo reads what Ports shows of s, but its names; false if s is not
// open yet (an accept fills it in after the driver registers it) or no
// longer.
func (s *Socket) portInfo() (PortInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h == 0 || s.closed() {
		return PortInfo{}, false
	}
	info := s.infoLocked()
	return PortInfo{
		Socket: s, ID: s.id, Owner: s.owner, Listener: s.listener, Active: s.active,
		States: info.States, Stats: info.Counters, Buffered: len(s.buf),
	}, true
}

// Totals are the sums over the process's ports that metrics read
// (ReadTotals).
type Totals struct {
	Ports     int // live ports, listening sockets included
	Listening int // live listening sockets
	Passive   int // live connections in {active, false}
	Queued    uint64
	Buffered  uint64 // bytes read and not yet delivered (PortInfo.Buffered)
	// The bytes and the reads and sends of every port there has been,
	// live or exited (inet:getstat's recv_oct, recv_cnt, send_oct,
	// send_cnt): they never go down from one reading to the next, as
	// counters must not. A port that exits while they are read may be
	// missed by that reading, which then keeps a total at the last one
	// returned.
	RecvOct, RecvCnt, SendOct, SendCnt uint64
}

// ReadTotals sums the counters of the live ports and of those that have
// exited, under each port's lock in turn, without a system call: what a
// metrics scrape reads.
func ReadTotals() Totals {
	t := Totals{
		RecvOct: retired.recvOct.Load(), RecvCnt: retired.recvCnt.Load(),
		SendOct: retired.sendOct.Load(), SendCnt: retired.sendCnt.Load(),
	}
	if readTotalsHook != nil {
		readTotalsHook()
	}
	for _, s := range live() {
		s.mu.Lock()
		if s.h != 0 && !s.closed() {
			t.Ports++
			if s.listener {
				t.Listening++
			} else if !s.active.active() {
				t.Passive++
			}
			q, _ := s.pool().Queued(s.h)
			t.Queued += uint64(q)
			t.Buffered += uint64(len(s.buf))
			r, w := &s.stats.recv, &s.stats.send
			t.RecvOct, t.RecvCnt, t.SendOct, t.SendCnt = t.RecvOct+r.oct, t.RecvCnt+r.cnt, t.SendOct+w.oct, t.SendCnt+w.cnt
		}
		s.mu.Unlock()
	}
	// A port that exited after retired was read, and before its turn,
	// is in neither sum.
	t.RecvOct, t.RecvCnt = atLeast(&totalsRead.recvOct, t.RecvOct), atLeast(&totalsRead.recvCnt, t.RecvCnt)
	t.SendOct, t.SendCnt = atLeast(&totalsRead.sendOct, t.SendOct), atLeast(&totalsRead.sendCnt, t.SendCnt)
	return t
}

// totalsRead are the highest totals ReadTotals has returned.
var totalsRead struct {
	recvOct, recvCnt, sendOct, sendCnt atomic.Uint64
}

// readTotalsHook, when a test sets it, runs in ReadTotals once it has
// read the exited ports' counts, before it reads the live ports'.
var readTotalsHook func()

// atLeast raises *most to v if v is higher, and returns *most.
func atLeast(most *atomic.Uint64, v uint64) uint64 {
	for {
		m := most.Load()
		if v <= m || most.CompareAndSwap(m, v) {
			return max(m, v)
		}
	}
}

// I is inet:i(): it writes the table of the live ports to w, one line a
// port, in inet:i()'s columns (Port, Module, Recv, Sent, Owner, Local
// Address, Foreign Address, State, Type). The Module is OTP 25's:
// inet_tcp, inet6_tcp for an IPv6 socket, local_tcp for a local one.
// Addresses are numeric, where inet:i() looks up the host names; the
// Port is the N of #Port<0.N>.
func I(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "Port\tModule\tRecv\tSent\tOwner\tLocal Address\tForeign Address\tState\tType\t")
	for _, p := range Ports() {
		module, local, foreign := "inet_tcp", fmtAddr(p.Local), "*:*"
		if p.Peer.IsValid() {
			foreign = fmtAddr(p.Peer)
		}
		switch {
		case p.Local.Addr().Is6():
			module = "inet6_tcp"
		case !p.Local.IsValid():
			if name, err := p.Socket.SocknameLocal(); err == nil {
				module, local = "local_tcp", "local:"+string(name)
				if peer, err := p.Socket.PeernameLocal(); err == nil {
					foreign = "local:" + string(peer)
				}
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\t%s\t%s\tSTREAM\t\n", p.ID, module, p.Stats.RecvOct, p.Stats.SendOct,
			pidfmt.String(p.Owner), local, foreign, FormatStates(p.States))
	}
	return tw.Flush()
}

// fmtAddr formats a as inet:i() does, with * for the any address.
func fmtAddr(a netip.AddrPort) string {
	if !a.IsValid() {
		return " "
	}
	if a.Addr().IsUnspecified() {
		return fmt.Sprintf("*:%d", a.Port())
	}
	return a.String()
}

// FormatStates is inet:i()'s State column for a port's inet:info states,
// OTP 25's inet:fmt_status: "CONNECTED(O)", "ACCEPTING", "LN:O",
// "CONNECTED(B)", ... (the bound cases are of states this package does
// not report, but FormatStates answers for any, as OTP's does).
func FormatStates(states []string) string {
	sorted := slices.Sorted(slices.Values(states))
	// has reports whether sorted begins with prefix.
	has := func(prefix ...string) bool {
		return len(sorted) >= len(prefix) && slices.Equal(sorted[:len(prefix)], prefix)
	}
	switch {
	case has("accepting"):
		return "ACCEPTING"
	case has("bound", "busy", "connected"):
		return "CONNECTED(BB)"
	case has("bound", "connected"):
		return "CONNECTED(B)"
	case has("bound", "listen", "listening"):
		return "LISTENING"
	case has("bound", "listen"):
		return "LISTEN"
	case has("bound", "connecting"):
		return "CONNECTING"
	case slices.Equal(sorted, []string{"bound", "open"}):
		return "BOUND"
	case slices.Equal(sorted, []string{"connected", "open"}):
		return "CONNECTED(O)"
	case slices.Equal(sorted, []string{"open"}):
		return "IDLE"
	case len(sorted) == 0:
		return "CLOSED"
	}
	parts := make([]string, len(sorted))
	for i, st := range sorted {
		parts[i] = stateAbbrev(st)
	}
	return strings.Join(parts, ":")
}

// stateAbbrev is inet:fmt_status3: a state's abbreviation.
func stateAbbrev(st string) string {
	switch st {
	case "accepting":
		return "A"
	case "bound":
		return "BD"
	case "busy":
		return "BY"
	case "connected":
		return "CD"
	case "connecting":
		return "CG"
	case "listen":
		return "LN"
	case "listening":
		return "LG"
	case "open":
		return "O"
	case "selected":
		return "SD"
	}
	return strings.ToUpper(st)
}

// Counters are the socket's inet:getstat counters, which unlike GetStat
// it answers for a closed socket too: the counts it had when it closed,
// for the telemetry of a connection that has ended.
func (s *Socket) Counters() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statsLocked()
}
