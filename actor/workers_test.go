package actor

import (
	"testing"

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
		m, ok := p.Receive(nil, 5e9)
		if !ok {
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
