package actor

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// spawnDispatcher is protoactor's default dispatcher under another type,
// so that the owner mailbox does not replace it with workers.
type spawnDispatcher struct{}

func (spawnDispatcher) Schedule(fn func()) { go fn() }
func (spawnDispatcher) Throughput() int    { return 300 }

// BenchmarkOwnerMailboxRoundTrip is a message to an owner-mailbox actor
// and its answer, with the mailbox run by workers and by a new goroutine
// per schedule (protoactor's way).
func BenchmarkOwnerMailboxRoundTrip(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []actor.PropsOption
	}{
		{"workers", []actor.PropsOption{WithOwnerMailbox()}},
		{"spawn", []actor.PropsOption{WithOwnerMailbox(), actor.WithDispatcher(spawnDispatcher{})}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			system := NewSystem()
			p, _ := NewProcess(system)
			defer p.Close()
			pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				if n, ok := ctx.Message().(int); ok {
					ctx.Send(p.PID(), n)
				}
			}, tc.opts...))
			defer system.Root.Stop(pid)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				system.Root.Send(pid, i)
				p.Receive(nil, Infinity)
			}
		})
	}
}

// Workers run every message, in order, and the pool keeps goroutines only
// while there is work.
func TestWorkersRunMailboxes(t *testing.T) {
	system := NewSystem()
	p, _ := NewProcess(system)
	defer p.Close()
	pids := make([]*actor.PID, 50)
	for i := range pids {
		pids[i] = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if n, ok := ctx.Message().(int); ok {
				ctx.Send(p.PID(), [2]int{i, n})
			}
		}, WithOwnerMailbox()))
	}
	for n := range 100 {
		for _, pid := range pids {
			system.Root.Send(pid, n)
		}
	}
	next := make([]int, len(pids))
	for range 100 * len(pids) {
		m, err := p.Receive(nil, 5e9)
		if err != nil {
			t.Fatal("a message was lost")
		}
		in := m.([2]int)
		if in[1] != next[in[0]] {
			t.Fatalf("actor %d got %d, want %d", in[0], in[1], next[in[0]])
		}
		next[in[0]]++
	}
	for _, pid := range pids {
		system.Root.Stop(pid)
	}
}

// A mailbox that blocks its worker holds up no other: while one actor
// waits in Receive, the messages of others queued behind it still run.
func TestWorkersBlockedMailbox(t *testing.T) {
	system := NewSystem()
	p, _ := NewProcess(system)
	defer p.Close()
	release := make(chan struct{})
	blocker := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(string); ok {
			ctx.Send(p.PID(), "blocking")
			<-release
		}
	}, WithOwnerMailbox()))
	defer system.Root.Stop(blocker)
	system.Root.Send(blocker, "block")
	if m, err := p.Receive(nil, 5e9); err != nil || m != "blocking" {
		t.Fatalf("got %v, %v; want the blocker to start", m, err)
	}
	pids := make([]*actor.PID, 20)
	for i := range pids {
		pids[i] = system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			if n, ok := ctx.Message().(int); ok {
				ctx.Send(p.PID(), n)
			}
		}, WithOwnerMailbox()))
		defer system.Root.Stop(pids[i])
	}
	for i, pid := range pids {
		system.Root.Send(pid, i)
	}
	seen := make(map[int]bool)
	for range pids {
		m, err := p.Receive(nil, 5e9)
		if err != nil {
			t.Fatalf("%d of %d actors ran while one worker was blocked", len(seen), len(pids))
		}
		seen[m.(int)] = true
	}
	close(release)
}

// MailboxOf posts straight into an owner mailbox, in order, and through
// the root context for any other process.
func TestMailboxOf(t *testing.T) { lookups(t, testMailboxOf) }

