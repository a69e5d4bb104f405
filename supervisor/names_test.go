package supervisor

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/pidfmt"
	"github.com/otpnet/otpnet/internal/testkit"
)

// report is a supervisor report as a test reads it.
type report struct {
	supervisor, supervisorPID, errorContext, id, reason string
}

// reports is a slog handler that queues every supervisor report.
type reports chan report

func (reports) Enabled(context.Context, slog.Level) bool { return true }

func (r reports) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message != "supervisor report" {
		return nil
	}
	var rep report
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "supervisor":
			rep.supervisor = a.Value.String()
		case "supervisor_pid":
			rep.supervisorPID = a.Value.String()
		case "errorContext":
			rep.errorContext = a.Value.String()
		case "id":
			rep.id = a.Value.String()
		case "reason":
			rep.reason = a.Value.String()
		}
		return true
	})
	r <- rep
	return nil
}

func (r reports) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r reports) WithGroup(string) slog.Handler      { return r }

// next returns the next report.
func (r reports) next(t *testing.T) report {
	t.Helper()
	select {
	case rep := <-r:
		return rep
	case <-time.After(testkit.WaitBound):
		t.Fatalf("no supervisor report within %v", testkit.WaitBound)
		return report{}
	}
}

// none checks that no report is queued.
func (r reports) none(t *testing.T) {
	t.Helper()
	select {
	case rep := <-r:
		t.Fatalf("unexpected report %+v", rep)
	default:
	}
}

// probeReporting is a probe whose system's log goes to the returned
// reports.
func probeReporting(t *testing.T) (*probe, reports) {
	p := newProbe(t)
	r := make(reports, 64)
	p.sys = otpactor.NewSystem(otpactor.WithLogger(slog.New(r)))
	return p, r
}

// supSpec is the spec of a child supervisor id over specs.
func supSpec(id string, specs ...ChildSpec) ChildSpec {
	return ChildSpec{ID: id, Type: Supervisor, Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
		r, err := Start(ctx, Flags{}, specs)
		if err != nil {
			return nil, err
		}
		return r.PID(), nil
	}}
}

// A supervisor's reports name it after its parent's name and its child
// ID, down the tree, from a name given at the top (Hooks.Name) or the top
// supervisor's PID, which a named one's reports give as well.
func TestReportNames(t *testing.T) {
	p, reps := probeReporting(t)
	top, err := StartWith(p.sys.Root, Flags{}, []ChildSpec{supSpec("a", supSpec("b", p.child("w")))},
		Hooks{Name: func() string { return "top" }})
	if err != nil {
		t.Fatal(err)
	}
	defer top.Stop()
	w := p.want(t, "w:spawn")[0].pid
	p.sys.Root.Send(w, crash{"boom"})
	rep := reps.next(t)
	b := pidOf(t, mustLookup(t, p, pidOf(t, top, "a")), "b")
	if want := (report{"top/a/b", pidfmt.String(b), "child_terminated", "w", "{panic,boom}"}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	p.want(t, "w:stopping", "w:stopped", "w:spawn") // w's restart

	unnamed, err := Start(p.sys.Root, Flags{}, []ChildSpec{supSpec("a", p.child("v")), p.child("u")})
	if err != nil {
		t.Fatal(err)
	}
	defer unnamed.Stop()
	ev := p.want(t, "v:spawn", "u:spawn")
	p.sys.Root.Send(ev[0].pid, crash{"bang"})
	rep = reps.next(t)
	a := pidOf(t, unnamed, "a")
	if want := (report{pidfmt.String(unnamed.PID()) + "/a", pidfmt.String(a), "child_terminated", "v", "{panic,bang}"}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	p.sys.Root.Send(ev[1].pid, crash{"bump"})
	rep = reps.next(t)
	if want := (report{pidfmt.String(unnamed.PID()), "", "child_terminated", "u", "{panic,bump}"}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
}

func mustLookup(t *testing.T, p *probe, pid *actor.PID) *Ref {
	t.Helper()
	r, err := Lookup(p.sys, pid)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A child that fails to start is reported once: by the supervisor that
// restarts it, not by the child supervisor in whose Start it failed; a
// failure within Start is the caller's to report, and nothing is logged.
func TestStartErrorToldOnce(t *testing.T) {
	p, reps := probeReporting(t)
	failing := ChildSpec{ID: "inner", Start: func(actor.SpawnerContext, ...any) (*actor.PID, error) { return nil, errBoom }}
	_, err := Start(p.sys.Root, Flags{}, []ChildSpec{supSpec("outer", failing)})
	var se, inner *StartError
	if !errors.As(err, &se) || se.ID != "outer" || !errors.As(se.Err, &inner) || inner.ID != "inner" || !errors.Is(err, errBoom) {
		t.Fatalf("Start: %v, want outer's start error, inner's boom", err)
	}
	reps.none(t)

	// The second start of "outer" fails, the third does not.
	var starts atomic.Int32
	outer := ChildSpec{ID: "outer", Type: Supervisor, Start: func(ctx actor.SpawnerContext, _ ...any) (*actor.PID, error) {
		specs := []ChildSpec{p.child("w")}
		if starts.Add(1) == 2 {
			specs = []ChildSpec{failing}
		}
		r, err := Start(ctx, Flags{}, specs)
		if err != nil {
			return nil, err
		}
		return r.PID(), nil
	}}
	top, err := StartWith(p.sys.Root, Flags{Intensity: MaxRestarts(3, time.Minute)}, []ChildSpec{outer},
		Hooks{Name: func() string { return "top" }})
	if err != nil {
		t.Fatal(err)
	}
	defer top.Stop()
	p.want(t, "w:spawn")
	if err := mustLookup(t, p, pidOf(t, top, "outer")).Stop(); err != nil {
		t.Fatal(err)
	}
	rep := reps.next(t)
	if rep.supervisor != "top" || rep.errorContext != "child_terminated" || rep.id != "outer" {
		t.Fatalf("report %+v, want top's child_terminated of outer", rep)
	}
	rep = reps.next(t)
	if rep.supervisor != "top" || rep.errorContext != "start_error" || rep.id != "outer" ||
		rep.reason != `{shutdown,{failed_to_start_child,"inner",boom}}` {
		t.Fatalf("report %+v, want top's start_error of outer", rep)
	}
	p.want(t, "w:stopping", "w:stopped", "w:spawn") // the third start
	if got := children(t, top); !equal(got, []string{"outer=run"}) {
		t.Fatalf("children %v", got)
	}
	reps.none(t)
}
