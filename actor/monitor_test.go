package actor

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// recorder is a Monitor that writes its Downs to a log, under its name,
// and passes them on a channel.
type recorder struct {
	log  *eventLog
	name string
	ch   chan *actor.PID
}

func newRecorder(log *eventLog, name string) *recorder {
	return &recorder{log, name, make(chan *actor.PID, 4)}
}

func (r *recorder) Down(who *actor.PID) {
	r.log.add("down "+r.name, nil)
	r.ch <- who
}

// wait returns the PID of the next Down, failing t if none comes.
func (r *recorder) wait(t *testing.T) *actor.PID {
	t.Helper()
	return testkit.Recv(t, r.ch, "Down to monitor "+r.name)
}

// none fails t if r has been told.
func (r *recorder) none(t *testing.T) {
	t.Helper()
	if n := len(r.ch); n != 0 {
		t.Fatalf("monitor %s: %d Downs, want none", r.name, n)
	}
}

// targetKind is a kind of process to monitor: start starts one in system,
// which logs "stopped" to log as its last act, and stop stops it and
// returns once it is down.
type targetKind struct {
	name  string
	fast  bool // monitored through its own queue, not a pidWatch
	start func(system *actor.ActorSystem, log *eventLog) (pid *actor.PID, stop func())
}

// actorKind is an actor with the mailbox of opts.
func actorKind(name string, fast bool, opts ...actor.PropsOption) targetKind {
	return targetKind{name, fast, func(system *actor.ActorSystem, log *eventLog) (*actor.PID, func()) {
		pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if _, ok := ctx.Message().(*actor.Stopped); ok {
				log.add("stopped", nil)
			}
		}, opts...))
		return pid, func() { system.Root.StopFuture(pid).Wait() }
	}}
}

var targetKinds = []targetKind{
	actorKind("owner mailbox", true, WithOwnerMailbox()),
	actorKind("default mailbox", false),
	{"process", true, func(system *actor.ActorSystem, log *eventLog) (*actor.PID, func()) {
		p, _ := NewProcess(system)
		return p.PID(), func() {
			log.add("stopped", nil) // its last act
			p.Close()
		}
	}},
}

// eachTarget runs f for each kind of target, an owner mailbox's actor
// with both lookups.
func eachTarget(t *testing.T, f func(t *testing.T, k targetKind)) {
	for _, k := range targetKinds {
		t.Run(k.name, func(t *testing.T) {
			if k.name == "owner mailbox" {
				lookups(t, func(t *testing.T) { f(t, k) })
				return
			}
			f(t, k)
		})
	}
}

// watchCount counts the pidWatches of system, in watches and in its
// registry.
func watchCount(system *actor.ActorSystem) (inWatches, registered int) {
	watches.mu.Lock()
	for k := range watches.m {
		if k.system == system {
			inWatches++
		}
	}
	watches.mu.Unlock()
	for _, m := range system.ProcessRegistry.LocalPIDs.LocalPIDs {
		for _, id := range m.Keys() {
			if strings.HasPrefix(id, "monitor") {
				registered++
			}
		}
	}
	return inWatches, registered
}

// noWatches fails t if system has a pidWatch left.
func noWatches(t *testing.T, system *actor.ActorSystem) {
	t.Helper()
	if w, r := watchCount(system); w != 0 || r != 0 {
		t.Fatalf("%d pidWatches in watches, %d registered; want none", w, r)
	}
}

// A monitor is told once, after the target's last act, with its PID; a
// target that is gone cannot be monitored. Only a target with no queue of
// its own costs a pidWatch, while it is monitored.
func TestMonitorPID(t *testing.T) {
	eachTarget(t, func(t *testing.T, k targetKind) {
		system := NewSystem()
		log := &eventLog{}
		pid, stop := k.start(system, log)
		mon := newRecorder(log, "m")
		if alive, err := MonitorPID(system, pid, mon); !alive || err != nil {
			t.Fatalf("MonitorPID = %v, %v; want true, nil", alive, err)
		}
		if w, r := watchCount(system); k.fast && (w != 0 || r != 0) || !k.fast && (w != 1 || r != 1) {
			t.Fatalf("%d pidWatches in watches, %d registered", w, r)
		}
		stop()
		if who := mon.wait(t); !who.Equal(pid) {
			t.Fatalf("Down(%v), want Down(%v)", who, pid)
		}
		if got, want := log.Take(), []string{"stopped", "down m"}; !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		noWatches(t, system)
		if alive, err := MonitorPID(system, pid, mon); alive || err != nil {
			t.Fatalf("MonitorPID of a stopped target = %v, %v; want false, nil", alive, err)
		}
		noWatches(t, system)
		DemonitorPID(system, pid, mon) // after the stop: nothing to take back
		mon.none(t)
	})
}

