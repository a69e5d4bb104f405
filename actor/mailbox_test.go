package actor

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// An actor with the owner mailbox gets its messages in order, and
// TakeMatching takes the matching ones it has not processed yet, in
// order, leaving the rest.
func TestOwnerMailboxTakeMatching(t *testing.T) {
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

// The registry of owner mailboxes forgets an actor once it is gone.
func TestOwnerMailboxForgetsDeadActors(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
	if _, ok := TakeMatching(system, pid, func(any) bool { return true }); !ok {
		t.Fatal("no mailbox for a live actor")
	}
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	// The mailbox leaves the registry just after the system message that
	// stopped its actor, which has told StopFuture already.
	deadline := time.Now().Add(5 * time.Second)
	for findMailbox(system, pid) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the stopped actor's mailbox is still registered")
		}
		time.Sleep(time.Millisecond) // polling a state no message tells of, bounded above
	}
}

// A system that NewSystem did not make keeps its owner mailboxes weakly:
// an actor's goes once nothing refers to it.
func TestOwnerMailboxForeignSystem(t *testing.T) {
	system := actor.NewActorSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, WithOwnerMailbox()))
	if _, ok := TakeMatching(system, pid, func(any) bool { return true }); !ok {
		t.Fatal("no mailbox for a live actor")
	}
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	key := mailboxKey{system, pid.Id}
	pid = nil // a PID caches its process, and so the mailbox
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		if _, ok := weakMailboxes.Load(key); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead actor's mailbox is still registered")
		}
		time.Sleep(10 * time.Millisecond)
	}
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
