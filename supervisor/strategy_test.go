package supervisor

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

func TestStartsChildrenLeftToRight(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"), p.child("b"), p.child("c"))
	p.want(t, "a:spawn", "b:spawn", "c:spawn")
	// OTP's which_children lists the last started first.
	if got, want := children(t, ref), []string{"c=run", "b=run", "a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	p.quiet(t)
}

func TestStopTerminatesChildrenRightToLeft(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"), p.child("b"), p.child("c"))
	p.want(t, "a:spawn", "b:spawn", "c:spawn")
	if err := ref.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// Each child is gone before the next one is asked to stop.
	p.want(t, "c:stopping", "c:stopped", "b:stopping", "b:stopped", "a:stopping", "a:stopped")
	if !errors.Is(ref.Err(), Shutdown) {
		t.Errorf("Err = %v, want shutdown", ref.Err())
	}
	if _, err := ref.WhichChildren(); !errors.Is(err, ErrNoProc) {
		t.Errorf("WhichChildren after Stop: %v, want noproc", err)
	}
	if err := ref.Stop(); !errors.Is(err, ErrNoProc) {
		t.Errorf("second Stop: %v, want noproc", err)
	}
}

// noproc is one value across otpnet: a call on a stopped supervisor
// matches inet's (and socket's) ErrNoProc as it matches supervisor's.
func TestErrNoProcIsInets(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{})
	if err := ref.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	_, err := ref.WhichChildren()
	if !errors.Is(err, ErrNoProc) || !errors.Is(err, inet.ErrNoProc) {
		t.Fatalf("WhichChildren after Stop: %v, want supervisor's and inet's noproc", err)
	}
}

func TestOneForOneRestartsOnlyFailed(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: OneForOne}, p.child("a"), p.child("b"), p.child("c"))
	ev := p.want(t, "a:spawn", "b:spawn", "c:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"boom"})
	again := p.want(t, "b:stopping", "b:stopped", "b:spawn")
	if again[2].pid.Equal(ev[1].pid) {
		t.Error("b was not restarted as a new actor")
	}
	if !pidOf(t, ref, "a").Equal(ev[0].pid) || !pidOf(t, ref, "c").Equal(ev[2].pid) {
		t.Error("a or c changed")
	}
	if !pidOf(t, ref, "b").Equal(again[2].pid) {
		t.Error("WhichChildren does not have b's new PID")
	}
	p.quiet(t)
	if !p.logs.Has("child_terminated {panic,boom}") {
		t.Errorf("no child_terminated report in %v", p.logs.Lines())
	}
}

func TestOneForAllRestartsAll(t *testing.T) {
	p := newProbe(t)
	p.supervise(t, Flags{Strategy: OneForAll}, p.child("a"), p.child("b"), p.child("c"))
	ev := p.want(t, "a:spawn", "b:spawn", "c:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"boom"})
	p.want(t,
		"b:stopping", "b:stopped", // the crash
		"c:stopping", "c:stopped", "a:stopping", "a:stopped", // the others, right to left
		"a:spawn", "b:spawn", "c:spawn") // all again, left to right
}

func TestRestForOne(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: RestForOne}, p.child("a"), p.child("b"), p.child("c"), p.child("d"))
	ev := p.want(t, "a:spawn", "b:spawn", "c:spawn", "d:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"boom"})
	p.want(t,
		"b:stopping", "b:stopped", // the crash
		"d:stopping", "d:stopped", "c:stopping", "c:stopped", // those after it, right to left
		"b:spawn", "c:spawn", "d:spawn") // it and them again, left to right
	if !pidOf(t, ref, "a").Equal(ev[0].pid) {
		t.Error("a, started before b, was restarted")
	}
	p.quiet(t)
}

func TestPermanentRestartedAfterNormalExit(t *testing.T) {
	p := newProbe(t)
	p.supervise(t, Flags{}, p.child("a"))
	ev := p.want(t, "a:spawn")
	p.sys.Root.Send(ev[0].pid, stopSelf{})
	p.want(t, "a:stopping", "a:stopped", "a:spawn")
}

func TestTransientNormalExitNotRestarted(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  any
	}{
		{"stop", stopSelf{}},
		{"exit_nil", exitWith{nil}},
		{"exit_normal", exitWith{Normal}},
		{"exit_shutdown", exitWith{Shutdown}},
		{"exit_shutdown_term", exitWith{&ShutdownError{Term: "bye"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newProbe(t)
			spec := p.child("a")
			spec.Restart = Transient
			ref := p.supervise(t, Flags{}, spec, p.child("b"))
			ev := p.want(t, "a:spawn", "b:spawn")
			p.sys.Root.Send(ev[0].pid, tt.msg)
			p.want(t, "a:stopping", "a:stopped")
			p.handled(t, ev[0].pid)
			// The spec stays, without a process.
			if got, want := children(t, ref), []string{"b=run", "a=undefined"}; !equal(got, want) {
				t.Errorf("WhichChildren = %v, want %v", got, want)
			}
			p.quiet(t)
		})
	}
}

