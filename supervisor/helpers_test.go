package supervisor

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// An event is something a test child did. Events come from deterministic
// points: the start function runs inside the supervisor, and a child's
// Stopping and Stopped come before its Terminated, on which the
// supervisor acts; so the order of events follows the supervisor's order.
type event struct {
	what string // "ID:spawn", "ID:fail", "ID:stopping", "ID:stopped", "ID:got:NOTE"
	pid  *actor.PID
	args []any
}

// probe is a test's actor system, log and event stream.
type probe struct {
	sys    *actor.ActorSystem
	logs   *testkit.Slog // the supervisor reports, "CONTEXT REASON"
	events chan event
	exits  chan string // PID.Id of each child end the supervisor has handled
}

func newProbe(t *testing.T) *probe {
	t.Helper()
	l := testkit.NewSlog(reportLine)
	return &probe{
		sys:    otpactor.NewSystem(otpactor.WithLogger(slog.New(l))),
		logs:   l,
		events: make(chan event, 4096),
		exits:  make(chan string, 4096),
	}
}

// hooks returns the test hooks of the probe's supervisors.
func (p *probe) hooks() hooks {
	return hooks{clock: time.Now, exited: func(pid *actor.PID) { p.exits <- pid.Id }}
}

// handled waits until the supervisor has handled the end of child pid.
// A child's Stopped event comes before its Terminated reaches the
// supervisor, so a call made right after the event could overtake it.
func (p *probe) handled(t *testing.T, pid *actor.PID) {
	t.Helper()
	for {
		if id := testkit.Recv(t, p.exits, fmt.Sprintf("handling of the end of %v", pid)); id == pid.Id {
			return
		}
	}
}

func (p *probe) emit(e event) { p.events <- e }

// behaviour configures a test child.
type behaviour struct {
	stopping <-chan struct{} // its Stopping handler waits for this to close
	fail     func() error    // its start function fails when this returns an error
	posted   chan<- any      // gets the *actor.Stop and *actor.PoisonPill posted to it
	// panicStopping makes its Stopping handler panic with "in stopping".
	panicStopping bool
}

// start returns the start function of test child id.
func (p *probe) start(id string, b behaviour) StartFunc {
	return func(ctx actor.SpawnerContext, args ...any) (*actor.PID, error) {
		if b.fail != nil {
			if err := b.fail(); err != nil {
				p.emit(event{what: id + ":fail"})
				return nil, err
			}
		}
		var opts []actor.PropsOption
		if b.posted != nil {
			opts = append(opts, actor.WithMailbox(func() actor.Mailbox {
				return &stopPosts{Mailbox: actor.Unbounded()(), ch: b.posted}
			}))
		}
		pid := ctx.SpawnPrefix(actor.PropsFromProducer(func() actor.Actor {
			return &worker{id: id, p: p, b: b}
		}, opts...), id)
		p.emit(event{what: id + ":spawn", pid: pid, args: args})
		return pid, nil
	}
}

// child returns the spec of a plain test child.
func (p *probe) child(id string) ChildSpec {
	return ChildSpec{ID: id, Start: p.start(id, behaviour{})}
}

// supervise starts a top-level supervisor and stops it after the test.
func (p *probe) supervise(t *testing.T, flags Flags, specs ...ChildSpec) *Ref {
	t.Helper()
	ref, err := start(p.sys.Root, flags, specs, p.hooks())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { testkit.Bounded(t, "Stop", ref.Stop) })
	return ref
}

// want reads the next events and checks they are whats, in order.
func (p *probe) want(t *testing.T, whats ...string) []event {
	t.Helper()
	got := make([]event, 0, len(whats))
	for _, w := range whats {
		e := testkit.Recv(t, p.events, fmt.Sprintf("event %q after %v", w, names(got)))
		if e.what != w {
			t.Fatalf("after %v: got event %q, want %q", names(got), e.what, w)
		}
		got = append(got, e)
	}
	return got
}

// quiet checks that no event is pending. Call it after a synchronous
// call, so that everything the supervisor did before has been seen.
func (p *probe) quiet(t *testing.T) {
	t.Helper()
	select {
	case e := <-p.events:
		t.Fatalf("unexpected event %q", e.what)
	default:
	}
}

