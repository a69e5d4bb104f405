package supervisor

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

func TestInvalidInput(t *testing.T) {
	p := newProbe(t)
	ok := p.child("ok")
	with := func(f func(*ChildSpec)) ChildSpec {
		c := p.child("c")
		f(&c)
		return c
	}
	for _, tt := range []struct {
		name   string
		flags  Flags
		specs  []ChildSpec
		field  string
		reason string
	}{
		{"strategy", Flags{Strategy: Strategy(9)}, nil, "Flags.Strategy", "invalid_strategy"},
		{"negative intensity", Flags{Intensity: MaxRestarts(-1, time.Second)}, nil, "Flags.Intensity", "invalid_intensity"},
		{"zero period", Flags{Intensity: MaxRestarts(1, 0)}, nil, "Flags.Intensity", "invalid_period"},
		{"auto_shutdown", Flags{AutoShutdown: AutoShutdown(7)}, nil, "Flags.AutoShutdown", "invalid_auto_shutdown"},
		{"negative max_children", Flags{Strategy: SimpleOneForOne, MaxChildren: -1}, []ChildSpec{ok}, "Flags.MaxChildren", "invalid_max_children"},
		{"max_children on one_for_one", Flags{MaxChildren: 3}, nil, "Flags.MaxChildren", "invalid_max_children"},
		{"simple without spec", Flags{Strategy: SimpleOneForOne}, nil, "specs", "bad_start_spec"},
		{"simple with two specs", Flags{Strategy: SimpleOneForOne}, []ChildSpec{ok, p.child("x")}, "specs", "bad_start_spec"},
		{"empty id", Flags{}, []ChildSpec{ok, {Start: ok.Start}}, "ChildSpec.ID", "missing_id"},
		{"nil start", Flags{}, []ChildSpec{ok, {ID: "c"}}, "ChildSpec.Start", "missing_start"},
		{"duplicate id", Flags{}, []ChildSpec{ok, p.child("ok")}, "ChildSpec.ID", "duplicate_child_name"},
		{"restart type", Flags{}, []ChildSpec{with(func(c *ChildSpec) { c.Restart = Restart(5) })}, "ChildSpec.Restart", "invalid_restart_type"},
		{"significant with never", Flags{}, []ChildSpec{with(func(c *ChildSpec) { c.Restart, c.Significant = Transient, true })}, "ChildSpec.Significant", "bad_combination"},
		{"significant permanent", Flags{AutoShutdown: AnySignificant}, []ChildSpec{with(func(c *ChildSpec) { c.Significant = true })}, "ChildSpec.Significant", "bad_combination"},
		{"child type", Flags{}, []ChildSpec{with(func(c *ChildSpec) { c.Type = ChildType(3) })}, "ChildSpec.Type", "invalid_child_type"},
		{"negative timeout", Flags{}, []ChildSpec{with(func(c *ChildSpec) { c.Shutdown = Timeout(-time.Millisecond) })}, "ChildSpec.Shutdown", "invalid_shutdown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ref, err := Start(p.sys.Root, tt.flags, tt.specs)
			var ie *InvalidError
			if ref != nil || !errors.As(err, &ie) {
				t.Fatalf("Start = %v, %v; want an *InvalidError", ref, err)
			}
			if ie.Field != tt.field || ie.Reason != tt.reason {
				t.Errorf("error on %s (%s), want %s (%s)", ie.Field, ie.Reason, tt.field, tt.reason)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
			p.quiet(t) // nothing was started
		})
	}
	if _, err := Start(nil, Flags{}, nil); err == nil || !strings.Contains(err.Error(), "parent") {
		t.Errorf("Start(nil, ...) = %v, want an error naming the parent", err)
	}
}

func TestEmptySupervisor(t *testing.T) {
	p := newProbe(t)
	ref := p.supervise(t, Flags{}) // a supervisor may start with no children
	if n, err := ref.CountChildren(); err != nil || n != (Counts{}) {
		t.Errorf("CountChildren = %+v, %v", n, err)
	}
}

func TestValuesPrintAsErlang(t *testing.T) {
	pid := actor.NewPID("nonhost", "supervisor$1/a$2")
	for _, tt := range []struct {
		v    any
		want string
	}{
		{OneForOne, "one_for_one"},
		{OneForAll, "one_for_all"},
		{RestForOne, "rest_for_one"},
		{SimpleOneForOne, "simple_one_for_one"},
		{Permanent, "permanent"},
		{Transient, "transient"},
		{Temporary, "temporary"},
		{Worker, "worker"},
		{Supervisor, "supervisor"},
		{Never, "never"},
		{AnySignificant, "any_significant"},
		{AllSignificant, "all_significant"},
		{BrutalKill, "brutal_kill"},
		{Infinity, "infinity"},
		{Timeout(2500 * time.Millisecond), "2500"},
		{ShutdownPolicy{}, "default"},
		{Intensity{}, "1 in 5s"},
		{MaxRestarts(3, time.Minute), "3 in 1m0s"},
		{Normal, "normal"},
		{Shutdown, "shutdown"},
		{&ShutdownError{Term: "bye"}, "{shutdown,bye}"},
		{&PanicError{Value: "boom"}, "{panic,boom}"},
		{&AlreadyStartedError{PID: pid}, "{already_started,<nonhost/supervisor$1/a$2>}"},
		{&Error{Op: "restart_child", ID: "a", Err: ErrRunning}, `supervisor: restart_child "a": running`},
		{&Error{Op: "which_children", Err: ErrNoProc}, "supervisor: which_children: noproc"},
	} {
		if got := fmt.Sprint(tt.v); got != tt.want {
			t.Errorf("%#v prints %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestReasons(t *testing.T) {
	for _, tt := range []struct {
		reason   error
		abnormal bool
	}{
		{Normal, false},
		{Shutdown, false},
		{&ShutdownError{Term: 1}, false},
		{fmt.Errorf("wrapped: %w", Shutdown), false},
		{errBoom, true},
		{&PanicError{Value: Shutdown}, true}, // a panic is never an orderly exit
		{&PanicError{Value: "x"}, true},
	} {
		if got := abnormal(tt.reason); got != tt.abnormal {
			t.Errorf("abnormal(%v) = %v, want %v", tt.reason, got, tt.abnormal)
		}
	}
	if !errors.Is(&ShutdownError{}, Shutdown) || errors.Is(&ShutdownError{}, Normal) {
		t.Error("ShutdownError must match Shutdown only")
	}
	if !errors.Is(&PanicError{Value: errBoom}, errBoom) {
		t.Error("PanicError does not unwrap an error value")
	}
}
