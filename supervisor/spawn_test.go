package supervisor

import (
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// childrenSet returns the PIDs in protoactor's set of the supervisor's
// children, read in its actor.
func childrenSet(t *testing.T, ref *Ref) []*actor.PID {
	t.Helper()
	var set []*actor.PID
	if err := ref.Do(func(in Inside) { set = in.ctx.Children() }); err != nil {
		t.Fatalf("Do: %v", err)
	}
	return set
}

// A supervisor's children, a child supervisor among them, are its
// protoactor children (the supervisor is their parent) but not in
// protoactor's set of its children: it keeps its own record.
func TestChildrenOutOfProtoactorSet(t *testing.T) {
	p := newProbe(t)
	type parentOf struct{ child, parent *actor.PID }
	parents := make(chan parentOf, 4)
	start := func(id string) StartFunc {
		return func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
			return ctx.SpawnNamed(actor.PropsFromFunc(func(c actor.Context) {
				if _, ok := c.Message().(*actor.Started); ok {
					parents <- parentOf{c.Self(), c.Parent()}
				}
			}), id)
		}
	}
	mid := SupervisorSpec("mid", Flags{}, []ChildSpec{{ID: "b", Start: start("b")}})
	ref := p.supervise(t, Flags{}, ChildSpec{ID: "a", Start: start("a")}, mid)
	midPID := pidOf(t, ref, "mid")
	want := map[string]*actor.PID{pidOf(t, ref, "a").Id: ref.PID()}
	midRef, err := Lookup(p.sys, midPID)
	if err != nil {
		t.Fatal(err)
	}
	want[pidOf(t, midRef, "b").Id] = midPID
	for range want {
		got := testkit.Recv(t, parents, "spawn of a child")
		if !got.parent.Equal(want[got.child.Id]) {
			t.Fatalf("%v's parent is %v, want its supervisor %v", got.child, got.parent, want[got.child.Id])
		}
	}
	if set := childrenSet(t, ref); len(set) != 0 {
		t.Fatalf("protoactor lists %v as the supervisor's children, want none", set)
	}
	if set := childrenSet(t, midRef); len(set) != 0 {
		t.Fatalf("protoactor lists %v as the child supervisor's children, want none", set)
	}
}

// A child's props keep their own spawn function (actor.WithSpawnFunc):
// the supervisor spawns through it, with itself as the parent context.
func TestChildSpawnFunc(t *testing.T) {
	p := newProbe(t)
	spawned := make(chan *actor.PID, 1)
	props := actor.PropsFromFunc(func(actor.Context) {}, actor.WithSpawnFunc(
		func(sys *actor.ActorSystem, id string, props *actor.Props, parent actor.SpawnerContext) (*actor.PID, error) {
			spawned <- parent.Self()
			return actor.DefaultSpawner(sys, id, props, parent)
		}))
	ref := p.supervise(t, Flags{}, ChildSpec{ID: "a", Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
		return ctx.SpawnPrefix(props, "a"), nil
	}})
	if got := testkit.Recv(t, spawned, "call of the spawn function"); !got.Equal(ref.PID()) {
		t.Fatalf("the spawn function got parent %v, want the supervisor %v", got, ref.PID())
	}
	if got := children(t, ref); !equal(got, []string{"a=run"}) {
		t.Fatalf("WhichChildren = %v", got)
	}
}

// A supervisor under a plain actor is restarted by protoactor when it
// panics (here: in a hook): it terminates its children first, then starts
// them again, at once, and ignores the old ones' Terminated when it comes.
func TestRestartedByPlainParent(t *testing.T) {
	p := newProbe(t)
	refs := make(chan *Ref, 1)
	h := p.hooks()
	h.Receive = func(Inside, any) { panic("in a hook") }
	parent := p.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*actor.Started); ok {
			ref, err := start(ctx, Flags{}, []ChildSpec{p.child("a"), p.child("b")}, h)
			if err != nil {
				t.Error(err)
			}
			refs <- ref
		}
	})) // protoactor's default strategy: restart
	defer func() { p.sys.Root.StopFuture(parent).Wait() }()
	ref := testkit.Recv(t, refs, "start of the supervisor")
	ev := p.want(t, "a:spawn", "b:spawn")
	ref.Send("crash")
	p.want(t, "b:stopping", "b:stopped", "a:stopping", "a:stopped", "a:spawn", "b:spawn")
	// The old children's Terminated, in the order they ended, ignored.
	p.handled(t, ev[1].pid)
	p.handled(t, ev[0].pid)
	if got := children(t, ref); !equal(got, []string{"b=run", "a=run"}) {
		t.Fatalf("WhichChildren = %v, want both running", got)
	}
	if old, now := ev[0].pid, pidOf(t, ref, "a"); old.Equal(now) {
		t.Fatalf("a kept its PID %v across the restart", old)
	}
	p.quiet(t)
}