func testMailboxOf(t *testing.T) {
	system := NewSystem()
	p, _ := NewProcess(system)
	defer p.Close()
	echo := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if n, ok := ctx.Message().(int); ok {
			ctx.Send(p.PID(), n)
		}
	}, WithOwnerMailbox()))
	defer system.Root.Stop(echo)
	if _, ok := MailboxOf(system, echo).(*ownerMailbox); !ok {
		t.Fatalf("MailboxOf(owner-mailbox actor) = %T, want its *ownerMailbox", MailboxOf(system, echo))
	}
	for i := range 100 {
		MailboxOf(system, echo).PostUserMessage(i)
	}
	for i := range 100 {
		if m, err := p.Receive(nil, 5e9); err != nil || m != i {
			t.Fatalf("message %d: got %v, %v", i, m, err)
		}
	}
	MailboxOf(system, p.PID()).PostUserMessage("to a process")
	if m, err := p.Receive(nil, 5e9); err != nil || m != "to a process" {
		t.Fatalf("through the root context: got %v, %v", m, err)
	}
}

// jobFunc is a func as a worker's job.
type jobFunc func()

func (f jobFunc) process() { f() }

// A worker that takes work and leaves more queued wakes another, so work
// queued behind one that blocks still runs. The queue is filled before any
// worker looks at it: the first takes the blocking work, and only the
// hand-over can run the rest.
func TestWorkerPoolHandsOver(t *testing.T) {
	var wp workerPool
	release := make(chan struct{})
	done := make(chan int, 10)
	wp.mu.Lock()
	wp.queue.push(jobFunc(func() { <-release }))
	for i := range cap(done) {
		wp.queue.push(jobFunc(func() { done <- i }))
	}
	wp.wakeLocked()
	wp.mu.Unlock()
	ran := make(map[int]bool)
	for i := range cap(done) {
		select {
		case n := <-done: // workers run in parallel: in any order
			if ran[n] {
				t.Fatalf("work %d ran twice", n)
			}
			ran[n] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d queued works ran behind a blocked one", i, cap(done))
		}
	}
	close(release)
}

// downRecorder is a Monitor that reports on a channel.
type downRecorder chan Mailbox

func (d downRecorder) Down(mb Mailbox) { d <- mb }

// MonitorMailbox tells once that the actor stopped, not that it restarted;
// a taken-back monitor hears nothing; a stopped actor cannot be monitored.
func TestMonitorMailbox(t *testing.T) { lookups(t, testMonitorMailbox) }