// Monitors that are taken back before the target stops are not told; the
// others are told once each, the latest registration first, whether one
// monitor is registered twice or many share a target; taking back the
// last removes the pidWatch.
func TestMonitorPIDMany(t *testing.T) {
	eachTarget(t, func(t *testing.T, k targetKind) {
		system := NewSystem()
		log := &eventLog{}
		pid, stop := k.start(system, log)
		mons := make([]*recorder, 5)
		for i := range mons {
			mons[i] = newRecorder(log, string(rune('a'+i)))
			if alive, _ := MonitorPID(system, pid, mons[i]); !alive {
				t.Fatalf("MonitorPID %d: not alive", i)
			}
		}
		MonitorPID(system, pid, mons[2]) // twice: told twice, unless taken back
		if w, _ := watchCount(system); !k.fast && w != 1 {
			t.Fatalf("%d pidWatches for one target, want 1", w)
		}
		DemonitorPID(system, pid, mons[1])
		DemonitorPID(system, pid, mons[3])
		DemonitorPID(system, pid, mons[3]) // once too many: nothing
		stop()
		for _, i := range []int{0, 2, 2, 4} {
			mons[i].wait(t)
		}
		if got, want := log.Take(), []string{"stopped", "down c", "down e", "down c", "down a"}; !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		for _, m := range mons {
			m.none(t)
		}
		noWatches(t, system)

		// All taken back: no Down, and no pidWatch left while the target lives.
		pid, stop = k.start(system, log)
		for _, m := range mons[:2] {
			MonitorPID(system, pid, m)
		}
		for _, m := range mons[:2] {
			DemonitorPID(system, pid, m)
		}
		noWatches(t, system)
		stop()
		if got, want := log.Take(), []string{"stopped"}; !slices.Equal(got, want) {
			t.Fatalf("events %q, want %q", got, want)
		}
		for _, m := range mons {
			m.none(t)
		}
	})
}

// downCall is a Monitor that calls f in Down.
type downCall struct{ f func(who *actor.PID) }

func (d *downCall) Down(who *actor.PID) { d.f(who) }

// Down runs with no lock held: it can monitor the target again (too late:
// not alive), take itself back, and monitor another target, whatever the
// kinds.
func TestMonitorPIDFromDown(t *testing.T) {
	eachTarget(t, func(t *testing.T, k targetKind) {
		for _, other := range targetKinds {
			system := NewSystem()
			log := &eventLog{}
			pid, stop := k.start(system, log)
			next, stopNext := other.start(system, log)
			nextMon := newRecorder(log, "next")
			done := make(chan struct{})
			var again, nextAlive bool
			mon := &downCall{}
			mon.f = func(who *actor.PID) {
				defer close(done)
				again, _ = MonitorPID(system, who, nextMon)
				DemonitorPID(system, who, mon)
				nextAlive, _ = MonitorPID(system, next, nextMon)
			}
			MonitorPID(system, pid, mon)
			stop()
			testkit.Recv(t, done, "Down, then "+other.name)
			if again || !nextAlive {
				t.Fatalf("then %s: from Down, MonitorPID of the stopped target = %v, of a live one = %v", other.name, again, nextAlive)
			}
			stopNext()
			nextMon.wait(t)
			nextMon.none(t)
			noWatches(t, system)
		}
	})
}

