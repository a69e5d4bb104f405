package supervisor

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// holdChild makes the child at pid block in a message, queues notes "1"
// and "2" behind it, and returns the channel that lets it go on.
func holdChild(t *testing.T, p *probe, pid *actor.PID) chan<- struct{} {
	t.Helper()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	p.sys.Root.Send(pid, hold{entered, release})
	p.sys.Root.Send(pid, note{"1"})
	p.sys.Root.Send(pid, note{"2"})
	testkit.Recv(t, entered, "hold message taken by the child")
	return release
}

func TestShutdownBrutalKillSkipsQueuedMessages(t *testing.T) {
	p := newProbe(t)
	stops := make(chan any, 8)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{posted: stops}), Shutdown: BrutalKill}
	ref := p.supervise(t, Flags{}, spec)
	ev := p.want(t, "a:spawn")
	release := holdChild(t, p, ev[0].pid)

	done := make(chan error, 1)
	go func() { done <- ref.TerminateChild("a") }()
	if got := posted(t, stops); got != "stop" {
		t.Fatalf("brutal_kill posted %s, want stop", got)
	}
	close(release)
	// Stop jumps the queued notes: the child stops right after the hold.
	p.want(t, "a:stopping", "a:stopped")
	if err := testkit.Result(t, "TerminateChild", done); err != nil {
		t.Fatal(err)
	}
	p.quiet(t)
}

func TestShutdownTimeoutDrainsQueuedMessages(t *testing.T) {
	p := newProbe(t)
	stops := make(chan any, 8)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{posted: stops}), Shutdown: Timeout(time.Minute)}
	ref := p.supervise(t, Flags{}, spec)
	ev := p.want(t, "a:spawn")
	release := holdChild(t, p, ev[0].pid)

	done := make(chan error, 1)
	go func() { done <- ref.TerminateChild("a") }()
	if got := posted(t, stops); got != "poison" {
		t.Fatalf("a graceful shutdown posted %s, want poison", got)
	}
	close(release)
	// A graceful stop comes after the messages already queued.
	p.want(t, "a:got:1", "a:got:2", "a:stopping", "a:stopped")
	if err := testkit.Result(t, "TerminateChild", done); err != nil {
		t.Fatal(err)
	}
	p.quiet(t)
}

func TestShutdownTimeoutKills(t *testing.T) {
	p := newProbe(t)
	const timeout = 50 * time.Millisecond
	stuck := make(chan struct{})
	stops := make(chan any, 8)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{stopping: stuck, posted: stops}), Shutdown: Timeout(timeout)}
	ref := p.supervise(t, Flags{}, spec)
	killed := p.want(t, "a:spawn")[0].pid

	begin := time.Now()
	if err := ref.TerminateChild("a"); err != nil {
		t.Fatalf("TerminateChild: %v", err)
	}
	if elapsed := time.Since(begin); elapsed < timeout {
		t.Errorf("TerminateChild returned after %v, before the %v timeout", elapsed, timeout)
	}
	p.want(t, "a:stopping") // and stuck there
	// Still registered: messages to it wait in its mailbox. The
	// supervisor does not take another actor out of the registry.
	if _, ok := p.sys.ProcessRegistry.Get(killed); !ok {
		t.Error("the killed child left the registry while it still runs")
	}
	// The graceful request, the Stop protoactor's PoisonPill handling
	// sends the child itself, and the supervisor's kill.
	if a, b, c := posted(t, stops), posted(t, stops), posted(t, stops); a != "poison" || b != "stop" || c != "stop" {
		t.Errorf("posted %s, %s, %s; want poison, stop, stop", a, b, c)
	}
	if !p.logs.Has("shutdown_error killed") {
		t.Errorf("no shutdown_error killed report in %v", p.logs.Lines())
	}
	// The supervisor considers the child gone and goes on, even though
	// the stuck goroutine is still in its Stopping handler.
	if got, want := children(t, ref), []string{"a=undefined"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	if _, err := ref.RestartChild("a"); err != nil {
		t.Fatalf("RestartChild after the kill: %v", err)
	}
	p.want(t, "a:spawn")
	close(stuck)
	p.want(t, "a:stopped")
	// Its Terminated comes at last, and is ignored: the new child runs on.
	p.handled(t, killed)
	if _, ok := p.sys.ProcessRegistry.Get(killed); ok {
		t.Error("the killed child is still registered once it has stopped")
	}
	if got, want := children(t, ref), []string{"a=run"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v", got, want)
	}
	p.quiet(t)
}

