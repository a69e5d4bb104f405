package actor

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// Monitor is told, by Down, that a process it monitors (MonitorPID) has
// gone: an actor has stopped, or a Process has closed. It is Erlang's
// 'DOWN' message, as a call: the monitor value is the caller's own, so
// that, say, a socket's port can be the monitor of its owner with nothing
// allocated for it.
//
// Down is called once per MonitorPID that reported the target alive and
// was not taken back, with no lock held, from the goroutine that ran the
// target actor's last system message (the one in which protoactor took it
// out of its registry) or closed the Process; for a PID watched through
// protoactor (see MonitorPID), the goroutine that delivers its Terminated
// (the same for a local actor), or a goroutine of its own when the
// Terminated comes while a MonitorPID call of that PID is under way;
// never the goroutine of a MonitorPID call. who is the target's PID. A
// Down may call MonitorPID and DemonitorPID, for its target or any other,
// and must not block: it holds up that goroutine, the stopping actor's.
type Monitor interface{ Down(who *actor.PID) }

var errNilMonitor = errors.New("actor: nil monitor")

// MonitorPID asks that mon be told (Down) when the actor or Process at pid
// stops, as Erlang's monitor(process, Pid) asks for a 'DOWN' message: it
// is the callback form of monitor/2, which queues no message (OnExit is
// the same for a func). The message form, an *actor.Terminated in the
// mailbox, is Process.Watch, or an actor's ctx.Watch.
//
// MonitorPID reports alive false when pid is already gone, or goes before
// it returns: then Down is never called, and the caller acts on it at
// once, under its own locks if need be. (That is the rule for a monitor
// that came too late; Erlang sends 'DOWN' with reason noproc at once
// instead.)
//
// MonitorPID never runs a Down on its calling goroutine, neither mon's
// nor another monitor's, so it may be called under a lock that a Down
// takes (a socket's port monitors its owner under its own lock). The one
// case where protoactor answers on the calling goroutine, the first watch
// of a PID that goes as it is watched (its dead letters answer the Watch
// with Terminated at once), tells the other monitors of that PID, if some
// came meanwhile, from a goroutine of their own.
//
// Monitoring costs the target, if it is a Process or an actor spawned
// with WithOwnerMailbox, a place in its set of monitors: nothing is
// allocated for the first, nothing is registered, and no goroutine waits.
// Any other PID (an actor with protoactor's default mailbox, a remote
// one) is watched through protoactor's Watch and Terminated by a small
// process registered in the actor system, without a goroutine, shared by
// all the monitors of that PID and gone with them or with the target.
//
// Monitoring twice with the same mon makes two monitors, each told and
// taken back on its own. A protoactor restart keeps the actor's PID and
// mailbox: it is no stop, and monitors are not told. MonitorPID fails only
// for a nil system, pid or mon, or a mon whose type is not comparable
// (DemonitorPID finds it by ==).
func MonitorPID(system *actor.ActorSystem, pid *actor.PID, mon Monitor) (alive bool, err error) {
	if err := checkMonitor(system, pid, mon); err != nil {
		return false, err
	}
	ref, ok := system.ProcessRegistry.Get(pid)
	if !ok {
		return false, nil
	}
	if r, ok := ref.(*registered); ok {
		return (*Process)(r).monitor(mon), nil
	}
	if m := mailboxOfRef(system, pid, ref, !fastPath.Load()); m != nil {
		return m.monitor(mon), nil
	}
	return watchPID(system, pid, mon), nil
}

// DemonitorPID takes back a MonitorPID of mon on pid, as Erlang's
// demonitor/1 does; it does nothing if there is none. A Down already on
// its way may still come: the target may have stopped before the call,
// and its Down is being delivered, or the target's mailbox is still
// telling its monitors when it is found gone. A monitor that cares
// compares who with what it monitors now, under its own lock.
func DemonitorPID(system *actor.ActorSystem, pid *actor.PID, mon Monitor) {
	if checkMonitor(system, pid, mon) != nil {
		return
	}
	if ref, ok := system.ProcessRegistry.Get(pid); ok {
		if r, ok := ref.(*registered); ok {
			(*Process)(r).demonitor(mon)
			return
		}
		if m := mailboxOfRef(system, pid, ref, !fastPath.Load()); m != nil {
			m.demonitor(mon)
			return
		}
	}
	unwatchPID(system, pid, mon)
}