// Monitoring a target with a queue of its own allocates nothing and
// registers nothing, and taking it back leaves nothing; any other target
// costs one pidWatch, registered, for as long as it is monitored.
func TestMonitorPIDFastPath(t *testing.T) {
	eachTarget(t, func(t *testing.T, k targetKind) {
		system := NewSystem()
		pid, stop := k.start(system, &eventLog{})
		defer stop()
		mon := newRecorder(&eventLog{}, "m")
		if alive, err := MonitorPID(system, pid, mon); !alive || err != nil {
			t.Fatalf("MonitorPID = %v, %v", alive, err)
		}
		w, r := watchCount(system)
		DemonitorPID(system, pid, mon)
		allocs := testing.AllocsPerRun(100, func() {
			MonitorPID(system, pid, mon)
			DemonitorPID(system, pid, mon)
		})
		switch {
		case k.fast && (allocs != 0 || w != 0 || r != 0):
			t.Fatalf("MonitorPID and DemonitorPID allocate %v times, and make %d pidWatches (%d registered); want none", allocs, w, r)
		case !k.fast && (w != 1 || r != 1):
			t.Fatalf("MonitorPID made %d pidWatches (%d registered), want 1", w, r)
		}
		noWatches(t, system)
	})
}

// Monitors come and go while the target stops: each that MonitorPID
// reported alive and that was not taken back is told exactly once; each
// taken back is told at most once (a Down on its way); none is told that
// was reported gone; and no pidWatch is left.
func TestMonitorPIDRace(t *testing.T) {
	eachTarget(t, func(t *testing.T, k targetKind) {
		for range 20 {
			system := NewSystem()
			pid, stop := k.start(system, &eventLog{})
			const n = 16
			mons := make([]*recorder, n)
			alive := make([]bool, n)
			var wg sync.WaitGroup
			for i := range mons {
				mons[i] = newRecorder(&eventLog{}, "m")
				wg.Go(func() {
					alive[i], _ = MonitorPID(system, pid, mons[i])
					if i%2 == 1 {
						DemonitorPID(system, pid, mons[i])
					}
				})
			}
			stop()
			wg.Wait()
			for i, m := range mons {
				switch {
				case i%2 == 0 && alive[i]:
					m.wait(t)
				case !alive[i]:
					m.none(t)
				}
			}
			for i, m := range mons {
				if len(m.ch) > 0 && (i%2 == 0 || !alive[i]) || len(m.ch) > 1 {
					t.Fatalf("monitor %d (alive %v): %d more Downs", i, alive[i], len(m.ch))
				}
			}
			noWatches(t, system)
		}
	})
}

// uncomparable is a Monitor that DemonitorPID could not find by ==.
type uncomparable []int

func (uncomparable) Down(*actor.PID) {}

func TestMonitorPIDBadInput(t *testing.T) {
	system := NewSystem()
	p, _ := NewProcess(system)
	defer p.Close()
	mon := newRecorder(&eventLog{}, "m")
	for _, c := range []struct {
		name   string
		system *actor.ActorSystem
		pid    *actor.PID
		mon    Monitor
		want   string
	}{
		{"nil system", nil, p.PID(), mon, "nil actor system"},
		{"nil pid", system, nil, mon, "nil PID"},
		{"nil monitor", system, p.PID(), nil, "nil monitor"},
		{"uncomparable monitor", system, p.PID(), uncomparable{1}, "monitor of type actor.uncomparable is not comparable"},
	} {
		if alive, err := MonitorPID(c.system, c.pid, c.mon); alive || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: MonitorPID = %v, %v; want an error saying %q", c.name, alive, err, c.want)
		}
		DemonitorPID(c.system, c.pid, c.mon) // no panic
	}
	// A PID that names nothing, or a remote one that no resolver knows.
	for _, pid := range []*actor.PID{system.NewLocalPID("nobody"), actor.NewPID("elsewhere:1", "x")} {
		if alive, err := MonitorPID(system, pid, mon); alive || err != nil {
			t.Errorf("MonitorPID(%v) = %v, %v; want false, nil", pid, alive, err)
		}
	}
	noWatches(t, system)
}

// OnExit runs f once when an owner-mailbox actor stops, and not once
// cancelled.
func TestOnExitOwnerMailbox(t *testing.T) {
	lookups(t, func(t *testing.T) {
		system := NewSystem()
		log := &eventLog{}
		pid, stop := targetKinds[0].start(system, log)
		ran := make(chan struct{}, 2)
		if _, err := OnExit(system, pid, func() { ran <- struct{}{} }); err != nil {
			t.Fatal(err)
		}
		cancel, _ := OnExit(system, pid, func() { t.Error("a cancelled OnExit ran") })
		cancel()
		stop()
		testkit.Recv(t, ran, "run of OnExit")
		if len(ran) != 0 {
			t.Fatal("OnExit ran twice")
		}
	})
}

