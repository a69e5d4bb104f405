package supervisor

import (
	"errors"
	"fmt"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

func TestSimpleOneForOneStartsWithExtraArgs(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{})})
	p.quiet(t) // nothing starts with the supervisor
	pid1, err := ref.StartChildArgs("x", 1)
	if err != nil {
		t.Fatal(err)
	}
	pid2, err := ref.StartChildArgs("y", 2)
	if err != nil {
		t.Fatal(err)
	}
	ev := p.want(t, "w:spawn", "w:spawn")
	if fmt.Sprint(ev[0].args, ev[1].args) != "[x 1] [y 2]" {
		t.Errorf("start functions got %v and %v", ev[0].args, ev[1].args)
	}
	cs, err := ref.WhichChildren()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ID != "" || !cs[0].PID.Equal(pid1) || !cs[1].PID.Equal(pid2) || cs[0].Type != Worker {
		t.Errorf("WhichChildren = %+v", cs)
	}
	n, err := ref.CountChildren()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Specs: 1, Active: 2, Workers: 2}); n != want {
		t.Errorf("CountChildren = %+v, want %+v", n, want)
	}
}

func TestSimpleOneForOneRestartsWithSameArgs(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{})})
	if _, err := ref.StartChildArgs(7); err != nil {
		t.Fatal(err)
	}
	ev := p.want(t, "w:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	again := p.want(t, "w:stopping", "w:stopped", "w:spawn")
	if fmt.Sprint(again[2].args) != "[7]" {
		t.Errorf("restart got args %v, want [7]", again[2].args)
	}
	cs, _ := ref.WhichChildren()
	if len(cs) != 1 || !cs[0].PID.Equal(again[2].pid) {
		t.Errorf("WhichChildren = %+v, want the restarted child only", cs)
	}
}

func TestSimpleOneForOneMaxChildren(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne, MaxChildren: 2}, ChildSpec{Start: p.start("w", behaviour{})})
	first, err := ref.StartChildArgs()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ref.StartChildArgs(); err != nil {
		t.Fatal(err)
	}
	if pid, err := ref.StartChildArgs(); !errors.Is(err, ErrMaxChildren) || pid != nil {
		t.Fatalf("third StartChildArgs = %v, %v; want max_children", pid, err)
	}
	p.want(t, "w:spawn", "w:spawn")
	p.quiet(t) // the refused child was never started
	if err := ref.TerminateChildPID(first); err != nil {
		t.Fatal(err)
	}
	if _, err := ref.StartChildArgs(); err != nil {
		t.Fatalf("after a child left: %v", err)
	}
}

func TestSimpleOneForOneTerminateChildPID(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{})})
	pid, err := ref.StartChildArgs()
	if err != nil {
		t.Fatal(err)
	}
	p.want(t, "w:spawn")
	if err := ref.TerminateChildPID(pid); err != nil {
		t.Fatal(err)
	}
	p.want(t, "w:stopping", "w:stopped")
	if cs, _ := ref.WhichChildren(); len(cs) != 0 {
		t.Errorf("WhichChildren = %+v, want none", cs)
	}
	// As OTP: a pid that is not a child is not_found if alive, ok if dead.
	if err := ref.TerminateChildPID(pid); err != nil {
		t.Errorf("TerminateChildPID(dead pid) = %v, want nil", err)
	}
	other := p.sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
	defer p.sys.Root.Stop(other)
	if err := ref.TerminateChildPID(other); !errors.Is(err, ErrNotFound) {
		t.Errorf("TerminateChildPID(live stranger) = %v, want not_found", err)
	}
}

