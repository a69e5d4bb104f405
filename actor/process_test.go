package actor_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	protoactor "github.com/asynkron/protoactor-go/actor"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

func newSystem(t testing.TB) *protoactor.ActorSystem {
	t.Helper()
	s := actor.NewSystem()
	t.Cleanup(s.Shutdown)
	return s
}

func newProcess(t testing.TB, s *protoactor.ActorSystem) *actor.Process {
	t.Helper()
	p, err := actor.NewProcess(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// spawn starts an actor and stops it, waiting, when the test ends.
func spawn(t testing.TB, s *protoactor.ActorSystem, f protoactor.ReceiveFunc) *protoactor.PID {
	t.Helper()
	pid := s.Root.Spawn(protoactor.PropsFromFunc(f))
	t.Cleanup(func() { _ = s.Root.StopFuture(pid).Wait() })
	return pid
}

func isInt(m any) bool    { _, ok := m.(int); return ok }
func isString(m any) bool { _, ok := m.(string); return ok }
func is(v any) func(any) bool {
	return func(m any) bool { return m == v }
}

// terminatedBy matches the *Terminated that pid's end sends.
func terminatedBy(pid *protoactor.PID) func(any) bool {
	return func(m any) bool {
		t, ok := m.(*protoactor.Terminated)
		return ok && t.Who.Equal(pid)
	}
}

// signalOnCall wraps match so that its nth call (from 1) signals ready:
// then the receiver has scanned, and is about to wait under the same lock,
// so whatever the test does next happens while it waits.
func signalOnCall(match func(any) bool, n int, ready chan<- struct{}) (func(any) bool, *int) {
	calls := new(int) // match runs under the Process's lock
	return func(m any) bool {
		*calls++
		if *calls == n {
			ready <- struct{}{}
		}
		return match(m)
	}, calls
}

// receiveWoken is p.Receive(match, timeout), for a timeout longer than
// testkit.WaitBound, or Infinity: it fails t unless the Receive returns
// within WaitBound, so before its own timeout could end it. The receiver
// must have been woken by what it waited for, not found it by its last
// look when its time ran out.
func receiveWoken(t *testing.T, p *actor.Process, match func(any) bool, timeout time.Duration) (m any, err error) {
	t.Helper()
	if timeout >= 0 && timeout <= testkit.WaitBound {
		t.Fatalf("receiveWoken with a timeout of %v: it must outlast the wait bound", timeout)
	}
	testkit.Bounded(t, "the receiver's wake-up", func() error {
		m, err = p.Receive(match, timeout)
		return nil
	})
	return m, err
}

// outlasting is a Receive timeout longer than the tests' wait bound.
const outlasting = 2 * testkit.WaitBound

// drain takes every queued message, to compare the queue with a want.
func drain(p *actor.Process) []any {
	var out []any
	for _, m := range p.TakeMatching(nil) {
		out = append(out, protoactor.UnwrapEnvelopeMessage(m))
	}
	return out
}

func TestReceiveSelective(t *testing.T) {
	type step struct {
		match  func(any) bool
		want   any
		wantOK bool
	}
	tests := []struct {
		name  string
		queue []any
		steps []step
		rest  []any
	}{
		{
			name:  "first match in arrival order, others keep theirs",
			queue: []any{"a", 1, "b", 2, "c"},
			steps: []step{{isInt, 1, true}, {is("c"), "c", true}, {isInt, 2, true}, {nil, "a", true}},
			rest:  []any{"b"},
		},
		{
			name:  "no match leaves the queue as it was",
			queue: []any{"a", "b"},
			steps: []step{{isInt, nil, false}, {isInt, nil, false}},
			rest:  []any{"a", "b"},
		},
		{
			name:  "nil match takes the oldest",
			queue: []any{3, "x", 4},
			steps: []step{{nil, 3, true}, {nil, "x", true}, {nil, 4, true}, {nil, nil, false}},
		},
		{
			name:  "a match at the back of a long queue",
			queue: []any{"a", "b", "c", "d", "e", "f", 7},
			steps: []step{{isInt, 7, true}, {is("b"), "b", true}, {is("e"), "e", true}},
			rest:  []any{"a", "c", "d", "f"},
		},
		{
			name:  "empty queue",
			steps: []step{{nil, nil, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSystem(t)
			p := newProcess(t, s)
			for _, m := range tt.queue {
				s.Root.Send(p.PID(), m)
			}
			for i, st := range tt.steps {
				got, err := p.Receive(st.match, 0)
				if got != st.want || (err == nil) != st.wantOK {
					t.Fatalf("step %d: Receive = %v, %v; want %v, %v", i, got, err, st.want, st.wantOK)
				}
			}
			if rest := drain(p); !slices.Equal(rest, tt.rest) {
				t.Fatalf("left in the queue: %v; want %v", rest, tt.rest)
			}
		})
	}
}

// TestQueueModel checks the queue against a plain slice through a long
// random run of sends, selective receives, takes and enqueues, so that
// every way of removing a message (front, back, middle, all) and of
// growing and sliding the storage is compared with the obvious answer.
func TestQueueModel(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	r := rand.New(rand.NewPCG(1, 2))
	var model []int
	next := 0
	for i := range 20000 {
		op := r.IntN(10)
		switch {
		case i%5000 == 2500: // now and then a burst past the idle capacity
			op = -1
		case len(model) > 200: // keep the queue short, and the test fast
			op = 5
		}
		switch {
		case op < 0 || op < 5: // sends, so the queue grows and shrinks
			n := r.IntN(8)
			if op < 0 {
				n = 1500
			}
			for range n {
				s.Root.Send(p.PID(), next)
				model = append(model, next)
				next++
			}
		case op < 9: // receive the first multiple of k
			k := 1 + r.IntN(6)
			match := func(m any) bool { return m.(int)%k == 0 }
			want, wantOK := any(nil), false
			if i := slices.IndexFunc(model, func(v int) bool { return v%k == 0 }); i >= 0 {
				want, wantOK = model[i], true
				model = slices.Delete(model, i, i+1)
			}
			if got, err := p.Receive(match, 0); got != want || (err == nil) != wantOK {
				t.Fatalf("Receive(multiple of %d) = %v, %v; want %v, %v", k, got, err, want, wantOK)
			}
		default: // take the odd ones, then put them back behind the rest
			taken := p.TakeMatching(func(m any) bool { return m.(int)%2 == 1 })
			var odd, even []int
			for _, v := range model {
				if v%2 == 1 {
					odd = append(odd, v)
				} else {
					even = append(even, v)
				}
			}
			for i, m := range taken {
				if i >= len(odd) || m != odd[i] {
					t.Fatalf("TakeMatching = %v; want %v", taken, odd)
				}
			}
			if len(taken) != len(odd) {
				t.Fatalf("TakeMatching = %v; want %v", taken, odd)
			}
			p.Enqueue(taken...)
			model = append(even, odd...)
		}
		if p.Len() != len(model) {
			t.Fatalf("Len = %d; want %d", p.Len(), len(model))
		}
	}
	var got []int
	for _, m := range drain(p) {
		got = append(got, m.(int))
	}
	if !slices.Equal(got, model) {
		t.Fatalf("queue = %v; want %v", got, model)
	}
}

func TestReceivePollKeepsMessages(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	if m, err := p.Receive(nil, 0); err != actor.ErrTimeout {
		t.Fatalf("Receive(after 0) on an empty queue = %v, %v; want timeout", m, err)
	}
	s.Root.Send(p.PID(), "x")
	if m, err := p.Receive(isInt, 0); err != actor.ErrTimeout {
		t.Fatalf("Receive(int, after 0) = %v, %v; want timeout", m, err)
	}
	if n := p.Len(); n != 1 {
		t.Fatalf("Len = %d after a poll that matched nothing; want 1", n)
	}
}

func TestReceiveTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	s := newSystem(t)
	p := newProcess(t, s)
	s.Root.Send(p.PID(), "not an int")
	// The timer is reused: every wait must be whole (not end early), and
	// must end (not hang on a timer that no longer fires).
	for i := range 3 {
		var m any
		var err error
		start := time.Now()
		testkit.Bounded(t, fmt.Sprintf("wait %d", i), func() error {
			m, err = p.Receive(isInt, timeout)
			return nil
		})
		elapsed := time.Since(start)
		if err != actor.ErrTimeout || p.Closed() {
			t.Fatalf("Receive = %v, %v, and Closed = %v; want timeout", m, err, p.Closed())
		}
		if elapsed < timeout {
			t.Fatalf("wait %d: timed out after %v, before its %v", i, elapsed, timeout)
		}
	}
	if n := p.Len(); n != 1 {
		t.Fatalf("Len = %d; want 1", n)
	}
}

func TestReceiveWakesOnArrival(t *testing.T) {
	for _, timeout := range []time.Duration{outlasting, actor.Infinity} {
		t.Run(fmt.Sprint(timeout), func(t *testing.T) {
			s := newSystem(t)
			p := newProcess(t, s)
			s.Root.Send(p.PID(), "noise")
			ready := make(chan struct{}, 1)
			match, _ := signalOnCall(is("want"), 1, ready)
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				<-ready
				s.Root.Send(p.PID(), "want")
			}()
			m, err := receiveWoken(t, p, match, timeout)
			<-sent
			if err != nil || m != "want" {
				t.Fatalf("Receive = %v, %v; want \"want\", nil", m, err)
			}
		})
	}
}

// TestReceiveScansArrivalsOnce proves the save pointer: a receiver that
// waits tests each new arrival once, never again what it has rejected.
func TestReceiveScansArrivalsOnce(t *testing.T) {
	const backlog, more = 100, 5
	s := newSystem(t)
	p := newProcess(t, s)
	for i := range backlog {
		s.Root.Send(p.PID(), i)
	}
	ready := make(chan struct{}, 1)
	match, calls := signalOnCall(is("want"), backlog, ready)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		<-ready
		for i := range more {
			s.Root.Send(p.PID(), backlog+i)
		}
		s.Root.Send(p.PID(), "want")
	}()
	m, err := receiveWoken(t, p, match, outlasting)
	<-sent
	if err != nil || m != "want" {
		t.Fatalf("Receive = %v, %v; want \"want\", nil", m, err)
	}
	if want := backlog + more + 1; *calls != want {
		t.Fatalf("match called %d times; want %d (each message once)", *calls, want)
	}
	if n := p.Len(); n != backlog+more {
		t.Fatalf("Len = %d; want %d", n, backlog+more)
	}
}