// A PID that goes just as its pidWatch is made (here: was never there, as
// MonitorPID's look at the registry would have found it gone) is answered
// by protoactor's dead letters on the calling goroutine: watchPID reports
// it gone, calls no Down, even under a lock that Down takes, and leaves
// no pidWatch.
func TestWatchPIDGoneAsWatched(t *testing.T) {
	system := NewSystem()
	var mu sync.Mutex
	downs := 0
	mon := &downCall{func(*actor.PID) {
		mu.Lock()
		downs++
		mu.Unlock()
	}}
	mu.Lock()
	alive := watchPID(system, system.NewLocalPID("gone"), mon)
	mu.Unlock()
	if alive || downs != 0 {
		t.Fatalf("watchPID of a gone PID = %v, with %d Downs; want false, none", alive, downs)
	}
	noWatches(t, system)
}

// goneAsWatched is a remote process, as an address resolver finds it,
// that goes just as it is first watched: it holds that Watch until
// answer is closed, then answers it with Terminated on the watching
// goroutine, as protoactor's dead letters answer the Watch of a PID that
// left the registry after MonitorPID looked.
type goneAsWatched struct {
	system  *actor.ActorSystem
	watched chan struct{} // closed when the first Watch comes
	answer  chan struct{}
	once    sync.Once
}

func (g *goneAsWatched) SendUserMessage(*actor.PID, any) {}
func (g *goneAsWatched) Stop(*actor.PID)                 {}

func (g *goneAsWatched) SendSystemMessage(pid *actor.PID, msg any) {
	if w, ok := msg.(*actor.Watch); ok {
		g.once.Do(func() {
			close(g.watched)
			<-g.answer
			sendSystem(g.system, w.Watcher, &actor.Terminated{Who: pid, Why: actor.TerminatedReason_AddressTerminated})
		})
	}
}

// MonitorPID never runs a Down on its caller's goroutine, which may hold
// a lock that the Down takes: not even the Down of a monitor that came
// while the first MonitorPID of a PID armed its watch and the PID went
// (protoactor answers that Watch on the calling goroutine). That one is
// told after the caller let go of its lock, from elsewhere.
func TestMonitorPIDNeverTellsOnCaller(t *testing.T) {
	system := NewSystem()
	g := &goneAsWatched{system: system, watched: make(chan struct{}), answer: make(chan struct{})}
	system.ProcessRegistry.RegisterAddressResolver(func(pid *actor.PID) (actor.Process, bool) {
		return g, pid.Address == "elsewhere"
	})
	pid := actor.NewPID("elsewhere", "target")
	var log eventLog
	var mu sync.Mutex // the first caller's, which the other monitor's Down takes
	first := newRecorder(&log, "first")
	other := &downCall{func(*actor.PID) {
		mu.Lock()
		log.add("down other", nil)
		mu.Unlock()
	}}
	done := make(chan bool, 1)
	go func() {
		mu.Lock()
		alive, _ := MonitorPID(system, pid, first)
		log.add("first returned", nil)
		mu.Unlock()
		done <- alive
	}()
	testkit.Recv(t, g.watched, "the first Watch")
	if alive, err := MonitorPID(system, pid, other); !alive || err != nil {
		t.Fatalf("MonitorPID while the watch is armed = %v, %v; want alive", alive, err)
	}
	close(g.answer)
	if alive := testkit.Recv(t, done, "return of the first MonitorPID (a Down on its goroutine would deadlock on its lock)"); alive {
		t.Fatal("the first MonitorPID reported a PID that went as it was watched alive")
	}
	log.Wait(t, "down other")
	log.Before(t, "first returned", "down other")
	first.none(t)
	noWatches(t, system)
}

// downRecorder is a Monitor that reports on a channel.
type downRecorder chan *actor.PID

func (d downRecorder) Down(who *actor.PID) { d <- who }

// An owner-mailbox actor tells its monitors once that it stopped, not
// that it restarted: a protoactor restart keeps its PID and mailbox.
func TestMonitorPIDRestart(t *testing.T) { lookups(t, testMonitorPIDRestart) }

