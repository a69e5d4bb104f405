package actor

import (
	"fmt"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
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
		n := testkit.Recv(t, done, fmt.Sprintf("work %d of %d (queued behind a blocked one)", i+1, cap(done))) // workers run in parallel: in any order
		if ran[n] {
			t.Fatalf("work %d ran twice", n)
		}
		ran[n] = true
	}
	close(release)
}