func TestTransientAbnormalExitRestarted(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  any
	}{
		{"panic", crash{"boom"}},
		{"panic_shutdown_value", crash{Shutdown}}, // a panic is not Exit
		{"exit_error", exitWith{errBoom}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newProbe(t)
			spec := p.child("a")
			spec.Restart = Transient
			ref := p.supervise(t, Flags{}, spec)
			ev := p.want(t, "a:spawn")
			p.sys.Root.Send(ev[0].pid, tt.msg)
			p.want(t, "a:stopping", "a:stopped", "a:spawn")
			if got, want := children(t, ref), []string{"a=run"}; !equal(got, want) {
				t.Errorf("WhichChildren = %v, want %v", got, want)
			}
		})
	}
}

func TestTemporaryNeverRestarted(t *testing.T) {
	p := newProbe(t)
	spec := p.child("a")
	spec.Restart = Temporary
	ref := p.supervise(t, Flags{}, spec, p.child("b"))
	ev := p.want(t, "a:spawn", "b:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped")
	p.handled(t, ev[0].pid)
	// The spec is forgotten.
	if got, want := children(t, ref), []string{"b=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	p.quiet(t)
}

func TestTemporaryNotRestartedBySiblingRestart(t *testing.T) {
	p := newProbe(t)
	temp := p.child("t")
	temp.Restart = Temporary
	ref := p.supervise(t, Flags{Strategy: OneForAll}, p.child("a"), temp, p.child("b"))
	ev := p.want(t, "a:spawn", "t:spawn", "b:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped",
		"b:stopping", "b:stopped", "t:stopping", "t:stopped",
		"a:spawn", "b:spawn")
	if got, want := children(t, ref), []string{"b=run", "a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	p.quiet(t)
}

func TestIntensityExceededStopsSupervisor(t *testing.T) {
	p := newProbe(t)
	// The zero Flags allow OTP's default, 1 restart in 5 seconds.
	ref := p.supervise(t, Flags{}, p.child("a"), p.child("b"), p.child("c"))
	ev := p.want(t, "a:spawn", "b:spawn", "c:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"first"})
	again := p.want(t, "b:stopping", "b:stopped", "b:spawn")
	p.sys.Root.Send(again[2].pid, crash{"second"})
	// The second restart is one too many: the others go, right to left.
	p.want(t, "b:stopping", "b:stopped", "c:stopping", "c:stopped", "a:stopping", "a:stopped")
	waitDone(t, ref)
	if !errors.Is(ref.Err(), Shutdown) {
		t.Errorf("Err = %v, want shutdown", ref.Err())
	}
	if !p.logs.Has("shutdown reached_max_restart_intensity") {
		t.Errorf("no reached_max_restart_intensity report in %v", p.logs.Lines())
	}
	p.quiet(t)
}

func TestIntensityZeroStopsOnFirstRestart(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Intensity: MaxRestarts(0, time.Second)}, p.child("a"), p.child("b"))
	ev := p.want(t, "a:spawn", "b:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped", "b:stopping", "b:stopped")
	waitDone(t, ref)
	p.quiet(t)
}

// clock is a test clock that moves only when told.
type clock struct{ now atomic.Int64 }

func (c *clock) time() time.Time         { return time.Unix(0, c.now.Load()) }
func (c *clock) advance(d time.Duration) { c.now.Add(int64(d)) }

func TestIntensityForgetsRestartsOlderThanPeriod(t *testing.T) {
	p := newProbe(t)
	var c clock
	h := p.hooks()
	h.clock = c.time
	ref, err := start(p.sys.Root, Flags{Intensity: MaxRestarts(1, 10*time.Second)}, []ChildSpec{p.child("a")}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ref.Stop() })
	ev := p.want(t, "a:spawn")
	p.sys.Root.Send(ev[0].pid, crash{1})
	ev = p.want(t, "a:stopping", "a:stopped", "a:spawn")

	c.advance(10*time.Second + time.Nanosecond) // the first restart leaves the window
	p.sys.Root.Send(ev[2].pid, crash{2})
	ev = p.want(t, "a:stopping", "a:stopped", "a:spawn")

	c.advance(10 * time.Second) // still within the window of the second
	p.sys.Root.Send(ev[2].pid, crash{3})
	p.want(t, "a:stopping", "a:stopped")
	waitDone(t, ref)
	p.quiet(t)
}

