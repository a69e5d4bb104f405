package ranch

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/supervisor"
)

// ConnectionAlarm is one of Ranch's connection alarms (the alarms
// transport option, of type num_connections): when a connection is
// admitted and the listener's connections reach Threshold, Callback is
// called, on a goroutine of its own, and then not again for Cooldown;
// at the end of the cooldown it goes off again at once if the
// connections are still at the threshold, as Ranch's does.
//
// Unlike Ranch's, which spawns a process at each alarm, an alarm's
// callbacks run one at a time: an alarm that goes off while its Callback
// still runs (with NoCooldown, at each connection admitted above the
// threshold) is coalesced, the callback called once more when it
// returns, with the latest event, so that a slow callback piles up no
// goroutines and a listener's connections are listed once per call, not
// once per connection. Stop and Drain wait for the callbacks that run to
// return, and call no more: a Callback must not call them on its own
// listener, which would wait for the callback (start a goroutine that
// does).
//
// Ranch counts the connections of each connection supervisor; here the
// count is the listener's, the one MaxConnections limits (connections
// taken out with RemoveConnection do not count), so that an alarm says a
// listener nears its limit.
type ConnectionAlarm struct {
	// Name names the alarm in its AlarmEvent; the alarms of a listener
	// have different names.
	Name string
	// Threshold is the number of connections at which the alarm goes off.
	Threshold int
	// Callback is called with the alarm's event; its return ends nothing.
	Callback func(AlarmEvent)
	// Cooldown is the least time between two calls (default 5 s, as
	// Ranch's); NoCooldown calls it at every connection admitted at or
	// above the threshold, as Ranch's cooldown 0.
	Cooldown time.Duration
}

// NoCooldown is a ConnectionAlarm's Cooldown of none (Ranch's cooldown =>
// 0): the zero Cooldown is the default, 5 s.
const NoCooldown time.Duration = -1

// defaultCooldown is Ranch's.
const defaultCooldown = 5 * time.Second

// AlarmEvent is what a ConnectionAlarm's Callback gets, Ranch's
// callback(Ref, AlarmName, ConnsSup, ActiveConns).
type AlarmEvent struct {
	Listener *Listener
	Alarm    string
	// ConnsSup is the connection supervisor of the connection admitted
	// last (Ranch's: the one whose count went off).
	ConnsSup *actor.PID
	// Count is the number of connections counted when the alarm went off.
	Count int
	// Connections are the handlers of the listener's connections, as
	// Connections returns them when the callback runs.
	Connections []*actor.PID
}

// alarmSet is a listener's alarms and their cooldowns.
type alarmSet struct {
	// some reports whether there are alarms, so that a listener without
	// them admits its connections without taking mu.
	some    atomic.Bool
	mu      sync.Mutex
	list    []*alarmState
	stopped bool
	calls   sync.WaitGroup // the callbacks that run, which stop waits for
}

// alarmState is an alarm and its cooldown: timer is running while the
// alarm cools down, nil while it is armed.
type alarmState struct {
	ConnectionAlarm
	timer *time.Timer
	round uint64 // counts the cooldowns, so that a stopped timer that fired anyway is ignored
	id    int    // the acceptor of the connection admitted last
	// running is set while a callback of the alarm runs, and next is the
	// call that went off meanwhile, made when it returns (a later one
	// takes its place).
	running bool
	next    *alarmCall
}

// alarmCall is a callback to call with its event.
type alarmCall struct {
	f  func(AlarmEvent)
	ev AlarmEvent
}

// checkAlarms validates alarms, and returns them with their defaults.
func checkAlarms(field string, alarms []ConnectionAlarm) ([]ConnectionAlarm, error) {
	out := make([]ConnectionAlarm, len(alarms))
	names := make(map[string]bool, len(alarms))
	for i, a := range alarms {
		f := field + "[" + strconv.Itoa(i) + "]"
		bad := func(sub string, v any, detail string) ([]ConnectionAlarm, error) {
			return nil, &supervisor.InvalidError{Field: f + "." + sub, Value: v, Reason: "bad_option", Detail: detail}
		}
		switch {
		case names[a.Name]:
			return bad("Name", a.Name, "names another alarm of the listener")
		case a.Threshold < 0:
			return bad("Threshold", a.Threshold, "must not be negative")
		case a.Callback == nil:
			return bad("Callback", nil, "must not be nil")
		case a.Cooldown < 0 && a.Cooldown != NoCooldown:
			return bad("Cooldown", a.Cooldown, "must not be negative (0 means 5s, NoCooldown means none)")
		case a.Cooldown == 0:
			a.Cooldown = defaultCooldown
		}
		names[a.Name] = true
		out[i] = a
	}
	return out, nil
}

