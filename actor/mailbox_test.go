package actor

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// An actor with the owner mailbox gets its messages in order, and
// TakeMatching takes the matching ones it has not processed yet, in
// order, leaving the rest.
func TestOwnerMailboxTakeMatching(t *testing.T) {
	lookups(t, testOwnerMailboxTakeMatching)
}

func testOwnerMailboxTakeMatching(t *testing.T) {
	system := NewSystem()
	gate := make(chan struct{})
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case string:
			<-gate // hold the actor so that messages queue behind it
		case int:
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
			if m == 99 {
				close(done)
			}
		}
	}, WithOwnerMailbox()))
	defer system.Root.Stop(pid)

	system.Root.Send(pid, "hold")
	for i := range 100 {
		system.Root.Send(pid, i)
	}
	taken, ok := TakeMatching(system, pid, func(m any) bool { n, ok := m.(int); return ok && n%3 == 0 && n != 99 })
	if !ok {
		t.Fatal("TakeMatching found no owner mailbox")
	}
	close(gate)
	<-done
	for i, m := range taken {
		if m != i*3 {
			t.Fatalf("taken[%d] = %v, want %d", i, m, i*3)
		}
	}
	if len(taken) != 33 {
		t.Fatalf("took %d, want 33", len(taken))
	}
	mu.Lock()
	defer mu.Unlock()
	want := 0
	for _, n := range got {
		for want%3 == 0 && want != 99 {
			want++
		}
		if n != want {
			t.Fatalf("processed %d, want %d", n, want)
		}
		want++
	}
}

// A panic in an owner-mailbox actor goes to its supervisor, as with
// protoactor's own mailbox, and system messages (Stop) still get through.
func TestOwnerMailboxEscalatesPanics(t *testing.T) {
	system := NewSystem()
	restarted := make(chan struct{}, 1)
	starts := 0
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch ctx.Message().(type) {
		case *actor.Started:
			starts++
			if starts == 2 {
				restarted <- struct{}{}
			}
		case string:
			panic("boom")
		}
	}, WithOwnerMailbox()))
	system.Root.Send(pid, "crash")
	testkit.Recv(t, restarted, "restart of the actor")
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
}

// An owner mailbox is found from its PID, the very mailbox the actor's
// Props made, in any actor system, and nothing once the actor is gone
// (protoactor unregisters it before it tells its watchers, StopFuture
// among them); through the index, which it leaves right after, as through
// the field.
func TestOwnerMailboxFound(t *testing.T) {
	lookups(t, func(t *testing.T) {
		for name, system := range map[string]*actor.ActorSystem{
			"NewSystem":      NewSystem(),
			"NewActorSystem": actor.NewActorSystem(),
		} {
			var made *ownerMailbox
			props := actor.PropsFromFunc(func(actor.Context) {}, actor.WithMailbox(func() actor.Mailbox {
				made = &ownerMailbox{}
				return made
			}))
			pid := system.Root.Spawn(props)
			if got := findMailbox(system, pid); got == nil || got != made {
				t.Fatalf("%s: findMailbox = %p, want the actor's own %p", name, got, made)
			}
			if made.is(mbIndexed) == fastPath.Load() {
				t.Fatalf("%s: indexed %v with the fast path %v", name, made.is(mbIndexed), fastPath.Load())
			}
			if _, ok := TakeMatching(system, pid, func(any) bool { return true }); !ok {
				t.Fatalf("%s: no mailbox for a live actor", name)
			}
			if err := system.Root.StopFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			if got := findMailbox(system, pid); got != nil {
				t.Fatalf("%s: the stopped actor's mailbox is still found", name)
			}
			if _, ok := MailboxOf(system, pid).(rootMailbox); !ok {
				t.Fatalf("%s: MailboxOf(a stopped actor) = %T, want a send through Root", name, MailboxOf(system, pid))
			}
			// The mailbox leaves the index after the system message in
			// which protoactor told StopFuture, so later than Wait.
			testkit.Until(t, name+": the index empty", func() bool { return indexed(system) == 0 })
		}
	})
}

func TestTakeMatchingUnknown(t *testing.T) {
	system := NewSystem()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {})) // protoactor's mailbox
	defer system.Root.Stop(pid)
	if _, ok := TakeMatching(system, pid, func(any) bool { return true }); ok {
		t.Fatal("TakeMatching claims a default mailbox")
	}
	if _, ok := TakeMatching(system, nil, func(any) bool { return true }); ok {
		t.Fatal("TakeMatching(nil) reports a queue")
	}
}