// TestTakeMatchingWhileWaiting takes messages that a waiting receiver has
// already rejected: it must go on scanning from the right place.
func TestTakeMatchingWhileWaiting(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	for _, m := range []any{"n1", 1, "n2", 2} {
		s.Root.Send(p.PID(), m)
	}
	ready := make(chan struct{}, 1)
	match, calls := signalOnCall(is("want"), 4, ready)
	taken := make(chan []any, 1)
	go func() {
		<-ready
		taken <- p.TakeMatching(isInt)
		s.Root.Send(p.PID(), "n3")
		s.Root.Send(p.PID(), "want")
	}()
	m, err := receiveWoken(t, p, match, outlasting)
	if got := <-taken; !slices.Equal(got, []any{1, 2}) {
		t.Fatalf("TakeMatching = %v; want [1 2]", got)
	}
	if err != nil || m != "want" {
		t.Fatalf("Receive = %v, %v; want \"want\", nil", m, err)
	}
	if *calls != 6 {
		t.Fatalf("match called %d times; want 6", *calls)
	}
	if rest := drain(p); !slices.Equal(rest, []any{"n1", "n2", "n3"}) {
		t.Fatalf("queue = %v; want [n1 n2 n3]", rest)
	}
}

type seq struct{ from, n int }

func TestConcurrentSendersKeepOrder(t *testing.T) {
	const senders, each = 8, 500
	s := newSystem(t)
	p := newProcess(t, s)
	var wg sync.WaitGroup
	for from := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				s.Root.Send(p.PID(), &seq{from, n})
			}
		}()
	}
	defer wg.Wait()
	next := make([]int, senders)
	// Take the senders' messages round robin, each by a selective receive,
	// so that receives take from the middle while the senders append.
	for i := range senders * each {
		from := i % senders
		m, err := p.Receive(func(m any) bool { return m.(*seq).from == from }, testkit.WaitBound)
		if err != nil {
			t.Fatalf("message %d (from %d) never came", i, from)
		}
		if got := m.(*seq); got.n != next[from] {
			t.Fatalf("from %d: got %d, want %d", from, got.n, next[from])
		}
		next[from]++
	}
	if n := p.Len(); n != 0 {
		t.Fatalf("Len = %d; want 0", n)
	}
}

