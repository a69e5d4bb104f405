package supervisor

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

func TestStartChildGoesLast(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: RestForOne}, p.child("a"), p.child("b"))
	p.want(t, "a:spawn", "b:spawn")
	pid, err := ref.StartChild(p.child("c"))
	if err != nil || pid == nil {
		t.Fatalf("StartChild = %v, %v", pid, err)
	}
	p.want(t, "c:spawn")
	if got, want := children(t, ref), []string{"c=run", "b=run", "a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	// Last in the start order: a rest_for_one restart of b restarts it.
	p.sys.Root.Send(pidOf(t, ref, "b"), crash{"boom"})
	p.want(t, "b:stopping", "b:stopped", "c:stopping", "c:stopped", "b:spawn", "c:spawn")
}

func TestStartChildDuplicateID(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"))
	p.want(t, "a:spawn")
	running := pidOf(t, ref, "a")
	_, err := ref.StartChild(p.child("a"))
	var as *AlreadyStartedError
	if !errors.As(err, &as) || !as.PID.Equal(running) || !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("StartChild(a) while running = %v, want {already_started,%v}", err, running)
	}
	if err := ref.TerminateChild("a"); err != nil {
		t.Fatal(err)
	}
	p.want(t, "a:stopping", "a:stopped")
	if _, err := ref.StartChild(p.child("a")); !errors.Is(err, ErrAlreadyPresent) {
		t.Fatalf("StartChild(a) while stopped = %v, want already_present", err)
	}
	p.quiet(t) // the duplicates were never started
}

func TestStartChildErrors(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"))
	p.want(t, "a:spawn")
	_, err := ref.StartChild(ChildSpec{ID: "bad"})
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Field != "ChildSpec.Start" {
		t.Errorf("StartChild without Start = %v, want an *InvalidError on ChildSpec.Start", err)
	}
	failing := ChildSpec{ID: "f", Start: p.start("f", behaviour{fail: func() error { return errBoom }})}
	_, err = ref.StartChild(failing)
	var e *Error
	if !errors.As(err, &e) || e.Op != "start_child" || e.ID != "f" || !errors.Is(err, errBoom) {
		t.Errorf("StartChild of a failing child = %v", err)
	}
	if got, want := err.Error(), `supervisor: start_child "f": boom`; got != want {
		t.Errorf("error prints %q, want %q", got, want)
	}
	p.want(t, "f:fail")
	if _, err := ref.StartChildArgs(1); !errors.As(err, &ie) || ie.Reason != "invalid_child_spec" {
		t.Errorf("StartChildArgs on a one_for_one supervisor = %v, want invalid_child_spec", err)
	}
	// A failed start keeps nothing.
	if got, want := children(t, ref), []string{"a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
}

func TestTerminateChildKeepsSpec(t *testing.T) {
	p := newProbe(t)
	temp := p.child("t")
	temp.Restart = Temporary
	ref := p.supervise(t, Flags{}, p.child("a"), temp)
	p.want(t, "a:spawn", "t:spawn")
	for _, id := range []string{"a", "t"} {
		if err := ref.TerminateChild(id); err != nil {
			t.Fatalf("TerminateChild(%s): %v", id, err)
		}
		p.want(t, id+":stopping", id+":stopped")
	}
	// A permanent spec stays, not restarted; a temporary one is gone.
	if got, want := children(t, ref), []string{"a=undefined"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	if err := ref.TerminateChild("a"); err != nil {
		t.Errorf("TerminateChild of a stopped child = %v, want nil", err)
	}
	if err := ref.TerminateChild("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TerminateChild(nope) = %v, want not_found", err)
	}
	if err := ref.TerminateChildPID(stranger(p)); !errors.Is(err, ErrNotFound) {
		t.Errorf("TerminateChildPID on one_for_one = %v, want not_found", err)
	}
	p.quiet(t)
}

// stranger returns a live PID that is no supervisor's child: protoactor's event stream.
func stranger(p *probe) *actor.PID { return p.sys.NewLocalPID("eventstream") }

func TestRestartChild(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"))
	p.want(t, "a:spawn")
	if _, err := ref.RestartChild("a"); !errors.Is(err, ErrRunning) {
		t.Errorf("RestartChild while running = %v, want running", err)
	}
	if _, err := ref.RestartChild("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RestartChild(nope) = %v, want not_found", err)
	}
	if err := ref.TerminateChild("a"); err != nil {
		t.Fatal(err)
	}
	p.want(t, "a:stopping", "a:stopped")
	pid, err := ref.RestartChild("a")
	if err != nil {
		t.Fatal(err)
	}
	ev := p.want(t, "a:spawn")
	if !pid.Equal(ev[0].pid) || !pidOf(t, ref, "a").Equal(pid) {
		t.Errorf("RestartChild returned %v, started %v", pid, ev[0].pid)
	}
}

