package ranch

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/supervisor"
)

// alarmRecv is what a test alarm's callback reports.
type alarmRecv struct {
	name  string
	count int
	conns int
}

// alarmTo returns a callback that reports each alarm on ch.
func alarmTo(ch chan alarmRecv) func(AlarmEvent) {
	return func(e AlarmEvent) { ch <- alarmRecv{e.Alarm, e.Count, len(e.Connections)} }
}

// alarmPool starts a pool of one connection supervisor with alarms.
func alarmPool(t *testing.T, alarms ...ConnectionAlarm) *pool {
	t.Helper()
	return startPool(t, echoProto, ListenerOptions{NumConnsSups: 1, SocketOptions: echoOpts, Alarms: alarms})
}

// connected connects a client, and returns it once its handler has
// started.
func (p *pool) connected(t *testing.T) net.Conn {
	t.Helper()
	c := p.dial(t)
	p.ev.wait(t, "conn_start")
	return c
}

// Ranch's acceptor_SUITE misc_connection_alarms: an alarm goes off when
// the connections reach its threshold, without a cooldown at every
// connection admitted there, with one again at the end of each cooldown
// while they are still there, and not below it.
func TestMiscConnectionAlarms(t *testing.T) {
	alarms := make(chan alarmRecv, 1000)
	test1 := ConnectionAlarm{Name: "test1", Threshold: 2, Cooldown: NoCooldown, Callback: alarmTo(alarms)}
	test2 := ConnectionAlarm{Name: "test2", Threshold: 3, Cooldown: NoCooldown, Callback: alarmTo(alarms)}
	p := alarmPool(t, test1, test2)
	next := func() alarmRecv { t.Helper(); return testkit.Recv(t, alarms, "an alarm") }
	var clients []net.Conn
	connect := func() { t.Helper(); clients = append(clients, p.connected(t)) }

	connect()
	connect() // test1 goes off, and only it: a test1 of 1 would come first
	if a := next(); a != (alarmRecv{"test1", 2, 2}) {
		t.Fatalf("after 2 connections: %+v, want test1 at 2", a)
	}
	connect()
	got := map[string]alarmRecv{}
	for range 2 {
		a := next()
		got[a.name] = a
	}
	if got["test1"] != (alarmRecv{"test1", 3, 3}) || got["test2"] != (alarmRecv{"test2", 3, 3}) {
		t.Fatalf("after 3 connections: %+v, want test1 and test2 at 3", got)
	}

	// With a cooldown, both go off at once (at 3), then again at the end
	// of each cooldown.
	test1.Cooldown, test2.Cooldown = 100*time.Millisecond, 100*time.Millisecond
	if err := p.l.SetAlarms([]ConnectionAlarm{test1, test2}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seen["test1"] < 2 || seen["test2"] < 2 {
		a := next()
		if a.count != 3 {
			t.Fatalf("alarm %+v with 3 connections", a)
		}
		seen[a.name]++
	}

	// Below test2's threshold only test1 goes on, at 2.
	clients[2].Close()
	p.ev.wait(t, "conn_stop")
	for n := 0; n < 3; {
		switch a := next(); {
		case a.count == 3: // went off before the close
		case a != (alarmRecv{"test1", 2, 2}):
			t.Fatalf("alarm %+v with 2 connections", a)
		default:
			n++
		}
	}
	if err := p.l.SetAlarms([]ConnectionAlarm{test1, {Name: "bad", Callback: alarmTo(alarms), Threshold: -1}}); err == nil ||
		!strings.Contains(err.Error(), "Alarms[1].Threshold") {
		t.Errorf("SetAlarms with a negative threshold: %v", err)
	}
	clients[1].Close()
	clients[0].Close()
	p.ev.waitN(t, "conn_stop", 2)
	testkit.Bounded(t, "Stop", p.l.Stop)
	close(alarms)
	for a := range alarms {
		if a.count < 2 || (a.name == "test2" && a.count < 3) {
			t.Errorf("alarm %+v below its threshold", a)
		}
	}
}

// Bad alarms are an InvalidError naming the field.
func TestConnectionAlarmsBad(t *testing.T) {
	leaktest.Check(t)
	sys := testSystem(slog.New(slog.DiscardHandler))
	f := func(AlarmEvent) {}
	for _, c := range []struct {
		alarms []ConnectionAlarm
		field  string
	}{
		{[]ConnectionAlarm{{Name: "a", Threshold: 1}}, "ListenerOptions.Alarms[0].Callback"},
		{[]ConnectionAlarm{{Name: "a", Threshold: -1, Callback: f}}, "ListenerOptions.Alarms[0].Threshold"},
		{[]ConnectionAlarm{{Name: "a", Callback: f, Cooldown: -2}}, "ListenerOptions.Alarms[0].Cooldown"},
		{[]ConnectionAlarm{{Name: "a", Callback: f}, {Name: "a", Callback: f}}, "ListenerOptions.Alarms[1].Name"},
	} {
		l, err := StartListener(sys.Root, echoProto, ListenerOptions{Addr: "127.0.0.1:0", Alarms: c.alarms})
		var ie *supervisor.InvalidError
		if !errors.As(err, &ie) || ie.Field != c.field || l != nil {
			t.Errorf("alarms %+v: %v, want an InvalidError of %s", c.alarms, err, c.field)
		}
	}
}

// connEvents keeps the connection events whole.
type connEvents struct {
	NopEvents
	start, stop chan ConnectionEvent
}

func (e connEvents) ConnectionStart(ev ConnectionEvent) { e.start <- ev }
func (e connEvents) ConnectionStop(ev ConnectionEvent)  { e.stop <- ev }

// A connection's stop event is Thousand Island's: its duration and its
// socket's counters (recv_oct, send_oct); start and stop carry the
// hand-off's time. ConnectionInfos lists the connection meanwhile, from
// when it started.
func TestConnectionStopTelemetry(t *testing.T) {
	ev := connEvents{start: make(chan ConnectionEvent, 1), stop: make(chan ConnectionEvent, 1)}
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, Events: ev})
	c := p.dial(t)
	start := testkit.Recv(t, ev.start, "connection start")
	if start.Handshake <= 0 || start.Stats != (ConnectionEvent{}).Stats {
		t.Errorf("start %+v: want a hand-off time and no counters", start)
	}
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	infos := p.l.ConnectionInfos()
	if len(infos) != 1 || !infos[0].PID.Equal(start.PID) || infos[0].Started.IsZero() {
		t.Errorf("ConnectionInfos %+v, want the one of %v", infos, start.PID)
	}
	c.Close()
	stop := testkit.Recv(t, ev.stop, "connection stop")
	if !stop.PID.Equal(start.PID) || stop.Stats.RecvOct != 5 || stop.Stats.SendOct != 5 || stop.Stats.SendCnt != 1 ||
		stop.Duration <= 0 || stop.Handshake != start.Handshake || stop.Peer != start.Peer {
		t.Errorf("stop %+v after start %+v: want 5 bytes each way", stop, start)
	}
}

