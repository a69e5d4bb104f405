package testkit_test

import (
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
)

func TestMain(m *testing.M) { leaktest.Main(m) }

// fakeT records a failure and ends its goroutine, as t.Fatal does.
type fakeT struct {
	testing.TB
	failed string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeT) Fatal(args ...any) {
	f.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

// failure runs f with a fakeT on a goroutine of its own and returns the
// failure it reported, "" if none.
func failure(f func(t testing.TB)) string {
	ft := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ft)
	}()
	<-done
	return ft.failed
}

// process returns a Process, the Mailbox the tests use, with msgs queued.
func process(t *testing.T, msgs ...any) *actor.Process {
	t.Helper()
	p, err := actor.NewProcess(actor.NewSystem())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	p.Enqueue(msgs...)
	return p
}

func isInt(m any) bool    { _, ok := m.(int); return ok }
func isString(m any) bool { _, ok := m.(string); return ok }

// Expect and ExpectOf take the first message they accept and leave the
// others queued; Next takes the next one.
func TestExpect(t *testing.T) {
	p := process(t, "a", 1, "b", 2)
	if m := testkit.Expect(t, p, isInt); m != 1 {
		t.Fatalf("Expect(int) = %v, want 1", m)
	}
	if m := testkit.ExpectOf(t, p, func(n int) bool { return n > 1 }); m != 2 {
		t.Fatalf("ExpectOf(int > 1) = %v, want 2", m)
	}
	if m := testkit.ExpectOf[string](t, p, nil); m != "a" {
		t.Fatalf("ExpectOf[string] = %q, want a", m)
	}
	if m := testkit.Next(t, p); m != "b" {
		t.Fatalf("Next = %v, want b", m)
	}
	testkit.None(t, p, nil)
}

// InOrder passes messages that come in its order, whatever comes between
// them, and fails on one that comes before its turn.
func TestInOrder(t *testing.T) {
	p := process(t, "x", 1, 2.5, "y")
	got := testkit.InOrder(t, p, isString, isInt, isString)
	if fmt.Sprint(got) != "[x 1 y]" {
		t.Fatalf("InOrder = %v, want [x 1 y]", got)
	}
	if m := testkit.Next(t, p); m != 2.5 {
		t.Fatalf("left %v, want 2.5", m)
	}

	p = process(t, 1, "x")
	if f := failure(func(t testing.TB) { testkit.InOrder(t, p, isString, isInt) }); !strings.Contains(f, "comes later") {
		t.Fatalf("an int before the string: failure %q", f)
	}
}

// None fails on a message that is queued; NoneBefore fails on an unwanted
// message before the event, and passes one after it.
func TestNone(t *testing.T) {
	p := process(t, "x")
	if f := failure(func(t testing.TB) { testkit.None(t, p, isString) }); !strings.Contains(f, "unexpected") {
		t.Fatalf("None with a string queued: failure %q", f)
	}
	testkit.None(t, p, isInt)

	p = process(t, "noise", 1, "event", 2)
	if m := testkit.NoneBefore(t, p, func(m any) bool { return m == 2 }, is("event")); m != "event" {
		t.Fatalf("NoneBefore = %v, want event", m)
	}
	p = process(t, "noise", 1, "event")
	if f := failure(func(t testing.TB) { testkit.NoneBefore(t, p, isInt, is("event")) }); !strings.Contains(f, "before the event") {
		t.Fatalf("an int before the event: failure %q", f)
	}
}

func is(v any) func(any) bool { return func(m any) bool { return m == v } }

// Flush takes what is queued, in order.
func TestFlush(t *testing.T) {
	p := process(t, 1, "two", 3)
	if got := testkit.Flush(p); fmt.Sprint(got) != "[1 two 3]" {
		t.Fatalf("Flush = %v", got)
	}
	testkit.None(t, p, nil)
}

// Recv returns what a channel gives; Until returns once its condition
// holds; Go's cleanup waits for its function.
func TestWaits(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if v := testkit.Recv(t, ch, "seven"); v != 7 {
		t.Fatalf("Recv = %d", v)
	}
	n := 0
	testkit.Until(t, "three polls", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("Until polled %d times, want 3", n)
	}
	ran := make(chan struct{})
	t.Run("go", func(t *testing.T) {
		testkit.Go(t, "a goroutine", func() { close(ran) })
	})
	select {
	case <-ran:
	default:
		t.Fatal("Go's cleanup returned before its function")
	}
}

// The plain TCP peers: a listener, a client, the accepted end, an echo
// and a close seen from the peer, with what came before it.
func TestNetPeers(t *testing.T) {
	ln, port := testkit.Listen(t)
	c := testkit.Dial(t, fmt.Sprintf("127.0.0.1:%d", port))
	s := testkit.Accept(t, ln)
	go func() {
		buf := make([]byte, 5)
		n, _ := s.Read(buf)
		s.Write(buf[:n])
		s.Write([]byte("bye"))
		s.Close()
	}()
	testkit.Echo(t, c, "hello")
	if got := testkit.PeerClosed(t, c); string(got) != "bye" {
		t.Fatalf("PeerClosed read %q before the close, want bye", got)
	}
}

// Lines gives a stream's lines in order and fails once the stream has
// ended; Done closes at the end.
func TestLines(t *testing.T) {
	r, w := io.Pipe()
	l := testkit.NewLines(r, nil)
	go func() {
		io.WriteString(w, "one\ntwo\n")
		w.Close()
	}()
	if a, b := l.Next(t), l.Next(t); a != "one" || b != "two" {
		t.Fatalf("lines %q, %q; want one, two", a, b)
	}
	<-l.Done()
	if f := failure(func(t testing.TB) { l.Next(t) }); !strings.Contains(f, "ended") {
		t.Fatalf("Next after the end: failure %q", f)
	}
}

// A Log keeps the order of events from several goroutines: First gives
// the earliest of several, Before checks an order.
func TestLog(t *testing.T) {
	var l testkit.Log
	go func() {
		l.Add("a")
		l.Add("b")
	}()
	if e := l.First(t, "b", "a"); e != "a" {
		t.Fatalf("First = %q, want a", e)
	}
	l.Wait(t, "b")
	l.Before(t, "a", "b")
	if f := failure(func(t testing.TB) { l.Before(t, "b", "a") }); !strings.Contains(f, "before") {
		t.Fatalf("Before(b, a): failure %q", f)
	}
	if got := l.Take(); fmt.Sprint(got) != "[a b]" || len(l.Events()) != 0 {
		t.Fatalf("Take = %v, then %v", got, l.Events())
	}
}

// Slog keeps the lines its format makes, and drops what it declines.
func TestSlog(t *testing.T) {
	h := testkit.NewSlog(func(r slog.Record) (string, bool) {
		return r.Level.String() + " " + r.Message, r.Message != "noise"
	})
	log := slog.New(h)
	log.Info("one")
	log.Info("noise")
	log.Warn("two", "k", "v")
	if got := h.Lines(); fmt.Sprint(got) != "[INFO one WARN two]" {
		t.Fatalf("Lines = %q", got)
	}
	if !h.Has("WARN two") || h.Has("INFO noise") || h.Count("o") != 2 {
		t.Fatalf("Has, Count on %q", h.Lines())
	}
}