func TestReceiveFrom(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)

	// An actor asks the Process, which answers through the sender.
	server := spawn(t, s, func(ctx protoactor.Context) {
		switch ctx.Message() {
		case "start":
			ctx.Request(p.PID(), "hello")
		case "reply":
			ctx.Respond("ack")
		}
	})
	s.Root.Send(server, "start")
	m, from, err := p.ReceiveFrom(nil, testkit.WaitBound)
	if err != nil || m != "hello" || !from.Equal(server) {
		t.Fatalf("ReceiveFrom = %v, %v, %v; want hello, %v, nil", m, from, err, server)
	}
	p.Request(from, "reply")
	if m, from, err := p.ReceiveFrom(nil, testkit.WaitBound); err != nil || m != "ack" || from != nil {
		t.Fatalf("ReceiveFrom = %v, %v, %v; want ack, <nil>, nil", m, from, err)
	}

	// A protoactor Future asks it.
	f := s.Root.RequestFuture(p.PID(), "question", testkit.WaitBound)
	m, from, err = p.ReceiveFrom(is("question"), testkit.WaitBound)
	if err != nil || from == nil {
		t.Fatalf("ReceiveFrom = %v, %v, %v; want question with the future's PID", m, from, err)
	}
	s.Root.Send(from, "answer")
	if res, err := f.Result(); err != nil || res != "answer" {
		t.Fatalf("future = %v, %v; want answer", res, err)
	}
}