// TeeEvents passes each event to each hook in turn, and binds a
// SlogEvents among them to the listener, as the listener's Events alone.
func TestTeeEvents(t *testing.T) {
	rec := newRecorder()
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, Events: TeeEvents(SlogEvents(nil), nil, rec)})
	c := p.dial(t)
	rec.wait(t, "conn_start")
	c.Close()
	rec.wait(t, "conn_stop") // after SlogEvents' line: the hooks run in turn
	if p.log.Count("INFO connection closed") != 1 || p.log.Count("panicked") != 0 {
		t.Errorf("logs: %v", p.log.Lines())
	}
	p.ev.none(t, "conn_stop") // the pool's own recorder is not among the hooks
}

// A hook of a TeeEvents that panics hides the event from none of the
// hooks after it: each is guarded on its own, and each panic logged.
func TestTeeEventsPanic(t *testing.T) {
	rec := newRecorder()
	p := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, Events: TeeEvents(panicky{}, rec)})
	c := p.dial(t)
	rec.wait(t, "accept")
	rec.wait(t, "conn_start")
	c.Close()
	rec.wait(t, "conn_stop")
	if n := p.log.Count("listener event hook panicked"); n != 2 {
		t.Errorf("%d hook panics logged, want 2: %v", n, p.log.Lines())
	}
}