func testMonitorPIDRestart(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case string:
			panic("restart me")
		case int:
			ctx.Respond(m)
		}
	}, WithOwnerMailbox()))
	kept, dropped := make(downRecorder, 2), make(downRecorder, 2)
	for _, mon := range []downRecorder{dropped, kept} { // dropped is told first, if at all
		if alive, err := MonitorPID(system, pid, mon); !alive || err != nil {
			t.Fatalf("MonitorPID = %v, %v; want true, nil", alive, err)
		}
	}
	DemonitorPID(system, pid, dropped)
	system.Root.Send(pid, "crash") // the root's default strategy restarts it
	if _, err := system.Root.RequestFuture(pid, 1, 5e9).Result(); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if len(kept) != 0 {
		t.Fatal("Down after a restart")
	}
	system.Root.StopFuture(pid).Wait()
	who := testkit.Recv(t, kept, "Down after the actor stopped")
	if !who.Equal(pid) {
		t.Fatalf("Down(%v), want Down(%v)", who, pid)
	}
	if alive, _ := MonitorPID(system, pid, kept); alive {
		t.Fatal("MonitorPID of a stopped actor = alive")
	}
	if len(kept) != 0 || len(dropped) != 0 {
		t.Fatalf("extra Downs: %d to the kept monitor, %d to the dropped one", len(kept), len(dropped))
	}
}

// An owner mailbox keeps one monitor inline and more in a set: each of
// them that is not taken back is told once, whichever way they were kept.
func TestMonitorPIDInlineAndSet(t *testing.T) { lookups(t, testMonitorPIDInlineAndSet) }

func testMonitorPIDInlineAndSet(t *testing.T) {
	system := NewSystem()
	for _, c := range []struct {
		monitors int
		dropped  []int // taken back, in this order
	}{
		{1, nil}, {1, []int{0}}, {2, []int{0}}, {2, []int{1}}, {3, []int{1}},
		{3, []int{0, 2}}, {3, []int{2, 1, 0}},
	} {
		pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
		mons := make([]downRecorder, c.monitors)
		for i := range mons {
			mons[i] = make(downRecorder, 2)
			if alive, _ := MonitorPID(system, pid, mons[i]); !alive {
				t.Fatalf("%v: MonitorPID %d: not alive", c, i)
			}
		}
		for _, i := range c.dropped {
			DemonitorPID(system, pid, mons[i])
		}
		system.Root.StopFuture(pid).Wait()
		for i, mon := range mons { // the kept ones first: all are told in one go
			if !slices.Contains(c.dropped, i) {
				testkit.Recv(t, mon, fmt.Sprintf("Down to monitor %d (%v)", i, c))
			}
		}
		for i, mon := range mons {
			if len(mon) != 0 {
				t.Fatalf("%v: monitor %d: %d more Downs", c, i, len(mon))
			}
		}
	}
}

// Down comes even when the stopped actor's name is taken again at once:
// the monitor watches the actor, not the name.
func TestMonitorPIDNameReused(t *testing.T) { lookups(t, testMonitorPIDNameReused) }

func testMonitorPIDNameReused(t *testing.T) {
	system := NewSystem()
	var again *actor.PID
	defer func() { system.Root.Stop(again) }()
	props := actor.PropsFromFunc(func(ctx actor.Context) {}, WithOwnerMailbox())
	pid, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Stopped); ok {
			again, _ = system.Root.SpawnNamed(props, "x")
		}
	}, WithOwnerMailbox()), "x")
	if err != nil {
		t.Fatal(err)
	}
	down := make(downRecorder, 1)
	MonitorPID(system, pid, down)
	system.Root.StopFuture(pid).Wait()
	testkit.Recv(t, down, "Down (a new actor of the same name must not hide the stop)")
}

// Down comes while messages keep pouring into the stopped actor's mailbox,
// as they do from the sockets it owned until they hear of it.
func TestMonitorPIDUnderFlood(t *testing.T) { lookups(t, testMonitorPIDUnderFlood) }

func testMonitorPIDUnderFlood(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
	mb := MailboxOf(system, pid)
	down := make(downRecorder, 1)
	MonitorPID(system, pid, down)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					mb.PostUserMessage(0)
				}
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	system.Root.Stop(pid)
	testkit.Recv(t, down, "Down while the mailbox kept filling")
}