func TestReceiveContext(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := p.ReceiveContext(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v; want context.Canceled", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := p.ReceiveContext(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: err = %v; want context.DeadlineExceeded", err)
	}

	s.Root.RequestWithCustomSender(p.PID(), "m", p.PID())
	m, from, err := p.ReceiveContext(context.Background(), nil)
	if err != nil || m != "m" || !from.Equal(p.PID()) {
		t.Fatalf("ReceiveContext = %v, %v, %v; want m, %v, nil", m, from, err, p.PID())
	}

	// Closed while waiting.
	s.Root.Send(p.PID(), "noise")
	ready := make(chan struct{}, 1)
	match, _ := signalOnCall(is("want"), 1, ready)
	go func() {
		<-ready
		p.Close()
	}()
	ctx, cancel = context.WithTimeout(context.Background(), testkit.WaitBound)
	defer cancel()
	if _, _, err := p.ReceiveContext(ctx, match); err != actor.ErrClosed {
		t.Fatalf("closed: err = %v; want ErrClosed", err)
	}
	// What was queued stays receivable.
	if m, _, err := p.ReceiveContext(context.Background(), nil); err != nil || m != "noise" {
		t.Fatalf("after close: %v, %v; want noise, nil", m, err)
	}
}

func TestCloseWakesReceiver(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	s.Root.Send(p.PID(), "noise")
	ready := make(chan struct{}, 1)
	match, _ := signalOnCall(is("want"), 1, ready)
	go func() {
		<-ready
		p.Close()
	}()
	if m, err := receiveWoken(t, p, match, outlasting); err != actor.ErrClosed || !p.Closed() {
		t.Fatalf("Receive = %v, %v, and Closed = %v; want closed", m, err, p.Closed())
	}
	// Closed: Infinity does not wait.
	if m, err := p.Receive(is("want"), actor.Infinity); err != actor.ErrClosed {
		t.Fatalf("Receive = %v, %v; want closed", m, err)
	}
}

func TestConcurrentReceiversTakeTurns(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	s.Root.Send(p.PID(), "noise")
	ready := make(chan struct{}, 1)
	match, _ := signalOnCall(is("want"), 1, ready)
	first := make(chan any, 1)
	go func() {
		m, _ := p.Receive(match, testkit.WaitBound)
		first <- m
	}()
	<-ready // the goroutine holds the turn until "want" comes

	// Others wait for the turn, within their own time, though "noise"
	// would match them.
	if m, err := p.Receive(nil, 0); err != actor.ErrTimeout {
		t.Fatalf("Receive(after 0) while another receives = %v, %v; want timeout", m, err)
	}
	if m, err := p.Receive(nil, 20*time.Millisecond); err != actor.ErrTimeout {
		t.Fatalf("Receive(after 20ms) while another receives = %v, %v; want timeout", m, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if m, _, err := p.ReceiveContext(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReceiveContext while another receives = %v, %v; want DeadlineExceeded", m, err)
	}

	// Two more wait their turns; when the first is done, they get theirs.
	s.Root.Send(p.PID(), "more noise")
	rest := make(chan any, 2)
	for range 2 {
		go func() {
			m, _ := p.Receive(nil, testkit.WaitBound)
			rest <- m
		}()
	}
	blockedIn(t, "takeTurn", 2)
	s.Root.Send(p.PID(), "want")
	if m := <-first; m != "want" {
		t.Fatalf("first receiver got %v; want \"want\"", m)
	}
	got := []any{<-rest, <-rest}
	if !slices.Contains(got, "noise") || !slices.Contains(got, "more noise") {
		t.Fatalf("the waiting receivers got %v; want noise and more noise", got)
	}
}

// blockedIn waits until n goroutines are blocked in the function named fn,
// as the goroutine dump shows them. It is how a test knows that a receiver
// waits for its turn, a state that nothing else makes visible.
func blockedIn(t *testing.T, fn string, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	testkit.Until(t, fmt.Sprintf("%d goroutines blocked in %s", n, fn), func() bool {
		k := runtime.Stack(buf, true)
		return strings.Count(string(buf[:k]), "(*Process)."+fn+"(") >= n
	})
}

// TestMatchPanic: a match that panics takes nothing, and the Process goes
// on working: no lock or turn is left held.
func TestMatchPanic(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	s.Root.Send(p.PID(), "boom")
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic in match did not reach the caller")
			}
		}()
		p.Receive(func(any) bool { panic("match") }, testkit.WaitBound)
	}()
	s.Root.Send(p.PID(), "after")
	if m, err := p.Receive(is("after"), 0); err != nil {
		t.Fatalf("Receive after a panicking match = %v, %v", m, err)
	}
	if rest := drain(p); !slices.Equal(rest, []any{"boom"}) {
		t.Fatalf("queue = %v; want [boom]", rest)
	}
}