func TestRestartFailureIsRetried(t *testing.T) {
	p := newProbe(t)
	var starts atomic.Int32
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{fail: func() error {
		if n := starts.Add(1); n == 2 || n == 3 {
			return errBoom // the first two restarts fail
		}
		return nil
	}})}
	ref := p.supervise(t, Flags{Intensity: MaxRestarts(3, time.Minute)}, spec)
	ev := p.want(t, "a:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped", "a:fail", "a:fail", "a:spawn")
	if got, want := children(t, ref), []string{"a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	if !p.logs.Has("start_error boom") {
		t.Errorf("no start_error report in %v", p.logs.Lines())
	}
}

func TestRestartRetryLetsCallsIn(t *testing.T) {
	p := newProbe(t)
	var ref *Ref
	var seen []Child
	asked := make(chan struct{})
	var starts atomic.Int32
	spec := ChildSpec{ID: "a", Start: func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
		if starts.Add(1) == 2 {
			// Queue a call while the restart is under way: it must be
			// answered before the restart is tried again, and see the
			// child as restarting.
			req := &request{done: asked, fn: func(_ actor.Context, s *sup) error {
				seen = s.whichChildren()
				return nil
			}}
			p.sys.Root.Send(ref.PID(), req)
			return nil, errBoom
		}
		return p.start("a", behaviour{})(ctx, args...)
	}}
	ref = p.supervise(t, Flags{Intensity: MaxRestarts(5, time.Minute)}, spec)
	ev := p.want(t, "a:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped", "a:spawn")
	testkit.Recv(t, asked, "answer to the call")
	if len(seen) != 1 || !seen[0].Restarting || seen[0].PID != nil {
		t.Errorf("during the retry, WhichChildren = %+v, want a restarting", seen)
	}
}

func TestRestartFailureExhaustsIntensity(t *testing.T) {
	p := newProbe(t)
	var starts atomic.Int32
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{fail: func() error {
		if starts.Add(1) > 1 {
			return errBoom
		}
		return nil
	}})}
	ref := p.supervise(t, Flags{Intensity: MaxRestarts(2, time.Minute)}, p.child("z"), spec)
	ev := p.want(t, "z:spawn", "a:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"boom"})
	// Two restarts allowed, both fail; the third attempt is one too many.
	p.want(t, "a:stopping", "a:stopped", "a:fail", "a:fail", "z:stopping", "z:stopped")
	waitDone(t, ref)
	if !errors.Is(ref.Err(), Shutdown) {
		t.Errorf("Err = %v, want shutdown", ref.Err())
	}
	p.quiet(t)
}

func TestStartFailureStopsStarted(t *testing.T) {
	p := newProbe(t)
	bad := ChildSpec{ID: "c", Start: p.start("c", behaviour{fail: func() error { return errBoom }})}
	ref, err := Start(p.sys.Root, Flags{}, []ChildSpec{p.child("a"), p.child("b"), bad, p.child("d")})
	if ref != nil {
		t.Error("Start returned a Ref")
	}
	var se *StartError
	if !errors.As(err, &se) || se.ID != "c" || !errors.Is(err, errBoom) || !errors.Is(err, Shutdown) {
		t.Fatalf("Start error = %v, want {shutdown,{failed_to_start_child,c,boom}}", err)
	}
	if got, want := err.Error(), `{shutdown,{failed_to_start_child,"c",boom}}`; got != want {
		t.Errorf("error prints %s, want %s", got, want)
	}
	// Start returns once the started children are gone, right to left.
	p.want(t, "a:spawn", "b:spawn", "c:fail", "b:stopping", "b:stopped", "a:stopping", "a:stopped")
	p.quiet(t)
}

func TestStartFunctionPanicIsStartError(t *testing.T) {
	p := newProbe(t)
	bad := ChildSpec{ID: "x", Start: func(actor.SpawnerContext, ...any) (*actor.PID, error) { panic("oops") }}
	_, err := Start(p.sys.Root, Flags{}, []ChildSpec{p.child("a"), bad})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "oops" {
		t.Fatalf("Start error = %v, want a *PanicError", err)
	}
	p.want(t, "a:spawn", "a:stopping", "a:stopped")
}

