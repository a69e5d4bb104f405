package socket

import (
	"slices"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// Every message about a socket is a Message whose From is that socket, and
// Match takes exactly those of one socket.
func TestMessageFrom(t *testing.T) {
	s, other := new(Socket), new(Socket)
	msgs := []Message{
		&TCP{Socket: s, Data: []byte("x")},
		&TCPClosed{Socket: s},
		&TCPError{Socket: s, Reason: inet.ECONNRESET},
		&TCPPassive{Socket: s},
		&HTTP{Socket: s, Packet: framing.HTTPEOH{}},
		&Down{Socket: s},
		&RecvResult{Socket: s},
		&AcceptResult{Listener: s},
	}
	for _, m := range msgs {
		if m.From() != s {
			t.Errorf("%T.From() = %v, want %v", m, m.From(), s)
		}
		if !s.Match(m) {
			t.Errorf("s.Match(%T) = false", m)
		}
		if other.Match(m) {
			t.Errorf("other.Match(%T of s) = true", m)
		}
	}
	for _, m := range []any{nil, "tcp", &actor.Terminated{}, TCP{Socket: s}} {
		if s.Match(m) {
			t.Errorf("s.Match(%#v) = true", m)
		}
	}
}

// Receive with Match takes one socket's messages in the order the port
// sent them, its monitor's Down after its last, and leaves another
// socket's where they are.
func TestMatchReceivesOneSocket(t *testing.T) {
	p := newProc(t)
	c1, s1 := pair(t, p, Active(False))
	c2, s2 := pair(t, p, Active(False))
	if _, err := s1.Monitor(p); err != nil {
		t.Fatal(err)
	}
	c2.Send([]byte("to s2"))
	if err := s2.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	s2msg := testkit.Expect(t, p, s2.Match)
	p.Enqueue(s2msg) // queued again, ahead of all of s1's: Match must skip it
	c1.Send([]byte("to s1"))
	if err := s1.SetOpts(Active(N(1))); err != nil {
		t.Fatal(err)
	}
	c1.Close()
	var got []string
	for len(got) < 4 {
		switch m := testkit.Expect(t, p, s1.Match).(type) {
		case *TCP:
			got = append(got, "tcp "+string(m.Data))
		case *TCPPassive:
			got = append(got, "tcp_passive")
			s1.SetOpts(Active(Once)) // for the tcp_closed
		case *TCPClosed:
			got = append(got, "tcp_closed")
		case *Down:
			got = append(got, "DOWN")
		default:
			t.Fatalf("Match took %#v", m)
		}
	}
	if want := []string{"tcp to s1", "tcp_passive", "tcp_closed", "DOWN"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if m, err := p.Receive(nil, 0); err != nil || m != s2msg {
		t.Fatalf("left in the queue: %#v, %v; want s2's data", m, err)
	}
}

// Match, and receiving with it, allocate nothing.
func TestMatchAllocs(t *testing.T) {
	s := new(Socket)
	var msg any = &TCP{Socket: s}
	if n := testing.AllocsPerRun(1000, func() { s.Match(msg) }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
	p := newProc(t)
	p.Enqueue(msg)
	p.Receive(nil, 0) // the queue's storage
	if n := testing.AllocsPerRun(1000, func() {
		p.Enqueue(msg)
		if _, err := p.Receive(s.Match, 0); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Receive(s.Match, 0) allocates %v times", n)
	}
}

// An AsyncRecv's or AsyncAccept's result is a Message of its socket, as
// Erlang's {inet_async, S, Ref, Result} names S: Match takes it. It is its
// caller's: controlling_process moves the port's own messages to the new
// owner and leaves the results, as it leaves a monitor's Down.
func TestAsyncResultsMatchAndStay(t *testing.T) {
	p, q := newProc(t), newProc(t)
	c, s := pair(t, p, Active(False))
	if _, err := s.AsyncRecv(p, 0, Infinity); err != nil {
		t.Fatal(err)
	}
	c.Send([]byte("async"))
	res := testkit.ExpectOf(t, p, func(r *RecvResult) bool { return r.Socket == s })
	l, port := listenLo(t, p)
	defer l.Close()
	if _, err := l.AsyncAccept(p, Infinity); err != nil {
		t.Fatal(err)
	}
	cc := connect(t, q, "127.0.0.1", port, Active(False))
	defer cc.Close()
	accepted := testkit.ExpectOf(t, p, func(r *AcceptResult) bool { return r.Listener == l })
	defer accepted.Socket.Close()
	c.Send([]byte("active"))
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	tcp := testkit.ExpectOf(t, p, func(m *TCP) bool { return m.Socket == s })
	p.Enqueue(res, tcp, accepted) // queued again, in this order

	if err := s.ControllingProcess(p, q.PID()); err != nil {
		t.Fatal(err)
	}
	if err := l.ControllingProcess(p, q.PID()); err != nil {
		t.Fatal(err)
	}
	if got := testkit.Flush(q); len(got) != 1 || got[0] != tcp {
		t.Fatalf("the new owner got %#v, want the TCP alone", got)
	}
	if m := testkit.Expect(t, p, s.Match); m != res {
		t.Fatalf("s.Match took %#v, want the RecvResult left with its caller", m)
	}
	if m := testkit.Expect(t, p, l.Match); m != accepted {
		t.Fatalf("l.Match took %#v, want the AcceptResult left with its caller", m)
	}
	testkit.None(t, p, nil)
}