// watchMsg is what the watching actor reports: forwarded wraps the
// Terminated it received.
type forwarded struct{ t *protoactor.Terminated }

func TestCloseNotifiesWatchers(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	probe := newProcess(t, s)

	// An actor watches p, and tells probe what it sees.
	spawn(t, s, func(ctx protoactor.Context) {
		switch m := ctx.Message().(type) {
		case *protoactor.Started:
			ctx.Watch(p.PID())
			ctx.Send(probe.PID(), "watching")
		case *protoactor.Terminated:
			ctx.Send(probe.PID(), forwarded{m})
		}
	})
	if _, err := probe.Receive(is("watching"), testkit.WaitBound); err != nil {
		t.Fatal("the actor never started")
	}
	// And a Process watches p, and another watches it no longer.
	probe.Watch(p.PID())
	gone := newProcess(t, s)
	gone.Watch(p.PID())
	gone.Unwatch(p.PID())

	hooks := 0
	p.OnExit(func() {
		hooks++
		if n := probe.Len(); n != 0 {
			t.Errorf("a watcher was told before the exit hooks ran (%d queued)", n)
		}
	})
	p.Close()
	p.Close()
	if hooks != 1 {
		t.Fatalf("exit hook ran %d times; want 1", hooks)
	}

	m, err := probe.Receive(terminatedBy(p.PID()), 0) // Close sent it before returning
	if err != nil || m.(*protoactor.Terminated).Why != protoactor.TerminatedReason_Stopped {
		t.Fatalf("the watching Process got %v, %v; want Terminated{Who: p, Why: Stopped}", m, err)
	}
	m, err = probe.Receive(func(m any) bool { _, ok := m.(forwarded); return ok }, testkit.WaitBound)
	if err != nil || !m.(forwarded).t.Who.Equal(p.PID()) {
		t.Fatalf("the watching actor got %v, %v; want Terminated{Who: p}", m, err)
	}
	if m, err := gone.Receive(nil, 0); err == nil {
		t.Fatalf("an unwatched Process got %v", m)
	}
	// The second Close told nobody again.
	if m, err := probe.Receive(terminatedBy(p.PID()), 0); err == nil {
		t.Fatalf("a second Terminated: %v", m)
	}

	// Watching a closed Process gets an answer at once, as from a stopped actor.
	probe.Watch(p.PID())
	if _, err := probe.Receive(terminatedBy(p.PID()), 0); err != nil {
		t.Fatal("watching a closed Process got no Terminated")
	}
}

func TestStopClosesProcess(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	probe := newProcess(t, s)
	probe.Watch(p.PID())
	s.Root.Stop(p.PID())
	if _, err := probe.Receive(terminatedBy(p.PID()), 0); err != nil {
		t.Fatal("RootContext.Stop did not close the Process")
	}
	if _, ok := s.ProcessRegistry.Get(p.PID()); ok {
		t.Fatal("a closed Process is still registered")
	}
	if _, ok := actor.FindProcess(s, p.PID()); ok {
		t.Fatal("FindProcess found a closed Process")
	}
}

func TestSendAfterClose(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	dead := make(chan any, 10)
	sub := s.EventStream.Subscribe(func(evt any) {
		if d, ok := evt.(*protoactor.DeadLetterEvent); ok && d.PID.Id == p.PID().Id {
			dead <- d.Message
		}
	})
	defer s.EventStream.Unsubscribe(sub)

	s.Root.Send(p.PID(), "before")
	p.Close()
	s.Root.Send(p.PID(), "cached")                                   // p.PID() caches the Process
	s.Root.Send(s.NewLocalPID(p.PID().Id), "fresh")                  // a fresh PID finds no one
	p.Enqueue("enqueued")                                            // a port moving messages in
	f := s.Root.RequestFuture(p.PID(), "request", testkit.WaitBound) // and a request is answered
	if _, err := f.Result(); err != protoactor.ErrDeadLetter {
		t.Fatalf("request to a closed Process: err = %v; want ErrDeadLetter", err)
	}
	for _, want := range []any{"cached", "fresh", "enqueued", "request"} {
		if got := <-dead; got != want {
			t.Fatalf("dead letter %v; want %v", got, want)
		}
	}
	if rest := drain(p); !slices.Equal(rest, []any{"before"}) {
		t.Fatalf("queue = %v; want [before]", rest)
	}
}

func TestOnExit(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	var ran []string
	p.OnExit(func() { ran = append(ran, "first") })
	cancel := p.OnExit(func() { ran = append(ran, "cancelled") })
	p.OnExit(func() { ran = append(ran, "last") })
	cancel()
	cancel()
	none := p.OnExit(nil)
	p.Close()
	p.Close()
	none()
	cancel()
	if want := []string{"last", "first"}; !slices.Equal(ran, want) {
		t.Fatalf("hooks ran %v; want %v", ran, want)
	}
	// On a closed Process, a hook runs at once.
	p.OnExit(func() { ran = append(ran, "late") })()
	if want := []string{"last", "first", "late"}; !slices.Equal(ran, want) {
		t.Fatalf("hooks ran %v; want %v", ran, want)
	}
}