func TestStartRejectsForeignPID(t *testing.T) {
	p := newProbe(t)
	var foreign *actor.PID
	bad := ChildSpec{ID: "x", Start: func(actor.SpawnerContext, ...any) (*actor.PID, error) {
		foreign = p.sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
		return foreign, nil
	}}
	_, err := Start(p.sys.Root, Flags{}, []ChildSpec{bad})
	var se *StartError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not a child of supervisor") {
		t.Fatalf("Start error = %v, want a start error saying the PID is not a child", err)
	}
	if err := p.sys.Root.StopFuture(foreign).Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestStartIgnore(t *testing.T) {
	p := newProbe(t)
	var ignore atomic.Bool
	ignore.Store(true)
	ignoring := func(id string) StartFunc {
		return func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
			if ignore.Load() {
				return nil, Ignore
			}
			return p.start(id, behaviour{})(ctx, args...)
		}
	}
	temp := ChildSpec{ID: "t", Start: ignoring("t"), Restart: Temporary}
	ref := p.supervise(t, Flags{}, p.child("a"), ChildSpec{ID: "i", Start: ignoring("i")}, temp)
	p.want(t, "a:spawn")
	// A non-temporary spec is kept without a process, a temporary one dropped.
	if got, want := children(t, ref), []string{"i=undefined", "a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	ignore.Store(false)
	pid, err := ref.RestartChild("i")
	if err != nil || pid == nil {
		t.Fatalf("RestartChild(i) = %v, %v", pid, err)
	}
	p.want(t, "i:spawn")
	ignore.Store(true)
	if pid, err := ref.StartChild(ChildSpec{ID: "j", Start: ignoring("j")}); pid != nil || err != nil {
		t.Errorf("StartChild of an ignoring child = %v, %v; want nil, nil", pid, err)
	}
	if got, want := children(t, ref), []string{"j=undefined", "i=run", "a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
}

func TestNestedSupervisorEscalation(t *testing.T) {
	p := newProbe(t)
	mid := SupervisorSpec("mid", Flags{}, []ChildSpec{p.child("w")})
	top := p.supervise(t, Flags{Intensity: MaxRestarts(1, time.Minute)}, p.child("a"), mid)
	ev := p.want(t, "a:spawn", "w:spawn")
	mid1 := pidOf(t, top, "mid")

	// w crashes twice: mid gives up (default intensity, 1 in 5 s) and
	// exits with shutdown; top restarts mid, which starts w afresh.
	p.sys.Root.Send(ev[1].pid, crash{1})
	ev = p.want(t, "w:stopping", "w:stopped", "w:spawn")
	p.sys.Root.Send(ev[2].pid, crash{2})
	ev = p.want(t, "w:stopping", "w:stopped", "w:spawn")
	mid2 := pidOf(t, top, "mid")
	if mid2.Equal(mid1) {
		t.Fatal("mid was not restarted")
	}
	if !p.logs.Has("child_terminated shutdown") {
		t.Errorf("top did not see mid exit with shutdown: %v", p.logs.Lines())
	}

	// Again: now top exceeds its own intensity and gives up in turn,
	// stopping a after mid; the escalation ends at the top.
	p.sys.Root.Send(ev[2].pid, crash{3})
	ev = p.want(t, "w:stopping", "w:stopped", "w:spawn")
	p.sys.Root.Send(ev[2].pid, crash{4})
	p.want(t, "w:stopping", "w:stopped", "a:stopping", "a:stopped")
	waitDone(t, top)
	if !errors.Is(top.Err(), Shutdown) {
		t.Errorf("top Err = %v, want shutdown", top.Err())
	}
	if _, err := Lookup(p.sys, mid2); !errors.Is(err, ErrNoProc) {
		t.Errorf("Lookup of the stopped mid: %v, want noproc", err)
	}
	p.quiet(t)
}

func TestNestedSupervisorShutdownIsOrdered(t *testing.T) {
	p := newProbe(t)
	mid := SupervisorSpec("mid", Flags{}, []ChildSpec{p.child("m1"), p.child("m2")})
	top := p.supervise(t, Flags{}, p.child("a"), mid, p.child("b"))
	p.want(t, "a:spawn", "m1:spawn", "m2:spawn", "b:spawn")
	if err := top.Stop(); err != nil {
		t.Fatal(err)
	}
	// The subtree goes right to left too, and wholly before a.
	p.want(t, "b:stopping", "b:stopped",
		"m2:stopping", "m2:stopped", "m1:stopping", "m1:stopped",
		"a:stopping", "a:stopped")
	p.quiet(t)
}

func TestAutoShutdownAnySignificant(t *testing.T) {
	p := newProbe(t)
	sig := p.child("s")
	sig.Restart, sig.Significant = Transient, true
	ref := p.supervise(t, Flags{AutoShutdown: AnySignificant}, p.child("a"), sig, p.child("b"))
	ev := p.want(t, "a:spawn", "s:spawn", "b:spawn")
	p.sys.Root.Send(ev[1].pid, stopSelf{})
	p.want(t, "s:stopping", "s:stopped", "b:stopping", "b:stopped", "a:stopping", "a:stopped")
	waitDone(t, ref)
	if !errors.Is(ref.Err(), Shutdown) {
		t.Errorf("Err = %v, want shutdown", ref.Err())
	}
}

func TestAutoShutdownAllSignificant(t *testing.T) {
	p := newProbe(t)
	s1, s2 := p.child("s1"), p.child("s2")
	s1.Restart, s1.Significant = Temporary, true
	s2.Restart, s2.Significant = Temporary, true
	ref := p.supervise(t, Flags{AutoShutdown: AllSignificant}, p.child("a"), s1, s2)
	ev := p.want(t, "a:spawn", "s1:spawn", "s2:spawn")
	p.sys.Root.Send(ev[1].pid, crash{"boom"}) // temporary: any exit counts
	p.want(t, "s1:stopping", "s1:stopped")
	p.handled(t, ev[1].pid)
	if got, want := children(t, ref), []string{"s2=run", "a=run"}; !equal(got, want) {
		t.Errorf("after the first: WhichChildren = %v, want %v", got, want)
	}
	p.sys.Root.Send(ev[2].pid, stopSelf{})
	p.want(t, "s2:stopping", "s2:stopped", "a:stopping", "a:stopped")
	waitDone(t, ref)
}

func TestAutoShutdownNotTriggeredByRestartOrTerminate(t *testing.T) {
	p := newProbe(t)
	s1, s2 := p.child("s1"), p.child("s2")
	s1.Restart, s1.Significant = Transient, true
	s2.Restart, s2.Significant = Transient, true
	ref := p.supervise(t, Flags{AutoShutdown: AnySignificant, Intensity: MaxRestarts(5, time.Minute)}, s1, s2)
	ev := p.want(t, "s1:spawn", "s2:spawn")
	// An abnormal exit of a transient child restarts it: no shutdown.
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "s1:stopping", "s1:stopped", "s1:spawn")
	// Neither does terminate_child, which is the supervisor's own doing.
	if err := ref.TerminateChild("s2"); err != nil {
		t.Fatal(err)
	}
	p.want(t, "s2:stopping", "s2:stopped")
	if got, want := children(t, ref), []string{"s2=undefined", "s1=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	p.quiet(t)
}

func TestSupervisorUnderPlainActorStops(t *testing.T) {
	p := newProbe(t)
	refs := make(chan *Ref, 1)
	ended := make(chan *actor.PID, 1)
	failed := make(chan any, 1)
	// A plain actor starts a supervisor as its child. When the supervisor
	// gives up, it must stop, not panic: the plain actor's protoactor
	// strategy would restart it.
	parent := p.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			ref, err := Start(ctx, Flags{}, []ChildSpec{p.child("w")})
			if err != nil {
				failed <- err
				return
			}
			ctx.Watch(ref.PID())
			refs <- ref
		case *actor.Terminated:
			ended <- m.Who
		}
	}, actor.WithSupervisor(actor.NewOneForOneStrategy(10, time.Minute, func(reason any) actor.Directive {
		failed <- reason
		return actor.RestartDirective
	}))))
	defer p.sys.Root.Stop(parent)
	var ref *Ref
	select {
	case ref = <-refs:
	case err := <-failed:
		t.Fatal(err)
	case <-time.After(testkit.WaitBound):
		t.Fatal("the supervisor did not start")
	}
	ev := p.want(t, "w:spawn")
	p.sys.Root.Send(ev[0].pid, crash{1})
	ev = p.want(t, "w:stopping", "w:stopped", "w:spawn")
	p.sys.Root.Send(ev[2].pid, crash{2})
	p.want(t, "w:stopping", "w:stopped")
	select {
	case who := <-ended:
		if !who.Equal(ref.PID()) {
			t.Errorf("parent saw %v end, want the supervisor", who)
		}
	case reason := <-failed:
		t.Fatalf("the supervisor failed to its plain parent: %v", reason)
	case <-time.After(testkit.WaitBound):
		t.Fatal("the parent did not see the supervisor end")
	}
	waitDone(t, ref)
	if !errors.Is(ref.Err(), Shutdown) {
		t.Errorf("Err = %v, want shutdown", ref.Err())
	}
	p.quiet(t)
}