func TestSimpleOneForOneRejectsIDCalls(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{ID: "tmpl", Start: p.start("w", behaviour{})})
	if err := ref.TerminateChild("tmpl"); !errors.Is(err, ErrSimpleOneForOne) {
		t.Errorf("TerminateChild = %v", err)
	}
	if _, err := ref.RestartChild("tmpl"); !errors.Is(err, ErrSimpleOneForOne) {
		t.Errorf("RestartChild = %v", err)
	}
	if err := ref.DeleteChild("tmpl"); !errors.Is(err, ErrSimpleOneForOne) {
		t.Errorf("DeleteChild = %v", err)
	}
	if _, err := ref.StartChild(p.child("x")); !errors.Is(err, ErrSimpleOneForOne) {
		t.Errorf("StartChild = %v", err)
	}
	if spec, err := ref.GetChildSpec("tmpl"); err != nil || spec.ID != "tmpl" {
		t.Errorf("GetChildSpec(tmpl) = %+v, %v", spec, err)
	}
	p.quiet(t)
}

func TestSimpleOneForOneRestartTypes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		restart Restart
		msg     any
		again   bool // restarted
	}{
		{"transient_normal", Transient, stopSelf{}, false},
		{"transient_crash", Transient, crash{"boom"}, true},
		{"temporary_crash", Temporary, crash{"boom"}, false},
		{"permanent_normal", Permanent, stopSelf{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newProbe(t)
			ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{}), Restart: tt.restart})
			pid, err := ref.StartChildArgs()
			if err != nil {
				t.Fatal(err)
			}
			p.want(t, "w:spawn")
			p.sys.Root.Send(pid, tt.msg)
			p.want(t, "w:stopping", "w:stopped")
			p.handled(t, pid)
			want := Counts{Specs: 1}
			if tt.again {
				p.want(t, "w:spawn")
				want = Counts{Specs: 1, Active: 1, Workers: 1}
			}
			if n, err := ref.CountChildren(); err != nil || n != want {
				t.Errorf("CountChildren = %+v, %v; want %+v", n, err, want)
			}
			p.quiet(t)
		})
	}
}

func TestSimpleOneForOneIgnore(t *testing.T) {
	p := newProbe(t)
	spec := ChildSpec{Start: func(actor.SpawnerContext, ...any) (*actor.PID, error) { return nil, Ignore }}
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, spec)
	if pid, err := ref.StartChildArgs(); pid != nil || err != nil {
		t.Errorf("StartChildArgs = %v, %v; want nil, nil", pid, err)
	}
	if n, _ := ref.CountChildren(); n != (Counts{Specs: 1}) {
		t.Errorf("CountChildren = %+v, want nothing kept", n)
	}
}

func TestSimpleOneForOneIntensityExceeded(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{})})
	bystander, _ := ref.StartChildArgs("bystander")
	crashing, _ := ref.StartChildArgs("crashing")
	p.want(t, "w:spawn", "w:spawn")
	p.sys.Root.Send(crashing, crash{1})
	ev := p.want(t, "w:stopping", "w:stopped", "w:spawn")
	p.sys.Root.Send(ev[2].pid, crash{2})
	p.want(t, "w:stopping", "w:stopped") // the crash, then one too many
	ev = p.want(t, "w:stopping", "w:stopped")
	if !ev[0].pid.Equal(bystander) {
		t.Errorf("stopped %v, want the bystander %v", ev[0].pid, bystander)
	}
	waitDone(t, ref)
}

func TestSimpleOneForOneAutoShutdownAllSignificant(t *testing.T) {
	p := newProbe(t)
	spec := ChildSpec{Start: p.start("w", behaviour{}), Restart: Temporary, Significant: true}
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne, AutoShutdown: AllSignificant}, spec)
	a, _ := ref.StartChildArgs()
	b, _ := ref.StartChildArgs()
	p.want(t, "w:spawn", "w:spawn")
	p.sys.Root.Send(a, stopSelf{})
	p.want(t, "w:stopping", "w:stopped")
	p.handled(t, a)
	if n, err := ref.CountChildren(); err != nil || n.Active != 1 {
		t.Fatalf("after the first: %+v, %v", n, err)
	}
	p.sys.Root.Send(b, stopSelf{})
	p.want(t, "w:stopping", "w:stopped")
	testkit.Recv(t, ref.Done(), "stop of the supervisor after its last significant child")
}
