package supervisor

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// startReq asks a hooked supervisor's Receive to start a child with arg
// and keep "v-ARG" as its value.
type startReq struct {
	arg   string
	reply chan *actor.PID
}

// erasure is one call of the Erased hook.
type erasure struct {
	pid   *actor.PID
	value any
}

// hooked starts a SimpleOneForOne supervisor of Transient test children
// whose hooks serve startReq and report erasures.
func hooked(t *testing.T, p *probe) (*Ref, <-chan erasure) {
	t.Helper()
	erased := make(chan erasure, 16)
	h := p.hooks()
	h.Hooks = Hooks{
		Receive: func(in Inside, msg any) {
			if m, ok := msg.(*startReq); ok {
				pid, err := in.StartChildArgs(m.arg)
				if err != nil {
					t.Errorf("StartChildArgs from inside: %v", err)
				}
				in.SetValue(pid, "v-"+m.arg)
				m.reply <- pid
			}
		},
		Erased: func(pid *actor.PID, value any) { erased <- erasure{pid, value} },
	}
	spec := ChildSpec{Start: p.start("w", behaviour{}), Restart: Transient}
	ref, err := start(p.sys.Root, Flags{Strategy: SimpleOneForOne}, []ChildSpec{spec}, h)
	if err != nil {
		t.Fatal(err)
	}
	return ref, erased
}

// startVia starts a child through the supervisor's Receive hook.
func startVia(t *testing.T, ref *Ref, arg string) *actor.PID {
	t.Helper()
	reply := make(chan *actor.PID, 1)
	ref.Send(&startReq{arg: arg, reply: reply})
	return testkit.Recv(t, reply, fmt.Sprintf("start of %q by the Receive hook", arg))
}