// checkMonitor checks MonitorPID's arguments.
func checkMonitor(system *actor.ActorSystem, pid *actor.PID, mon Monitor) error {
	switch {
	case system == nil:
		return errNilSystem
	case pid == nil:
		return errNilPID
	case mon == nil:
		return errNilMonitor
	case !reflect.TypeOf(mon).Comparable():
		return fmt.Errorf("actor: monitor of type %T is not comparable", mon)
	}
	return nil
}

// OnExit calls f once when the actor or Process at pid stops, as a link to
// it would; cancel stops waiting, if f has not been called. It is
// MonitorPID with f as the monitor (see there for what it costs the
// target), and f runs as Down does: on the goroutine that ran the stopping
// actor's last system message, or that closes the Process, with no lock
// held. It must not block. If pid is already gone, f runs before OnExit
// returns, so the caller must not hold a lock that f takes. OnExit fails
// only for a nil system, pid or f.
func OnExit(system *actor.ActorSystem, pid *actor.PID, f func()) (cancel func(), err error) {
	if f == nil {
		return nil, errNilFunc
	}
	e := &exitFunc{f}
	alive, err := MonitorPID(system, pid, e)
	if err != nil {
		return nil, err
	}
	if !alive {
		f()
		return func() {}, nil
	}
	return func() { DemonitorPID(system, pid, e) }, nil
}

// exitFunc is a func as a Monitor. A pointer, so that each is its own
// monitor.
type exitFunc struct{ f func() }

func (e *exitFunc) Down(*actor.PID) { e.f() }

// monitors are the monitors of an owner mailbox, a Process or a watched
// PID: none, one (kept inline: a socket's port is most owners' only
// monitor), or a *monitorSet. Guarded by its owner's lock.
type monitors struct{ m Monitor }

func (ms *monitors) add(mon Monitor) {
	switch cur := ms.m.(type) {
	case nil:
		ms.m = mon
	case *monitorSet:
		*cur = append(*cur, mon)
	default:
		ms.m = &monitorSet{cur, mon}
	}
}

// remove takes out one registration of mon, the latest.
func (ms *monitors) remove(mon Monitor) {
	switch cur := ms.m.(type) {
	case *monitorSet:
		for i := len(*cur) - 1; i >= 0; i-- {
			if (*cur)[i] == mon {
				*cur = slices.Delete(*cur, i, i+1)
				break
			}
		}
		if len(*cur) == 0 {
			ms.m = nil
		}
	default:
		if cur == mon {
			ms.m = nil
		}
	}
}

// take returns the monitors, all as one, and forgets them; nil if none.
func (ms *monitors) take() Monitor {
	mon := ms.m
	ms.m = nil
	return mon
}

// monitorSet is the monitors of a target that has more than one, in the
// order they came.
type monitorSet []Monitor

// Down tells each monitor of the set in reverse order, the latest first,
// as deferred calls run (a hook may rely on what an earlier one tears
// down).
func (set *monitorSet) Down(who *actor.PID) {
	for _, mon := range slices.Backward(*set) {
		mon.Down(who)
	}
}

// tell tells mon, taken from a monitors, that who has gone.
func tell(mon Monitor, who *actor.PID) {
	if mon != nil {
		mon.Down(who)
	}
}

// pidWatch watches, for its monitors, a PID that keeps no monitors of its
// own: registered in the actor system as a process, without a goroutine,
// it is the watcher in the target's protoactor Watch, and tells its
// monitors when the target's Terminated comes. One serves all the
// monitors of a PID; it leaves the registry, and watches, when it has
// told them or the last is taken back.
type pidWatch struct {
	key    watchKey
	target *actor.PID
	self   *actor.PID

	mu       sync.Mutex
	monitors monitors
	arming   int // MonitorPID calls on their way to add a monitor
	state    watchState
}

// watchState is where a pidWatch is: watching, then watchTold (the target
// is gone) or watchClosed (no monitor left), both final and out of
// watches.
type watchState int8