func TestWatchActor(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	nop := func(protoactor.Context) {}

	a := s.Root.Spawn(protoactor.PropsFromFunc(nop))
	p.Watch(a)
	s.Root.Stop(a)
	m, err := p.Receive(terminatedBy(a), testkit.WaitBound)
	if err != nil || m.(*protoactor.Terminated).Why != protoactor.TerminatedReason_Stopped {
		t.Fatalf("Receive = %v, %v; want Terminated{Who: a, Why: Stopped}", m, err)
	}

	// Watching what is already gone answers NotFound, as monitor/2 says noproc.
	p.Watch(a)
	m, err = p.Receive(terminatedBy(a), testkit.WaitBound)
	if err != nil || m.(*protoactor.Terminated).Why != protoactor.TerminatedReason_NotFound {
		t.Fatalf("Receive = %v, %v; want Terminated{Who: a, Why: NotFound}", m, err)
	}

	// After Unwatch, nothing comes. The future below watches b after p
	// unwatched it, so b tells its watchers in that order: had p stayed
	// one, its Terminated would be queued before the future completes.
	b := s.Root.Spawn(protoactor.PropsFromFunc(nop))
	p.Watch(b)
	p.Unwatch(b)
	if err := s.Root.StopFuture(b).Wait(); err != nil {
		t.Fatal(err)
	}
	if m, err := p.Receive(terminatedBy(b), 0); err == nil {
		t.Fatalf("Terminated after Unwatch: %v", m)
	}
}

// tcp stands for a socket's data message in the ownership tests.
type tcp struct{ port, n int }

// TestControllingProcessProtocol runs the protocol that TakeMatching
// documents against a busy port: a delivering goroutine, a move of owner
// while it delivers, and a new owner that must see every message of the
// port exactly once and in order.
func TestControllingProcessProtocol(t *testing.T) {
	const total = 5000
	s := newSystem(t)
	old := newProcess(t, s)
	next := newProcess(t, s)

	var port struct {
		sync.Mutex
		owner *protoactor.PID
	}
	port.owner = old.PID()
	delivered := make(chan struct{})
	go func() { // the poller
		defer close(delivered)
		for n := range total {
			port.Lock()
			s.Root.Send(port.owner, &tcp{1, n})
			port.Unlock()
		}
	}()
	// Other traffic, in both queues.
	s.Root.Send(old.PID(), "old's own")
	s.Root.Send(next.PID(), "next's own")
	isPort := func(m any) bool { t, ok := m.(*tcp); return ok && t.port == 1 }

	want := 0
	for ; want < 100; want++ { // old handles some first
		m, err := old.Receive(isPort, testkit.WaitBound)
		if err != nil || m.(*tcp).n != want {
			t.Fatalf("old owner: %v, %v; want %d", m, err, want)
		}
	}
	port.Lock()
	moved := old.TakeMatching(isPort)
	next.Enqueue(moved...)
	port.owner = next.PID()
	port.Unlock()

	for ; want < total; want++ {
		m, err := next.Receive(isPort, testkit.WaitBound)
		if err != nil || m.(*tcp).n != want {
			t.Fatalf("new owner: %v, %v; want %d", m, err, want)
		}
	}
	<-delivered
	if rest := drain(old); !slices.Equal(rest, []any{"old's own"}) {
		t.Fatalf("old owner kept %v; want [old's own]", rest)
	}
	if rest := drain(next); !slices.Equal(rest, []any{"next's own"}) {
		t.Fatalf("new owner kept %v; want [next's own]", rest)
	}
}

func TestTakeMatchingKeepsEnvelopes(t *testing.T) {
	s := newSystem(t)
	p := newProcess(t, s)
	q := newProcess(t, s)
	s.Root.Send(q.PID(), "q's own")
	s.Root.RequestWithCustomSender(p.PID(), &tcp{1, 0}, p.PID())
	s.Root.Send(p.PID(), &tcp{2, 0})
	s.Root.Send(p.PID(), &tcp{1, 1})
	q.Enqueue(p.TakeMatching(func(m any) bool { return m.(*tcp).port == 1 })...)

	want := []any{"q's own", tcp{1, 0}, tcp{1, 1}}
	for i, w := range want {
		m, from, err := q.ReceiveFrom(nil, 0)
		if tm, isTCP := m.(*tcp); isTCP {
			m = *tm
		}
		if err != nil || m != w {
			t.Fatalf("message %d: %v, %v; want %v", i, m, err, w)
		}
		if i == 1 && !from.Equal(p.PID()) {
			t.Fatalf("the moved request lost its sender: %v", from)
		}
	}
	if n := p.Len(); n != 1 {
		t.Fatalf("p kept %d messages; want 1", n)
	}
}