// An alarm that SetAlarms removes does not go off again: not even when its
// cooldown's timer has fired and waits for the alarms' lock as SetAlarms
// removes it (the test calls cooled as that timer would, once SetAlarms
// has returned).
func TestConnectionAlarmRemovedWhileCooling(t *testing.T) {
	alarms := make(chan alarmRecv, 10)
	gone := ConnectionAlarm{Name: "gone", Threshold: 1, Cooldown: time.Hour, Callback: alarmTo(alarms)}
	p := alarmPool(t, gone)
	c := p.connected(t)
	if a := testkit.Recv(t, alarms, "an alarm"); a != (alarmRecv{"gone", 1, 1}) {
		t.Fatalf("after 1 connection: %+v, want gone at 1", a)
	}
	p.l.alarms.mu.Lock()
	st, round := p.l.alarms.list[0], p.l.alarms.list[0].round
	p.l.alarms.mu.Unlock()
	if err := p.l.SetAlarms(nil); err != nil {
		t.Fatal(err)
	}
	p.l.alarms.cooled(p.l, st, round) // the removed alarm's timer, late
	p.l.alarms.mu.Lock()
	rearmed := st.timer != nil
	p.l.alarms.mu.Unlock()
	if rearmed {
		t.Error("the removed alarm went off again and cools down")
	}
	c.Close()
	p.ev.wait(t, "conn_stop")
	testkit.Bounded(t, "Stop", p.l.Stop)
	select {
	case a := <-alarms:
		t.Errorf("the removed alarm went off: %+v", a)
	default:
	}
}

// An alarm's callbacks run one at a time: those that go off while one
// runs (NoCooldown, a connection admitted at each) make one call more,
// with the latest count, when it returns. Stop waits for a callback that
// runs, and calls none after.
func TestConnectionAlarmCallbacksOneAtATime(t *testing.T) {
	var (
		mu       sync.Mutex
		order    []string
		counts   = make(chan int, 10)      // a call has begun, at this count
		proceed  = make(chan struct{}, 10) // a call may return
		returned = make(chan struct{}, 10) // a call has returned
	)
	log := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }
	slow := ConnectionAlarm{Name: "slow", Threshold: 1, Cooldown: NoCooldown, Callback: func(e AlarmEvent) {
		counts <- e.Count
		<-proceed
		log("callback " + strconv.Itoa(e.Count))
		returned <- struct{}{}
	}}
	p := alarmPool(t, slow)
	var clients []net.Conn
	connect := func() { t.Helper(); clients = append(clients, p.connected(t)) }
	connect()
	if n := testkit.Recv(t, counts, "the first call"); n != 1 {
		t.Fatalf("first call at %d connections, want 1", n)
	}
	for range 3 { // each goes off while the first call runs
		connect()
	}
	proceed <- struct{}{}
	if n := testkit.Recv(t, counts, "the coalesced call"); n != 4 {
		t.Fatalf("second call at %d connections, want 4", n)
	}
	proceed <- struct{}{}
	testkit.Recv(t, returned, "the first call's return")
	testkit.Recv(t, returned, "the second call's return")

	// Stop while a call runs: it returns after it.
	connect()
	if n := testkit.Recv(t, counts, "the third call"); n != 5 {
		t.Fatalf("third call at %d connections, want 5", n)
	}
	stopped := make(chan error, 1)
	go func() { err := p.l.Stop(); log("Stop returned"); stopped <- err }()
	testkit.Until(t, "Stop under way", func() bool {
		p.l.alarms.mu.Lock()
		defer p.l.alarms.mu.Unlock()
		return p.l.alarms.stopped
	})
	proceed <- struct{}{}
	if err := testkit.Recv(t, stopped, "Stop"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"callback 1", "callback 4", "callback 5", "Stop returned"}; !slices.Equal(order, want) {
		t.Errorf("calls %q, want %q", order, want)
	}
	select {
	case n := <-counts:
		t.Errorf("a call at %d connections after Stop", n)
	default:
	}
	for _, c := range clients {
		c.Close()
	}
}