func TestShutdownInfinityWaits(t *testing.T) {
	p := newProbe(t)
	slow := make(chan struct{})
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{stopping: slow}), Shutdown: Infinity}
	ref := p.supervise(t, Flags{}, spec)
	p.want(t, "a:spawn")

	done := make(chan error, 1)
	go func() {
		err := ref.TerminateChild("a")
		p.emit(event{what: "TerminateChild returned"})
		done <- err
	}()
	p.want(t, "a:stopping")
	// Held longer than a timeout would wait (twice TestShutdownTimeoutKills'
	// 50 ms): a time that must pass, the one wait of this test that is not
	// on an event.
	select {
	case err := <-done:
		t.Fatalf("TerminateChild returned (%v) while the child was still stopping", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(slow)
	p.want(t, "a:stopped", "TerminateChild returned")
	if err := testkit.Result(t, "TerminateChild once the child stopped", done); err != nil {
		t.Fatalf("TerminateChild: %v", err)
	}
}

func TestShutdownCrashDuringGracefulStop(t *testing.T) {
	p := newProbe(t)
	stops := make(chan any, 8)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{posted: stops}), Shutdown: Infinity}
	ref := p.supervise(t, Flags{}, spec)
	ev := p.want(t, "a:spawn")
	entered, release := make(chan struct{}, 1), make(chan struct{})
	p.sys.Root.Send(ev[0].pid, hold{entered, release})
	p.sys.Root.Send(ev[0].pid, crash{"late"})
	testkit.Recv(t, entered, "hold message taken by the child")

	done := make(chan error, 1)
	go func() { done <- ref.TerminateChild("a") }()
	if got := posted(t, stops); got != "poison" {
		t.Fatalf("posted %s, want poison", got)
	}
	// The child crashes with the PoisonPill behind the crash: its mailbox
	// is suspended and will never get to it. The supervisor must notice.
	close(release)
	if got := posted(t, stops); got != "stop" {
		t.Fatalf("after the crash, posted %s, want stop", got)
	}
	p.want(t, "a:stopping", "a:stopped")
	if err := testkit.Result(t, "TerminateChild (the child crashed during its shutdown)", done); err != nil {
		t.Fatalf("TerminateChild: %v", err)
	}
	if !p.logs.Has("shutdown_error {panic,late}") {
		t.Errorf("no shutdown_error report in %v", p.logs.Lines())
	}
	if got, want := children(t, ref), []string{"a=undefined"}; !equal(got, want) {
		t.Errorf("WhichChildren = %v, want %v (no restart)", got, want)
	}
}

