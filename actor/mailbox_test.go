package actor

import (
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// An actor with the owner mailbox gets its messages in order, and
// TakeMatching takes the matching ones it has not processed yet, in
// order, leaving the rest.
func TestOwnerMailboxTakeMatching(t *testing.T) {
	lookups(t, testOwnerMailboxTakeMatching)
}

func testOwnerMailboxTakeMatching(t *testing.T) {
	system := NewSystem()
	gate := make(chan struct{})
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case string:
			<-gate // hold the actor so that messages queue behind it
		case int:
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
			if m == 99 {
				close(done)
			}
		}
	}, WithOwnerMailbox()))
	defer system.Root.Stop(pid)

	system.Root.Send(pid, "hold")
	for i := range 100 {
		system.Root.Send(pid, i)
	}
	taken, ok := TakeMatching(system, pid, func(m any) bool { n, ok := m.(int); return ok && n%3 == 0 && n != 99 })
	if !ok {
		t.Fatal("TakeMatching found no owner mailbox")
	}
	close(gate)
	<-done
	for i, m := range taken {
		if m != i*3 {
			t.Fatalf("taken[%d] = %v, want %d", i, m, i*3)
		}
	}
	if len(taken) != 33 {
		t.Fatalf("took %d, want 33", len(taken))
	}
	mu.Lock()
	defer mu.Unlock()
	want := 0
	for _, n := range got {
		for want%3 == 0 && want != 99 {
			want++
		}
		if n != want {
			t.Fatalf("processed %d, want %d", n, want)
		}
		want++
	}
}

// A panic in an owner-mailbox actor goes to its supervisor, as with
// protoactor's own mailbox, and system messages (Stop) still get through.
func TestOwnerMailboxEscalatesPanics(t *testing.T) {
	system := NewSystem()
	restarted := make(chan struct{}, 1)
	starts := 0
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			starts++
			if starts == 2 {
				restarted <- struct{}{}
			}
		case string:
			panic("boom")
		}
	}, WithOwnerMailbox()))
	system.Root.Send(pid, "crash")
	select {
	case <-restarted:
	case <-time.After(5 * time.Second):
		t.Fatal("the actor was not restarted")
	}
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
}

// An owner mailbox is found from its PID, the very mailbox the actor's
// Props made, in any actor system, and nothing once the actor is gone
// (protoactor unregisters it before it tells its watchers, StopFuture
// among them); through the index, which it leaves then, as through the
// field.
func TestOwnerMailboxFound(t *testing.T) {
	lookups(t, func(t *testing.T) {
		for name, system := range map[string]*actor.ActorSystem{
			"NewSystem":      NewSystem(),
			"NewActorSystem": actor.NewActorSystem(),
		} {
			var made *ownerMailbox
			props := actor.PropsFromFunc(func(actor.Context) {}, actor.WithMailbox(func() actor.Mailbox {
				made = &ownerMailbox{}
				return made
			}))
			pid := system.Root.Spawn(props)
			if got := findMailbox(system, pid); got == nil || got != made {
				t.Fatalf("%s: findMailbox = %p, want the actor's own %p", name, got, made)
			}
			if made.is(mbIndexed) == fastPath.Load() {
				t.Fatalf("%s: indexed %v with the fast path %v", name, made.is(mbIndexed), fastPath.Load())
			}
			if _, ok := TakeMatching(system, pid, func(any) bool { return true }); !ok {
				t.Fatalf("%s: no mailbox for a live actor", name)
			}
			if err := system.Root.StopFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			if got := findMailbox(system, pid); got != nil {
				t.Fatalf("%s: the stopped actor's mailbox is still found", name)
			}
			if _, ok := MailboxOf(system, pid).(rootMailbox); !ok {
				t.Fatalf("%s: MailboxOf(a stopped actor) = %T, want a send through Root", name, MailboxOf(system, pid))
			}
			if n := indexed(system); n != 0 {
				t.Fatalf("%s: %d mailboxes left in the index", name, n)
			}
		}
	})
}

func TestTakeMatchingUnknown(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {})) // protoactor's mailbox
	defer system.Root.Stop(pid)
	if _, ok := TakeMatching(system, pid, func(any) bool { return true }); ok {
		t.Fatal("TakeMatching claims a default mailbox")
	}
	if _, ok := TakeMatching(system, nil, func(any) bool { return true }); ok {
		t.Fatal("TakeMatching(nil) reports a queue")
	}
}

// recordingInvoker keeps what an owner mailbox gives it.
type recordingInvoker struct{ got *[]any }

func (r recordingInvoker) InvokeSystemMessage(m any) { *r.got = append(*r.got, m) }
func (r recordingInvoker) InvokeUserMessage(m any)   { *r.got = append(*r.got, m) }
func (recordingInvoker) EscalateFailure(reason any, _ any) {
	panic(reason)
}

// System messages come before user messages, in the order they were
// posted, whether one waits (kept as it is) or several (in a queue), and
// none is left behind.
func TestOwnerMailboxSystemQueue(t *testing.T) {
	var got []any
	m := &ownerMailbox{}
	m.RegisterHandlers(recordingInvoker{&got}, actor.NewSynchronizedDispatcher(10))
	if !m.acquire() { // a runner is busy: what comes now queues
		t.Fatal("a new mailbox has a runner")
	}
	watch, unwatch, stop := &actor.Watch{}, &actor.Unwatch{}, &actor.Stop{}
	m.PostSystemMessage(watch)
	m.PostUserMessage("user")
	m.PostSystemMessage(unwatch)
	m.PostSystemMessage(stop)
	m.process()
	want := []any{watch, unwatch, stop, "user"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	got = nil
	m.PostSystemMessage(stop) // no runner now: the dispatcher runs it at once
	if len(got) != 1 || got[0] != stop || m.system != nil || m.sysCount.Load() != 0 || m.is(mbRunning) {
		t.Fatalf("got %v, system queue %v, count %d, state %b", got, m.system, m.sysCount.Load(), m.state.Load())
	}
}