func testMonitorMailbox(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case string:
			panic("restart me")
		case int:
			ctx.Respond(m)
		}
	}, WithOwnerMailbox()))
	mb := MailboxOf(system, pid)
	kept, dropped := make(downRecorder, 2), make(downRecorder, 2)
	for _, mon := range []downRecorder{dropped, kept} { // dropped is told first, if at all
		if ok, alive := MonitorMailbox(mb, mon); !ok || !alive {
			t.Fatalf("MonitorMailbox = %v, %v; want true, true", ok, alive)
		}
	}
	DemonitorMailbox(mb, dropped)
	system.Root.Send(pid, "crash") // the root's default strategy restarts it
	if _, err := system.Root.RequestFuture(pid, 1, 5e9).Result(); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if len(kept) != 0 {
		t.Fatal("Down after a restart")
	}
	system.Root.StopFuture(pid).Wait()
	select {
	case got := <-kept:
		if got != mb {
			t.Fatalf("Down(%v), want its mailbox", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no Down after the actor stopped")
	}
	if ok, alive := MonitorMailbox(mb, kept); !ok || alive {
		t.Fatalf("MonitorMailbox of a stopped actor = %v, %v; want true, false", ok, alive)
	}
	if len(kept) != 0 || len(dropped) != 0 {
		t.Fatalf("extra Downs: %d to the kept monitor, %d to the dropped one", len(kept), len(dropped))
	}
	if ok, _ := MonitorMailbox(MailboxOf(system, actor.NewPID("nonhost", "x")), kept); ok {
		t.Fatal("MonitorMailbox of a PID without an owner mailbox = ok")
	}
}

// A mailbox keeps one monitor inline and more in a set: each of them that
// is not taken back is told once, whichever way they were kept.
func TestMonitorMailboxMany(t *testing.T) { lookups(t, testMonitorMailboxMany) }

func testMonitorMailboxMany(t *testing.T) {
	system := NewSystem()
	for _, c := range []struct {
		monitors int
		dropped  []int // taken back, in this order
	}{
		{1, nil}, {1, []int{0}}, {2, []int{0}}, {2, []int{1}}, {3, []int{1}},
		{3, []int{0, 2}}, {3, []int{2, 1, 0}},
	} {
		pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
		mb := MailboxOf(system, pid)
		mons := make([]downRecorder, c.monitors)
		for i := range mons {
			mons[i] = make(downRecorder, 2)
			if ok, alive := MonitorMailbox(mb, mons[i]); !ok || !alive {
				t.Fatalf("%v: MonitorMailbox = %v, %v; want true, true", c, ok, alive)
			}
		}
		for _, i := range c.dropped {
			DemonitorMailbox(mb, mons[i])
		}
		system.Root.StopFuture(pid).Wait()
		for i, mon := range mons { // the kept ones first: all are told in one go
			if !slices.Contains(c.dropped, i) {
				select {
				case <-mon:
				case <-time.After(5 * time.Second):
					t.Fatalf("%v: monitor %d: no Down", c, i)
				}
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
func TestMonitorMailboxNameReused(t *testing.T) { lookups(t, testMonitorMailboxNameReused) }

func testMonitorMailboxNameReused(t *testing.T) {
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
	MonitorMailbox(MailboxOf(system, pid), down)
	system.Root.StopFuture(pid).Wait()
	select {
	case <-down:
	case <-time.After(5 * time.Second):
		t.Fatal("no Down: the new actor of the same name hid the stop")
	}
}

// Down comes while messages keep pouring into the stopped actor's mailbox,
// as they do from the sockets it owned until they hear of it.
func TestMonitorMailboxUnderFlood(t *testing.T) { lookups(t, testMonitorMailboxUnderFlood) }

func testMonitorMailboxUnderFlood(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
	mb := MailboxOf(system, pid)
	down := make(downRecorder, 1)
	MonitorMailbox(mb, down)
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
	select {
	case <-down:
	case <-time.After(5 * time.Second):
		t.Fatal("no Down while the mailbox kept filling")
	}
}

// A Process's mailbox is monitored as an owner mailbox is: Close tells each
// monitor not taken back, once; a closed Process cannot be monitored.
func TestMonitorProcessMailbox(t *testing.T) {
	system := NewSystem()
	p, err := NewProcess(system)
	if err != nil {
		t.Fatal(err)
	}
	mb := MailboxOf(system, p.PID())
	kept, dropped := make(downRecorder, 2), make(downRecorder, 2)
	for _, mon := range []downRecorder{dropped, kept} {
		if ok, alive := MonitorMailbox(mb, mon); !ok || !alive {
			t.Fatalf("MonitorMailbox = %v, %v; want true, true", ok, alive)
		}
	}
	DemonitorMailbox(mb, dropped)
	mb.PostUserMessage("hello")
	if msg, err := p.Receive(nil, 0); err != nil || msg != "hello" {
		t.Fatalf("Receive = %v, %v; want what was posted", msg, err)
	}
	p.Close()
	if len(kept) != 1 || len(dropped) != 0 {
		t.Fatalf("after Close: %d Downs to the kept monitor, %d to the dropped one; want 1, 0", len(kept), len(dropped))
	}
	if got := <-kept; got != mb {
		t.Fatalf("Down(%v), want the Process's mailbox", got)
	}
	if ok, alive := MonitorMailbox(mb, kept); !ok || alive {
		t.Fatalf("MonitorMailbox of a closed Process = %v, %v; want true, false", ok, alive)
	}
}