func TestShutdownOfCrashedSibling(t *testing.T) {
	p := newProbe(t)
	slow := make(chan struct{})
	a, b := p.child("a"), p.child("b")
	a.Shutdown, b.Shutdown = Infinity, Infinity
	c := ChildSpec{ID: "c", Start: p.start("c", behaviour{stopping: slow}), Shutdown: Infinity}
	ref := p.supervise(t, Flags{}, a, b, c)
	ev := p.want(t, "a:spawn", "b:spawn", "c:spawn")

	done := make(chan error, 1)
	go func() { done <- ref.Stop() }()
	p.want(t, "c:stopping")
	// While the supervisor waits for c, b crashes: its failure waits in
	// the supervisor's mailbox, and its own mailbox is suspended.
	p.sys.Root.Send(ev[1].pid, crash{"meanwhile"})
	close(slow)
	p.want(t, "c:stopped", "b:stopping", "b:stopped", "a:stopping", "a:stopped")
	if err := testkit.Result(t, "Stop (a child crashed while the supervisor was stopping)", done); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestShutdownSimpleOneForOneIsParallel(t *testing.T) {
	p := newProbe(t)
	release := make(chan struct{})
	spec := ChildSpec{Start: p.start("w", behaviour{stopping: release}), Shutdown: Infinity}
	ref := p.supervise(t, Flags{Strategy: SimpleOneForOne}, spec)
	for i := range 3 {
		if _, err := ref.StartChildArgs(i); err != nil {
			t.Fatal(err)
		}
	}
	p.want(t, "w:spawn", "w:spawn", "w:spawn")
	done := make(chan error, 1)
	go func() { done <- ref.Stop() }()
	// All three are stopping at once: one at a time, the second would
	// wait for the first, which waits for release.
	p.want(t, "w:stopping", "w:stopping", "w:stopping")
	close(release)
	p.want(t, "w:stopped", "w:stopped", "w:stopped")
	if err := testkit.Result(t, "Stop", done); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownKilledChildDoesNotHoldSupervisor(t *testing.T) {
	p := newProbe(t)
	stuck := make(chan struct{})
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{stopping: stuck}), Shutdown: Timeout(10 * time.Millisecond)}
	mid := SupervisorSpec("mid", Flags{}, []ChildSpec{spec})
	top := p.supervise(t, Flags{}, mid, p.child("b"))
	p.want(t, "a:spawn", "b:spawn")
	// top waits for mid without limit (Infinity), mid for a 10 ms. a
	// never returns from its Stopping handler, but the tree shuts down:
	// once killed, a is gone for mid and for protoactor's bookkeeping.
	if err := testkit.Bounded(t, "Stop", top.Stop); err != nil {
		t.Fatal(err)
	}
	p.want(t, "b:stopping", "b:stopped", "a:stopping")
	if !p.logs.Has("shutdown_error killed") {
		t.Errorf("no shutdown_error killed report in %v", p.logs.Lines())
	}
	// What Go cannot do: a's goroutine is still in user code, and ends
	// only when that code returns.
	close(stuck)
	p.want(t, "a:stopped")
}

func TestShutdownPanicInStoppingDoesNotHang(t *testing.T) {
	p := newProbe(t)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{panicStopping: true}), Shutdown: Infinity}
	ref := p.supervise(t, Flags{}, spec, p.child("b"))
	p.want(t, "a:spawn", "b:spawn")
	// protoactor never finishes stopping an actor whose Stopping handler
	// panicked: no Terminated will come. The supervisor must not wait.
	if err := testkit.Bounded(t, "TerminateChild", func() error { return ref.TerminateChild("a") }); err != nil {
		t.Fatal(err)
	}
	p.want(t, "a:stopping")
	if !p.logs.Has("shutdown_error {panic,in stopping}") {
		t.Errorf("no shutdown_error report in %v", p.logs.Lines())
	}
	if err := testkit.Bounded(t, "Stop", ref.Stop); err != nil {
		t.Fatal(err)
	}
	p.want(t, "b:stopping", "b:stopped")
}

func TestPanicInStoppingIsACrash(t *testing.T) {
	p := newProbe(t)
	spec := ChildSpec{ID: "a", Start: p.start("a", behaviour{panicStopping: true})}
	p.supervise(t, Flags{}, spec)
	ev := p.want(t, "a:spawn")
	// The child stops itself and panics on the way out: in OTP it would
	// have died with that reason, and a permanent child is restarted.
	p.sys.Root.Send(ev[0].pid, stopSelf{})
	p.want(t, "a:stopping", "a:spawn")
	if !p.logs.Has("child_terminated {panic,in stopping}") {
		t.Errorf("no child_terminated report in %v", p.logs.Lines())
	}
}