func TestDeleteChild(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"), p.child("b"))
	p.want(t, "a:spawn", "b:spawn")
	if err := ref.DeleteChild("a"); !errors.Is(err, ErrRunning) {
		t.Errorf("DeleteChild while running = %v, want running", err)
	}
	if err := ref.TerminateChild("a"); err != nil {
		t.Fatal(err)
	}
	p.want(t, "a:stopping", "a:stopped")
	if err := ref.DeleteChild("a"); err != nil {
		t.Fatal(err)
	}
	if got, want := children(t, ref), []string{"b=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	for _, err := range []error{
		ref.DeleteChild("a"),
		ref.TerminateChild("a"),
		func() error { _, err := ref.RestartChild("a"); return err }(),
		func() error { _, err := ref.GetChildSpec("a"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("after DeleteChild: %v, want not_found", err)
		}
	}
}

func TestRestartingChildRefusesRestartAndDelete(t *testing.T) {
	p := newProbe(t)
	var ref *Ref
	var restartErr, deleteErr error
	answered := make(chan struct{})
	var starts atomic.Int32
	spec := ChildSpec{ID: "a", Start: func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
		if starts.Add(1) == 2 {
			// Queued before the retry: the child is restarting then.
			p.sys.Root.Send(ref.PID(), &request{done: answered, fn: func(ctx actor.Context, s *sup) error {
				_, restartErr = s.restartChild(ctx, "a")
				deleteErr = s.deleteChild("a")
				return nil
			}})
			return nil, errBoom
		}
		return p.start("a", behaviour{})(ctx, args...)
	}}
	ref = p.supervise(t, Flags{Intensity: MaxRestarts(5, time.Minute)}, spec)
	ev := p.want(t, "a:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"boom"})
	p.want(t, "a:stopping", "a:stopped", "a:spawn")
	testkit.Recv(t, answered, "answer to the call")
	if !errors.Is(restartErr, ErrRestarting) || !errors.Is(deleteErr, ErrRestarting) {
		t.Errorf("while restarting: RestartChild = %v, DeleteChild = %v; want restarting", restartErr, deleteErr)
	}
}

func TestCountChildren(t *testing.T) {
	p := newProbe(t)
	mid := SupervisorSpec("mid", Flags{}, []ChildSpec{p.child("m")})
	ref := p.supervise(t, Flags{}, p.child("a"), p.child("b"), mid)
	p.want(t, "a:spawn", "b:spawn", "m:spawn")
	if err := ref.TerminateChild("b"); err != nil {
		t.Fatal(err)
	}
	n, err := ref.CountChildren()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Specs: 3, Active: 2, Supervisors: 1, Workers: 2}); n != want {
		t.Errorf("CountChildren = %+v, want %+v", n, want)
	}
}

func TestGetChildSpecDefaults(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("w"), SupervisorSpec("s", Flags{}, nil))
	p.want(t, "w:spawn")
	w, err := ref.GetChildSpec("w")
	if err != nil {
		t.Fatal(err)
	}
	if w.Restart != Permanent || w.Type != Worker || w.Shutdown != Timeout(5*time.Second) || w.Significant {
		t.Errorf("worker spec = restart %v, type %v, shutdown %v", w.Restart, w.Type, w.Shutdown)
	}
	s, err := ref.GetChildSpec("s")
	if err != nil {
		t.Fatal(err)
	}
	if s.Restart != Permanent || s.Type != Supervisor || s.Shutdown != Infinity {
		t.Errorf("supervisor spec = restart %v, type %v, shutdown %v", s.Restart, s.Type, s.Shutdown)
	}
	if got := w.Shutdown.String() + " " + s.Shutdown.String() + " " + BrutalKill.String(); got != "5000 infinity brutal_kill" {
		t.Errorf("shutdowns print as %q", got)
	}
}

func TestLookup(t *testing.T) {
	p := newProbe(t)
	dyn := SupervisorSpec("conns", Flags{Strategy: SimpleOneForOne}, []ChildSpec{{Start: p.start("conn", behaviour{})}})
	top := p.supervise(t, Flags{Strategy: RestForOne}, dyn, p.child("acceptor"))
	p.want(t, "acceptor:spawn")
	conns, err := Lookup(p.sys, pidOf(t, top, "conns"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conns.StartChildArgs("socket"); err != nil {
		t.Fatal(err)
	}
	p.want(t, "conn:spawn")
	if err := top.Stop(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, conns)
	if _, err := conns.WhichChildren(); !errors.Is(err, ErrNoProc) {
		t.Errorf("call to a stopped child supervisor = %v, want noproc", err)
	}
	if _, err := Lookup(p.sys, conns.PID()); !errors.Is(err, ErrNoProc) {
		t.Errorf("Lookup of a stopped supervisor = %v, want noproc", err)
	}
	if _, err := Lookup(p.sys, stranger(p)); !errors.Is(err, ErrNoProc) {
		t.Errorf("Lookup of a non-supervisor = %v, want noproc", err)
	}
}

func TestCallsAfterStopFailWithNoProc(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}, p.child("a"))
	if err := ref.Stop(); err != nil {
		t.Fatal(err)
	}
	calls := map[string]error{
		"StartChild":        func() error { _, err := ref.StartChild(p.child("b")); return err }(),
		"StartChildArgs":    func() error { _, err := ref.StartChildArgs(); return err }(),
		"TerminateChild":    ref.TerminateChild("a"),
		"TerminateChildPID": ref.TerminateChildPID(stranger(p)),
		"RestartChild":      func() error { _, err := ref.RestartChild("a"); return err }(),
		"DeleteChild":       ref.DeleteChild("a"),
		"WhichChildren":     func() error { _, err := ref.WhichChildren(); return err }(),
		"CountChildren":     func() error { _, err := ref.CountChildren(); return err }(),
		"GetChildSpec":      func() error { _, err := ref.GetChildSpec("a"); return err }(),
		"Stop":              ref.Stop(),
	}
	for name, err := range calls {
		if !errors.Is(err, ErrNoProc) {
			t.Errorf("%s after Stop = %v, want noproc", name, err)
		}
	}
}

func TestCallsAreSafeFromManyGoroutines(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, ChildSpec{Start: p.start("w", behaviour{}), Restart: Temporary})
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			pid, err := ref.StartChildArgs()
			if err == nil {
				_, err = ref.WhichChildren()
			}
			if err == nil {
				err = ref.TerminateChildPID(pid)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if c, err := ref.CountChildren(); err != nil || c.Active != 0 {
		t.Errorf("CountChildren = %+v, %v; want none left", c, err)
	}
}