const (
	watching watchState = iota
	watchTold
	watchClosed
)

// watches are the pidWatches, by the PID they watch.
var watches struct {
	mu sync.Mutex
	m  map[watchKey]*pidWatch
}

type watchKey struct {
	system      *actor.ActorSystem
	address, id string
}

var _ actor.Process = (*pidWatch)(nil)

// watchPID adds mon to the pidWatch of pid, made and registered if there
// is none, and reports whether pid was still alive then.
func watchPID(system *actor.ActorSystem, pid *actor.PID, mon Monitor) bool {
	key := watchKey{system, pid.Address, pid.Id}
	for {
		watches.mu.Lock()
		w := watches.m[key]
		made := w == nil
		if made {
			w = &pidWatch{key: key, target: pid, arming: 1}
			for {
				id := "monitor" + system.ProcessRegistry.NextId()
				if self, ok := system.ProcessRegistry.Add(w, id); ok {
					w.self = self
					break
				}
			}
			if watches.m == nil {
				watches.m = make(map[watchKey]*pidWatch)
			}
			watches.m[key] = w
		}
		watches.mu.Unlock()
		if made {
			// A target gone already (or as this is posted, with a
			// synchronous dispatcher) answers with Terminated at once, on
			// this goroutine: w is told, and this call reports it gone
			// (the others are told apart: SendSystemMessage).
			sendSystem(system, pid, &actor.Watch{Watcher: w.self})
		}
		w.mu.Lock()
		if made {
			w.arming--
		}
		switch w.state {
		case watchTold:
			w.mu.Unlock()
			return false
		case watchClosed: // emptied as it was found: it left watches, so make another
			w.mu.Unlock()
			continue
		}
		w.monitors.add(mon)
		w.mu.Unlock()
		return true
	}
}

// unwatchPID takes mon out of the pidWatch of pid, if there is one, and
// closes it if that was the last of its monitors.
func unwatchPID(system *actor.ActorSystem, pid *actor.PID, mon Monitor) {
	watches.mu.Lock()
	w := watches.m[watchKey{system, pid.Address, pid.Id}]
	watches.mu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	w.monitors.remove(mon)
	if w.state != watching || w.monitors.m != nil || w.arming > 0 {
		w.mu.Unlock()
		return
	}
	w.end(watchClosed)
	w.mu.Unlock()
	system.ProcessRegistry.Remove(w.self)
	// w's PID is its own: a Watch by a pidWatch made since for the same
	// target is not undone by this.
	sendSystem(system, w.target, &actor.Unwatch{Watcher: w.self})
}

// end moves w to its final state, and out of watches, so that a
// MonitorPID that finds it there afterwards finds it ended. w.mu is held.
func (w *pidWatch) end(state watchState) {
	w.state = state
	watches.mu.Lock()
	if watches.m[w.key] == w {
		delete(watches.m, w.key)
	}
	watches.mu.Unlock()
}

// SendUserMessage drops user messages: a pidWatch only watches.
func (w *pidWatch) SendUserMessage(*actor.PID, any) {}

// SendSystemMessage tells the monitors on the target's Terminated. It
// watches one PID, so any Terminated is that one's.
func (w *pidWatch) SendSystemMessage(_ *actor.PID, msg any) {
	if _, ok := msg.(*actor.Terminated); !ok {
		return
	}
	w.mu.Lock()
	if w.state != watching {
		w.mu.Unlock()
		return
	}
	w.end(watchTold)
	mon := w.monitors.take()
	// While a MonitorPID arms the watch, this may be its goroutine, whose
	// caller may hold a lock that a Down takes: the monitors that came
	// meanwhile are told from a goroutine of their own.
	apart := w.arming > 0
	w.mu.Unlock()
	w.key.system.ProcessRegistry.Remove(w.self)
	switch {
	case mon == nil:
	case apart:
		go tell(mon, w.target)
	default:
		tell(mon, w.target)
	}
}

// Stop does nothing: a pidWatch ends when its target does, or when its
// last monitor is taken back.
func (w *pidWatch) Stop(*actor.PID) {}