func names(es []event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.what
	}
	return out
}

// Messages to test children.
type (
	crash    struct{ value any }    // panic(value)
	exitWith struct{ reason error } // Exit(reason)
	stopSelf struct{}               // ctx.Stop(ctx.Self())
	note     struct{ s string }     // emit "ID:got:S"
	hold     struct {               // block in Receive until release closes
		entered chan<- struct{}
		release <-chan struct{}
	}
)

// worker is a test child.
type worker struct {
	id string
	p  *probe
	b  behaviour
}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Stopping:
		w.p.emit(event{what: w.id + ":stopping", pid: ctx.Self()})
		if w.b.stopping != nil {
			<-w.b.stopping
		}
		if w.b.panicStopping {
			panic("in stopping")
		}
	case *actor.Stopped:
		w.p.emit(event{what: w.id + ":stopped", pid: ctx.Self()})
	case crash:
		panic(m.value)
	case exitWith:
		Exit(m.reason)
	case stopSelf:
		ctx.Stop(ctx.Self())
	case note:
		w.p.emit(event{what: w.id + ":got:" + m.s, pid: ctx.Self()})
	case hold:
		m.entered <- struct{}{}
		<-m.release
	}
}

// stopPosts is a mailbox that reports the stop requests posted to a
// child: a Stop once it is queued (a MailboxMiddleware would report it
// just before), a PoisonPill just before it is queued, so that the Stop
// that protoactor's PoisonPill handling sends the child itself is
// reported after it.
type stopPosts struct {
	actor.Mailbox
	ch chan<- any
}

func (m *stopPosts) PostSystemMessage(msg any) {
	m.Mailbox.PostSystemMessage(msg)
	if _, ok := msg.(*actor.Stop); ok {
		m.ch <- msg
	}
}

func (m *stopPosts) PostUserMessage(msg any) {
	if _, ok := msg.(*actor.PoisonPill); ok {
		m.ch <- msg
	}
	m.Mailbox.PostUserMessage(msg)
}

// posted waits for the next stop request posted to a child and returns
// its type: "stop" or "poison".
func posted(t *testing.T, ch <-chan any) string {
	t.Helper()
	if _, ok := testkit.Recv(t, ch, "stop request").(*actor.Stop); ok {
		return "stop"
	}
	return "poison"
}

// children returns the supervisor's children as "ID=state" strings, in
// WhichChildren's order: state is "run", "undefined" or "restarting".
func children(t *testing.T, ref *Ref) []string {
	t.Helper()
	cs, err := ref.WhichChildren()
	if err != nil {
		t.Fatalf("WhichChildren: %v", err)
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		state := "undefined"
		switch {
		case c.Restarting:
			state = "restarting"
		case c.PID != nil:
			state = "run"
		}
		out[i] = c.ID + "=" + state
	}
	return out
}

// pidOf returns the PID of the running child id.
func pidOf(t *testing.T, ref *Ref, id string) *actor.PID {
	t.Helper()
	cs, err := ref.WhichChildren()
	if err != nil {
		t.Fatalf("WhichChildren: %v", err)
	}
	for _, c := range cs {
		if c.ID == id && c.PID != nil {
			return c.PID
		}
	}
	t.Fatalf("no running child %q in %v", id, cs)
	return nil
}

// waitDone waits for the supervisor to stop.
func waitDone(t *testing.T, ref *Ref) {
	t.Helper()
	testkit.Recv(t, ref.Done(), "stop of the supervisor")
}

func equal(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// reportLine makes the line the tests look for of a supervisor report,
// "CONTEXT REASON", and drops every other record.
func reportLine(r slog.Record) (string, bool) {
	if r.Message != "supervisor report" {
		return "", false
	}
	var ctx, reason string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "errorContext":
			ctx = a.Value.String()
		case "reason":
			reason = fmt.Sprint(a.Value.Any())
		}
		return true
	})
	return ctx + " " + reason, true
}

var errBoom = errors.New("boom")