// values lists the supervisor's children and their values, from inside.
func values(t *testing.T, ref *Ref) map[string]any {
	t.Helper()
	out := make(map[string]any)
	if err := ref.Do(func(in Inside) {
		for pid, v := range in.Children() {
			out[pid.Id] = v
		}
	}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	return out
}

// nextErased waits for the next call of the Erased hook.
func nextErased(t *testing.T, erased <-chan erasure) erasure {
	t.Helper()
	return testkit.Recv(t, erased, "Erased call")
}

// The hooks see the supervisor from inside: Receive gets what Ref.Send
// sends, starts children and keeps a value in their records; Do runs in
// the supervisor; Erased gets each record's value as it goes, whether the
// child ended, was terminated, restarted, or the supervisor stopped.
func TestHooks(t *testing.T) {
	p := newProbe(t)
	ref, erased := hooked(t, p)

	a := startVia(t, ref, "a")
	if ev := p.want(t, "w:spawn"); !ev[0].pid.Equal(a) || fmt.Sprint(ev[0].args) != "[a]" {
		t.Fatalf("spawned %v with %v, want %v with [a]", ev[0].pid, ev[0].args, a)
	}
	b := startVia(t, ref, "b")
	p.want(t, "w:spawn")
	if got := values(t, ref); len(got) != 2 || got[a.Id] != "v-a" || got[b.Id] != "v-b" {
		t.Fatalf("children from inside: %v", got)
	}
	if err := ref.Do(func(in Inside) {
		if v := in.Value(a); v != "v-a" {
			t.Errorf("Value(a) = %v", v)
		}
		stranger := p.sys.NewLocalPID("nobody")
		if in.SetValue(stranger, 1) || in.Value(stranger) != nil || in.Value(nil) != nil {
			t.Error("a PID that is not a child has a record")
		}
	}); err != nil {
		t.Fatal(err)
	}

	// A child that ends by itself: its record goes after its end.
	p.sys.Root.Send(a, stopSelf{})
	p.want(t, "w:stopping", "w:stopped")
	if e := nextErased(t, erased); !e.pid.Equal(a) || e.value != "v-a" {
		t.Fatalf("Erased(%v, %v), want a's", e.pid, e.value)
	}

	// Terminated from inside: the record goes before Do returns.
	if err := ref.Do(func(in Inside) {
		if err := in.TerminateChildPID(b); err != nil {
			t.Errorf("TerminateChildPID: %v", err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-erased:
		if !e.pid.Equal(b) || e.value != "v-b" {
			t.Fatalf("Erased(%v, %v), want b's", e.pid, e.value)
		}
	default:
		t.Fatal("b's record still there after TerminateChildPID returned")
	}
	p.want(t, "w:stopping", "w:stopped")

	// Restarted: the old record goes, the new PID has a record of its own.
	c := startVia(t, ref, "c")
	p.want(t, "w:spawn")
	p.sys.Root.Send(c, crash{"boom"})
	again := p.want(t, "w:stopping", "w:stopped", "w:spawn")[2].pid
	if e := nextErased(t, erased); !e.pid.Equal(c) || e.value != "v-c" {
		t.Fatalf("Erased(%v, %v), want c's", e.pid, e.value)
	}
	if got := values(t, ref); len(got) != 1 || got[again.Id] != nil {
		t.Fatalf("after the restart: %v, want %v with no value", got, again)
	}

	// Stopping: every record goes.
	if err := testkit.Bounded(t, "Stop", ref.Stop); err != nil {
		t.Fatal(err)
	}
	if e := nextErased(t, erased); !e.pid.Equal(again) || e.value != nil {
		t.Fatalf("Erased(%v, %v) at Stop, want the restarted child's", e.pid, e.value)
	}
	ref.Send(&startReq{arg: "late", reply: make(chan *actor.PID, 1)}) // a dead letter, no hook runs
	if err := ref.Do(func(Inside) { t.Error("Do ran on a stopped supervisor") }); !errors.Is(err, ErrNoProc) {
		t.Fatalf("Do after Stop: %v, want noproc", err)
	}
	select {
	case e := <-erased:
		t.Fatalf("Erased(%v, %v) after Stop", e.pid, e.value)
	default:
	}
}

// The supervisor's own calls and messages do not reach Receive, and the
// records of other supervisors are not SimpleOneForOne records.
func TestHooksOtherSupervisors(t *testing.T) {
	p := newProbe(t)
	got := make(chan any, 16)
	h := p.hooks()
	h.Hooks = Hooks{
		Receive: func(_ Inside, msg any) { got <- msg },
		Erased:  func(pid *actor.PID, _ any) { t.Errorf("Erased(%v) on a OneForOne supervisor", pid) },
	}
	ref, err := start(p.sys.Root, Flags{}, []ChildSpec{p.child("a")}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testkit.Bounded(t, "Stop", ref.Stop) })
	a := p.want(t, "a:spawn")[0].pid
	if _, err := ref.WhichChildren(); err != nil {
		t.Fatal(err)
	}
	ref.Send("hello")
	if err := ref.Do(func(in Inside) {
		n := 0
		for range in.Children() {
			n++
		}
		if n != 0 || in.Value(a) != nil || in.SetValue(a, 1) {
			t.Errorf("a OneForOne supervisor has SimpleOneForOne records")
		}
		if _, err := in.StartChildArgs(); err == nil {
			t.Error("StartChildArgs on a OneForOne supervisor succeeded")
		}
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "hello" {
			t.Fatalf("Receive got %v, want only what Send sent", m)
		}
	default:
		t.Fatal("Receive did not get the message sent before Do")
	}
	if len(got) != 0 {
		t.Fatalf("Receive got %v more", len(got))
	}
}

func TestShutdownPolicyIsValid(t *testing.T) {
	for _, tc := range []struct {
		p    ShutdownPolicy
		want bool
	}{
		{ShutdownPolicy{}, true},
		{BrutalKill, true},
		{Infinity, true},
		{Timeout(0), true},
		{Timeout(time.Second), true},
		{Timeout(-1), false},
	} {
		if got := tc.p.IsValid(); got != tc.want {
			t.Errorf("%v.IsValid() = %v, want %v", tc.p, got, tc.want)
		}
	}
}