func TestOnExitPID(t *testing.T) {
	s := newSystem(t)

	// An actor: f runs when it stops.
	a := s.Root.Spawn(protoactor.PropsFromFunc(func(protoactor.Context) {}))
	exited := make(chan struct{})
	if _, err := actor.OnExit(s, a, func() { close(exited) }); err != nil {
		t.Fatal(err)
	}
	s.Root.Stop(a)
	testkit.Recv(t, exited, "run of OnExit for a stopped actor")

	// A Process: the same call, and f has run when Close returns.
	p := newProcess(t, s)
	ran := 0
	if _, err := actor.OnExit(s, p.PID(), func() { ran++ }); err != nil {
		t.Fatal(err)
	}
	cancel, err := actor.OnExit(s, p.PID(), func() { t.Error("cancelled OnExit ran") })
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	p.Close()
	if ran != 1 {
		t.Fatalf("OnExit for a Process ran %d times by Close; want 1", ran)
	}

	// Already gone: f runs before OnExit returns.
	if _, err := actor.OnExit(s, p.PID(), func() { ran++ }); err != nil {
		t.Fatal(err)
	}
	if ran != 2 {
		t.Fatal("OnExit for a gone PID did not run at once")
	}
}

func TestBadInput(t *testing.T) {
	s := newSystem(t)
	if _, err := actor.NewProcess(nil); err == nil {
		t.Error("NewProcess(nil) succeeded")
	}
	if _, err := actor.NewNamedProcess(nil, "x"); err == nil {
		t.Error("NewNamedProcess(nil, x) succeeded")
	}
	if _, err := actor.NewNamedProcess(s, ""); err == nil {
		t.Error(`NewNamedProcess(s, "") succeeded`)
	}
	p, err := actor.NewNamedProcess(s, "owner")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.PID().Id != "owner" {
		t.Errorf("PID = %v; want Id owner", p.PID())
	}
	if _, err := actor.NewNamedProcess(s, "owner"); !errors.Is(err, protoactor.ErrNameExists) {
		t.Errorf("a second owner: err = %v; want ErrNameExists", err)
	}
	if got, ok := actor.FindProcess(s, p.PID()); !ok || got != p {
		t.Errorf("FindProcess = %v, %v; want p", got, ok)
	}
	for _, pid := range []*protoactor.PID{nil, s.NewLocalPID("nobody"), s.NewLocalPID("deadletter")} {
		if _, ok := actor.FindProcess(s, pid); ok {
			t.Errorf("FindProcess(%v) found a Process", pid)
		}
	}
	if _, ok := actor.FindProcess(nil, p.PID()); ok {
		t.Error("FindProcess(nil, pid) found a Process")
	}

	p.Watch(nil)
	p.Unwatch(nil)
	p.Request(nil, "x")
	p.Enqueue()
	if n := p.Len(); n != 0 {
		t.Errorf("Len = %d after nil-PID calls; want 0", n)
	}
	s.Root.Send(p.PID(), &protoactor.Watch{}) // a user message, however named
	if m, err := p.Receive(nil, 0); err != nil {
		t.Errorf("a Watch sent as a user message was lost: %v", m)
	}

	f := func() {}
	for _, c := range []struct {
		name string
		s    *protoactor.ActorSystem
		pid  *protoactor.PID
		f    func()
	}{{"nil system", nil, p.PID(), f}, {"nil pid", s, nil, f}, {"nil f", s, p.PID(), nil}} {
		if _, err := actor.OnExit(c.s, c.pid, c.f); err == nil {
			t.Errorf("OnExit with %s succeeded", c.name)
		}
	}
}

// A spawned Process runs fn, and closes when fn returns: its monitors and
// watchers are told, and it leaves the registry.
func TestSpawn(t *testing.T) {
	s := newSystem(t)
	probe := newProcess(t, s)
	pid, err := actor.Spawn(s, func(p *actor.Process) {
		m, from, err := p.ReceiveFrom(nil, testkit.WaitBound)
		if err != nil {
			return
		}
		p.Request(from, fmt.Sprint("echo ", m))
	})
	if err != nil {
		t.Fatal(err)
	}
	probe.Watch(pid)
	s.Root.RequestWithCustomSender(pid, "hello", probe.PID())
	if m, err := probe.Receive(isString, testkit.WaitBound); err != nil || m != "echo hello" {
		t.Fatalf("the spawned Process answered %v, %v", m, err)
	}
	if _, err := probe.Receive(terminatedBy(pid), testkit.WaitBound); err != nil {
		t.Fatal("no Terminated once fn returned")
	}
	if _, ok := s.ProcessRegistry.Get(pid); ok {
		t.Fatal("the spawned Process is still registered after fn returned")
	}
	for _, c := range []struct {
		name string
		s    *protoactor.ActorSystem
		fn   func(*actor.Process)
	}{{"nil system", nil, func(*actor.Process) {}}, {"nil fn", s, nil}} {
		if _, err := actor.Spawn(c.s, c.fn); err == nil {
			t.Errorf("Spawn with %s succeeded", c.name)
		}
	}
}