// recordingInvoker keeps what an owner mailbox gives it.
type recordingInvoker struct{ got *[]any }

func (r recordingInvoker) InvokeSystemMessage(m any) { *r.got = append(*r.got, m) }
func (r recordingInvoker) InvokeUserMessage(m any)   { *r.got = append(*r.got, m) }
func (recordingInvoker) EscalateFailure(reason any, _ any) {
	panic(reason)
}

// System messages come before user messages, in the order they were
// posted, whether one waits (kept as it is) or several (in a queue), and
// none is left behind.
func TestOwnerMailboxSystemQueue(t *testing.T) {
	var got []any
	m := &ownerMailbox{}
	m.RegisterHandlers(recordingInvoker{&got}, actor.NewSynchronizedDispatcher(10))
	if !m.acquire() { // a runner is busy: what comes now queues
		t.Fatal("a new mailbox has a runner")
	}
	watch, unwatch, stop := &actor.Watch{}, &actor.Unwatch{}, &actor.Stop{}
	m.PostSystemMessage(watch)
	m.PostUserMessage("user")
	m.PostSystemMessage(unwatch)
	m.PostSystemMessage(stop)
	m.process()
	want := []any{watch, unwatch, stop, "user"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	got = nil
	m.PostSystemMessage(stop) // no runner now: the dispatcher runs it at once
	if len(got) != 1 || got[0] != stop || m.system != nil || m.sysCount.Load() != 0 || m.is(mbRunning) {
		t.Fatalf("got %v, system queue %v, count %d, state %b", got, m.system, m.sysCount.Load(), m.state.Load())
	}
}

// testBatch is a MessageBatch.
type testBatch []any

func (b testBatch) GetMessages() []any { return b }

// eventLog records, in order, what a mailbox does: its invoker's calls and
// its middleware's.
type eventLog struct{ testkit.Log }

// add logs event, followed by msg's name if msg is not nil.
func (l *eventLog) add(event string, msg any) {
	if msg != nil {
		event += " " + msgName(msg)
	}
	l.Add(event)
}

// msgName names a message in an eventLog.
func msgName(msg any) string {
	switch m := msg.(type) {
	case string:
		return m
	case testBatch:
		names := make([]string, len(m))
		for i, each := range m {
			names[i] = msgName(each)
		}
		return "batch" + fmt.Sprint(names)
	case *actor.MessageEnvelope:
		return "envelope(" + msgName(m.Message) + ")"
	}
	return fmt.Sprintf("%T", msg)
}

// logMiddleware is a mailbox middleware writing to an eventLog.
type logMiddleware struct{ log *eventLog }

func (m logMiddleware) MailboxStarted()           { m.log.add("started", nil) }
func (m logMiddleware) MessagePosted(msg any)     { m.log.add("posted", msg) }
func (m logMiddleware) MessageReceived(msg any)   { m.log.add("received", msg) }
func (m logMiddleware) MailboxEmpty()             { m.log.add("empty", nil) }
func (m logMiddleware) InvokeSystemMessage(a any) { m.log.add("system", a) }
func (m logMiddleware) InvokeUserMessage(a any)   { m.log.add("user", a) }
func (m logMiddleware) EscalateFailure(r, _ any)  { m.log.add("failure", r) }

// manualDispatcher runs what the mailbox schedules when the test says.
type manualDispatcher struct{ scheduled *[]func() }

func (d manualDispatcher) Schedule(fn func()) { *d.scheduled = append(*d.scheduled, fn) }
func (d manualDispatcher) Throughput() int    { return 300 }

func (d manualDispatcher) run() {
	for len(*d.scheduled) > 0 {
		fn := (*d.scheduled)[0]
		*d.scheduled = (*d.scheduled)[1:]
		fn()
	}
}

// An owner mailbox does what protoactor's default mailbox does with a
// MessageBatch (each message posted, then the batch; raw or in an
// envelope, nested too) and tells its middlewares the same things at the
// same points: side by side, the same sequence of calls.
func TestOwnerMailboxParity(t *testing.T) {
	mailboxes := map[string]func(...actor.MailboxMiddleware) actor.MailboxProducer{
		"default": actor.Unbounded,
		"owner":   ownerMailboxes,
	}
	direct := make(map[string][]string)
	for name, producer := range mailboxes {
		log := &eventLog{}
		d := manualDispatcher{new([]func())}
		mb := producer(logMiddleware{log})()
		mb.RegisterHandlers(logMiddleware{log}, d)
		mb.Start()
		mb.PostSystemMessage(&actor.Watch{})
		mb.PostUserMessage("a")
		mb.PostUserMessage(testBatch{"b", "c"})
		mb.PostUserMessage(&actor.MessageEnvelope{Message: testBatch{"d", testBatch{"e"}}})
		d.run()
		mb.PostSystemMessage(&actor.SuspendMailbox{})
		mb.PostUserMessage("f")
		d.run()
		if n := mb.UserMessageCount(); n != 1 {
			t.Fatalf("%s: %d user messages queued while suspended, want 1", name, n)
		}
		mb.PostSystemMessage(&actor.ResumeMailbox{})
		d.run()
		direct[name] = log.Take()
	}
	if !slices.Equal(direct["owner"], direct["default"]) {
		t.Fatalf("the owner mailbox did\n\t%q\nprotoactor's default mailbox did\n\t%q", direct["owner"], direct["default"])
	}
	// What they agree on is what protoactor's default mailbox does.
	for _, want := range [][]string{
		{"started", "posted *actor.Watch", "posted a", "posted b", "posted c", "posted batch[b c]"},
		{"user c", "received c", "user batch[b c]"},
		{"posted d", "posted e", "posted batch[e]", "posted envelope(batch[d batch[e]])"},
		{"user envelope(batch[d batch[e]])", "received envelope(batch[d batch[e]])", "empty"},
		{"posted *actor.SuspendMailbox", "posted f", "received *actor.SuspendMailbox", "posted *actor.ResumeMailbox"},
		{"received *actor.ResumeMailbox", "user f", "received f", "empty"},
	} {
		if !containsRun(direct["owner"], want) {
			t.Fatalf("no %q in\n\t%q", want, direct["owner"])
		}
	}

	// And an actor sees the same: each message of a batch, then the batch,
	// sent raw or in an envelope (a request).
	seen := make(map[string][]string)
	for name, producer := range mailboxes {
		system := NewSystem()
		got := make(chan string, 100)
		pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			got <- msgName(ctx.Message())
		}, actor.WithMailbox(producer())))
		system.Root.Send(pid, testBatch{"a", "b"})
		system.Root.RequestWithCustomSender(pid, testBatch{"c"}, pid)
		for len(seen[name]) == 0 || seen[name][len(seen[name])-1] != "batch[c]" {
			m := testkit.Recv(t, got, fmt.Sprintf("message after %q (%s)", seen[name], name))
			seen[name] = append(seen[name], m)
		}
		// A Stop, a system message, would overtake what was still queued.
		if err := system.Root.StopFuture(pid).Wait(); err != nil {
			t.Fatal(err)
		}
		close(got)
		for m := range got {
			seen[name] = append(seen[name], m)
		}
	}
	want := []string{"*actor.Started", "a", "b", "batch[a b]", "c", "batch[c]", "*actor.Stopping", "*actor.Stopped"}
	for name, got := range seen {
		if !slices.Equal(got, want) {
			t.Errorf("%s: the actor saw %q, want %q", name, got, want)
		}
	}
}

// containsRun reports whether run occurs in s, in order and adjacent.
func containsRun(s, run []string) bool {
	for i := range s {
		if len(s)-i >= len(run) && slices.Equal(s[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// Middlewares ride with the dispatcher: an owner mailbox with them is as
// small as one without, and nil middlewares are dropped.
func TestOwnerMailboxMiddlewareOutOfLine(t *testing.T) {
	if m, ok := ownerMailboxes(nil, nil)().(*ownerMailbox); !ok || m.dispatcher != nil {
		t.Fatalf("nil middlewares made %#v", m.dispatcher)
	}
	log := &eventLog{}
	m := ownerMailboxes(nil, logMiddleware{log})().(*ownerMailbox)
	if got := m.middlewares(); len(got) != 1 {
		t.Fatalf("middlewares = %v, want the one given", got)
	}
	d := actor.NewSynchronizedDispatcher(10)
	m.RegisterHandlers(logMiddleware{log}, d)
	if h, ok := m.dispatcher.(*hookedDispatcher); !ok || h.Dispatcher != d {
		t.Fatalf("dispatcher = %#v, want the synchronized one with the middlewares", m.dispatcher)
	}
}
