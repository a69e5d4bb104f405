package actor

import (
	"reflect"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// lookups runs f twice: with owner mailboxes found through protoactor's
// field (the fast path), and through the index that they keep of
// themselves, as they are when protoactor has moved the field.
func lookups(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	if !mailboxField.ok {
		t.Fatal("protoactor's ActorProcess has no mailbox field of type actor.Mailbox: see TestProtoactorAdapter")
	}
	t.Run("field", f)
	t.Run("index", func(t *testing.T) {
		fastPath.Store(false)
		defer fastPath.Store(mailboxField.ok)
		f(t)
	})
}

// indexed counts the index's entries for system.
func indexed(system *actor.ActorSystem) int {
	mailboxIndex.mu.Lock()
	defer mailboxIndex.mu.Unlock()
	n := 0
	for k := range mailboxIndex.m {
		if k.system == system {
			n++
		}
	}
	return n
}

// TestProtoactorAdapter fails if protoactor changes what
// protoactor_adapter.go relies on: ActorProcess's mailbox field (its name,
// its type, that it holds the mailbox the Props made), and the registry's
// layout (a SliceMap of concurrent maps that NewSystem can shorten, which
// keeps every local process by its id, as the actor system looks them up).
func TestProtoactorAdapter(t *testing.T) {
	t.Run("mailbox field", func(t *testing.T) {
		f, ok := reflect.TypeFor[actor.ActorProcess]().FieldByName("mailbox")
		if !ok || f.Type != reflect.TypeFor[actor.Mailbox]() || !mailboxField.ok || f.Offset != mailboxField.offset {
			t.Fatalf("protoactor's ActorProcess has no field mailbox of type actor.Mailbox (found %v: %v at %d)", ok, f.Type, f.Offset)
		}
		var made *ownerMailbox
		system := NewSystem()
		pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, actor.WithMailbox(func() actor.Mailbox {
			made = &ownerMailbox{}
			return made
		})))
		defer system.Root.StopFuture(pid).Wait()
		ref, ok := system.ProcessRegistry.Get(pid)
		ap, isAP := ref.(*actor.ActorProcess)
		if !ok || !isAP {
			t.Fatalf("an actor is registered as %T, not *actor.ActorProcess", ref)
		}
		if got := mailboxOfProcess(ap); got != actor.Mailbox(made) {
			t.Fatalf("the field holds %p, not the mailbox the Props made (%p)", got, made)
		}
	})
	t.Run("registry layout", func(t *testing.T) {
		system := NewSystem()
		reg := system.ProcessRegistry
		if n := len(reg.LocalPIDs.LocalPIDs); n != registryBuckets {
			t.Fatalf("%d registry buckets, want %d", n, registryBuckets)
		}
		for _, id := range []string{"deadletter", "eventstream"} {
			if _, ok := reg.GetLocal(id); !ok {
				t.Errorf("%s, registered before the compaction, is lost", id)
			}
		}
		pids := make([]*actor.PID, 1000)
		for i := range pids {
			pids[i] = system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
		}
		count := func() int {
			n := 0
			for _, m := range reg.LocalPIDs.LocalPIDs {
				n += m.Count()
			}
			return n
		}
		if n := count(); n != len(pids)+2 {
			t.Fatalf("the buckets hold %d processes, want %d", n, len(pids)+2)
		}
		for _, pid := range pids {
			ref, ok := reg.Get(pid)
			if !ok {
				t.Fatalf("%v is not registered", pid)
			}
			if !reg.LocalPIDs.GetBucket(pid.Id).Has(pid.Id) {
				t.Fatalf("%v is not in the bucket GetBucket names", pid)
			}
			if _, ok := ref.(*actor.ActorProcess); !ok {
				t.Fatalf("%v is registered as %T, not *actor.ActorProcess", pid, ref)
			}
			if err := system.Root.StopFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			if _, ok := reg.Get(pid); ok {
				t.Fatalf("%v is still registered after it stopped", pid)
			}
		}
		if n := count(); n != 2 {
			t.Fatalf("the buckets hold %d processes after the actors stopped, want 2", n)
		}
	})
}