// A spawned Process that panics is logged as a crash report, with the
// panic and its stack, and then closed: what it owned (an OnExit hook
// here, a socket in use) is closed, and its monitors are told after the
// report.
func TestSpawnCrash(t *testing.T) {
	var log testkit.SyncBuffer
	s := actor.NewSystem(actor.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	t.Cleanup(s.Shutdown)
	owned := make(chan struct{})
	pid, err := actor.Spawn(s, func(p *actor.Process) {
		p.OnExit(func() { close(owned) })
		p.Receive(is("crash"), testkit.WaitBound)
		panic("boom")
	})
	if err != nil {
		t.Fatal(err)
	}
	reported := make(chan string, 1)
	if _, err := actor.OnExit(s, pid, func() { reported <- log.String() }); err != nil {
		t.Fatal(err)
	}
	s.Root.Send(pid, "crash")
	out := testkit.Recv(t, reported, "close of the crashed Process")
	testkit.Recv(t, owned, "close of what the crashed Process owned") // by the same Close
	for _, want := range []string{"level=ERROR", "crash report", "reason=boom", "pid=", pid.Id, "TestSpawnCrash.func"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the log, when monitors were told, has no %q:\n%s", want, out)
		}
	}
}

// Killing a spawned Process (RootContext.Stop, as a supervisor would)
// wakes its blocked Receive at once, and Closed tells it that this was no
// timeout.
func TestSpawnKilled(t *testing.T) {
	s := newSystem(t)
	ready := make(chan struct{}, 1)
	ended := make(chan bool, 1)
	pid, err := actor.Spawn(s, func(p *actor.Process) {
		match, _ := signalOnCall(is("never"), 1, ready)
		s.Root.Send(p.PID(), "noise") // so that match is called as it waits
		_, err := p.Receive(match, actor.Infinity)
		ended <- err == actor.ErrClosed && p.Closed()
	})
	if err != nil {
		t.Fatal(err)
	}
	<-ready
	s.Root.Stop(pid)
	closed := testkit.Recv(t, ended, "wake-up of the blocked Receive by Stop")
	if !closed {
		t.Fatal("Receive returned, but not as closed")
	}
}

type tick struct{}

func BenchmarkSendReceive(b *testing.B) {
	s := newSystem(b)
	p := newProcess(b, s)
	pid, msg := p.PID(), &tick{}
	b.ReportAllocs()
	for b.Loop() {
		s.Root.Send(pid, msg)
		if _, err := p.Receive(nil, 0); err != nil {
			b.Fatal("lost")
		}
	}
}

// BenchmarkSendReceiveBacklog pays the first pass over 100 unmatched
// messages on each receive.
func BenchmarkSendReceiveBacklog(b *testing.B) {
	s := newSystem(b)
	p := newProcess(b, s)
	pid, msg := p.PID(), &tick{}
	for range 100 {
		s.Root.Send(pid, "noise")
	}
	isTick := func(m any) bool { return m == msg }
	b.ReportAllocs()
	for b.Loop() {
		s.Root.Send(pid, msg)
		if _, err := p.Receive(isTick, 0); err != nil {
			b.Fatal("lost")
		}
	}
}

// BenchmarkPingPong is a round trip between two goroutines, each blocked
// in Receive until the other's message wakes it.
func BenchmarkPingPong(b *testing.B) {
	s := newSystem(b)
	ping, pong := newProcess(b, s), newProcess(b, s)
	msg, stop := &tick{}, "stop"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, _ := pong.Receive(nil, actor.Infinity)
			if m == stop {
				return
			}
			s.Root.Send(ping.PID(), m)
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		s.Root.Send(pong.PID(), msg)
		if _, err := ping.Receive(nil, actor.Infinity); err != nil {
			b.Fatal("lost")
		}
	}
	s.Root.Send(pong.PID(), stop)
	<-done
}

// BenchmarkSendParallel is many senders and one receiver.
func BenchmarkSendParallel(b *testing.B) {
	s := newSystem(b)
	p := newProcess(b, s)
	pid, msg, stop := p.PID(), &tick{}, "stop"
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if m, _ := p.Receive(nil, actor.Infinity); m == stop {
				return
			}
		}
	}()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Root.Send(pid, msg)
		}
	})
	s.Root.Send(pid, stop)
	<-done
}