// init makes alarms the listener's first, all armed.
func (a *alarmSet) init(alarms []ConnectionAlarm) {
	for _, al := range alarms {
		a.list = append(a.list, &alarmState{ConnectionAlarm: al})
	}
	a.some.Store(len(a.list) > 0)
}

// set makes alarms the listener's, Ranch's merge: an alarm of the same
// name and cooldown keeps its cooldown; the others are armed, and go off
// at once if the connections are at their threshold.
func (a *alarmSet) set(l *Listener, alarms []ConnectionAlarm) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old := make(map[string]*alarmState, len(a.list))
	for _, st := range a.list {
		old[st.Name] = st
	}
	list := make([]*alarmState, len(alarms))
	for i, al := range alarms {
		st := old[al.Name]
		switch {
		case st == nil:
			st = &alarmState{}
		case st.timer != nil && st.Cooldown != al.Cooldown:
			st.timer.Stop()
			st.timer = nil
		}
		delete(old, al.Name)
		st.ConnectionAlarm = al
		list[i] = st
	}
	for _, o := range old {
		// A removed alarm is disarmed for good: its timer may have fired
		// already, its cooled waiting for a.mu, and the new round tells
		// cooled that it is not its to end.
		if o.timer != nil {
			o.timer.Stop()
			o.timer = nil
		}
		o.round++
		o.next = nil
	}
	a.list = list
	a.some.Store(len(list) > 0)
	if a.stopped {
		return
	}
	_, n, _ := l.gate.counts()
	for _, st := range list {
		a.trigger(l, st, n)
	}
}

// admitted checks the alarms after acceptor id's connection was admitted.
func (a *alarmSet) admitted(l *Listener, id int) {
	if !a.some.Load() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.list) == 0 || a.stopped {
		return
	}
	_, n, _ := l.gate.counts()
	for _, st := range a.list {
		st.id = id
		a.trigger(l, st, n)
	}
}

// trigger sets off st if it is armed and n connections reach its
// threshold, and starts its cooldown. The caller holds a.mu.
func (a *alarmSet) trigger(l *Listener, st *alarmState, n int) {
	if st.timer != nil || n < st.Threshold {
		return
	}
	ev := AlarmEvent{Listener: l, Alarm: st.Name, Count: n}
	if st.id > 0 {
		if r := l.connsSupOf(st.id); r != nil {
			ev.ConnsSup = r.PID()
		}
	}
	call := &alarmCall{f: st.Callback, ev: ev}
	if st.running {
		st.next = call
	} else {
		st.running = true
		a.calls.Add(1)
		go a.call(l, st, call)
	}
	if st.Cooldown > 0 {
		st.round++
		round := st.round
		st.timer = time.AfterFunc(st.Cooldown, func() { a.cooled(l, st, round) })
	}
}

// call calls st's callbacks, c and those that go off meanwhile, one at a
// time. The connections are listed here, not where the alarm goes off: a
// connection supervisor (admitted) cannot ask the others, nor itself, for
// theirs, nor can a.mu be held meanwhile.
func (a *alarmSet) call(l *Listener, st *alarmState, c *alarmCall) {
	defer a.calls.Done()
	for c != nil {
		c.ev.Connections = l.Connections()
		c.f(c.ev)
		a.mu.Lock()
		c, st.next = st.next, nil
		if a.stopped {
			c = nil
		}
		st.running = c != nil
		a.mu.Unlock()
	}
}

// cooled ends st's cooldown: it goes off again if the connections are
// still at its threshold.
func (a *alarmSet) cooled(l *Listener, st *alarmState, round uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped || st.timer == nil || st.round != round {
		return
	}
	st.timer = nil
	if l.Status() == ListenerStopped {
		return
	}
	_, n, _ := l.gate.counts()
	a.trigger(l, st, n)
}

// stop ends the cooldowns for good, the listener has stopped, and waits
// for the callbacks that run.
func (a *alarmSet) stop() {
	a.mu.Lock()
	a.stopped = true
	for _, st := range a.list {
		if st.timer != nil {
			st.timer.Stop()
			st.timer = nil
		}
		st.next = nil
	}
	a.mu.Unlock()
	a.calls.Wait()
}

// SetAlarms replaces the listener's connection alarms at run time, as
// Ranch's set_transport_options does its alarms: an alarm that keeps its
// name and cooldown keeps its cooldown, the others are armed, and any
// armed alarm whose threshold the connections reach goes off at once.
// Bad alarms are a *supervisor.InvalidError naming the field, and change
// nothing.
func (l *Listener) SetAlarms(alarms []ConnectionAlarm) error {
	checked, err := checkAlarms("Alarms", alarms)
	if err != nil {
		return err
	}
	l.alarms.set(l, checked)
	return nil
}
