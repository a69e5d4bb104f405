package socket

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
)

// flood sends n numbered packets of packet 4 from c.
func flood(t *testing.T, c *Socket, n int) {
	var b [4]byte
	for i := range n {
		binary.BigEndian.PutUint32(b[:], uint32(i))
		if err := c.Send(b[:]); err != nil {
			t.Errorf("send %d: %v", i, err)
			return
		}
	}
}

// take receives s's packets as p in mode m (re-arming once and N), until
// it has `until` packets counted from next, and returns the next expected.
func take(t *testing.T, p proc, s *Socket, m Mode, next, until int) int {
	t.Helper()
	for next < until {
		switch msg := testkit.Expect(t, p, s.Match).(type) {
		case *TCP:
			if got := int(binary.BigEndian.Uint32(msg.Data)); got != next {
				t.Fatalf("packet %d, want %d", got, next)
			}
			next++
			if m == Once {
				s.SetOpts(Active(Once))
			}
		case *TCPPassive:
			s.SetOpts(Active(m))
		default:
			t.Fatalf("got %#v", msg)
		}
	}
	return next
}

// controlling_process under a flood, in every active mode, along a chain
// A -> B -> C: every packet arrives once, in order, and none stays behind
// at a former owner.
func TestControllingProcessChainUnderFlood(t *testing.T) {
	const total = 20000
	for _, m := range []Mode{True, Once, N(10)} {
		t.Run(m.String(), func(t *testing.T) {
			a, b, c := newProc(t), newProc(t), newProc(t)
			client, s := pair(t, a, Active(False), Packet(framing.Four))
			s.SetOpts(Active(m))
			go flood(t, client, total)

			next := take(t, a, s, m, 0, 1000)
			if err := s.ControllingProcess(a, b.PID()); err != nil {
				t.Fatal(err)
			}
			next = take(t, b, s, m, next, 5000)
			if err := s.ControllingProcess(b, c.PID()); err != nil {
				t.Fatal(err)
			}
			next = take(t, c, s, m, next, total)
			for _, old := range []proc{a, b} {
				testkit.None(t, old, s.Match) // a former owner gets no more
			}
			if next != total {
				t.Fatalf("got %d packets, want %d", next, total)
			}
		})
	}
}

// The Ranch pattern: an acceptor accepts, hands the socket to a handler
// actor (spawned WithOwnerMailbox) that echoes, while the client is
// already sending.
func TestControllingProcessAcceptorToHandler(t *testing.T) {
	acceptor := newProc(t)
	l := listen(t, acceptor, IP(loopback), Active(True), Packet(framing.Four))
	defer l.Close()
	port, _ := l.Port()
	owner := newProc(t)
	c := connect(t, owner, "127.0.0.1", port, Active(False), Packet(framing.Four))
	defer c.Close()
	const total = 5000
	go flood(t, c, total)

	s := accept(t, l, acceptor)
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*TCP); ok {
			mu.Lock()
			got = append(got, int(binary.BigEndian.Uint32(m.Data)))
			if len(got) == total {
				close(done)
			}
			mu.Unlock()
		}
	}, otpactor.WithOwnerMailbox())
	handler := testSystem.Root.Spawn(props)
	defer testSystem.Root.Stop(handler)
	// Active true: messages pile up at the acceptor before the hand-off.
	if err := s.ControllingProcess(acceptor, handler); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(testkit.WaitBound):
		mu.Lock()
		t.Fatalf("handler got %d of %d packets", len(got), total)
	}
	for i, n := range got {
		if n != i {
			t.Fatalf("packet %d is %d", i, n)
		}
	}
	testkit.None(t, acceptor, s.Match) // the acceptor gets no more
	s.Close()
}

func TestControllingProcessErrors(t *testing.T) {
	a, b := newProc(t), newProc(t)
	_, s := pair(t, a, Active(False))
	if err := s.ControllingProcess(b, a.PID()); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("from a non-owner: %v, want not_owner", err)
	}
	if err := s.ControllingProcess(a, nil); !errors.Is(err, ErrBadArg) {
		t.Fatalf("to nil: %v, want badarg", err)
	}
	dead, _ := otpactor.NewProcess(testSystem)
	dead.Close()
	if err := s.ControllingProcess(a, dead.PID()); !errors.Is(err, ErrBadArg) {
		t.Fatalf("to a dead process: %v, want badarg", err)
	}
	foreign := actor.NewPID("elsewhere:4000", "p")
	if err := s.ControllingProcess(a, foreign); !errors.Is(err, ErrBadArg) {
		t.Fatalf("to another node's process: %v, want badarg", err)
	}
	if err := s.ControllingProcess(a, a.PID()); err != nil {
		t.Fatalf("to itself: %v, want ok as in OTP", err)
	}
	if err := s.ControllingProcess(nil, b.PID()); !errors.Is(err, ErrBadArg) {
		t.Fatalf("with no caller: %v, want badarg", err)
	}
	s.Close()
	if err := s.ControllingProcess(a, b.PID()); !errors.Is(err, ErrClosed) {
		t.Fatalf("on a closed socket: %v, want closed", err)
	}
}

// A passive socket changes owner between Recvs: the new owner reads on
// where the old one stopped, and the mode stays passive.
func TestControllingProcessPassive(t *testing.T) {
	const total = 3000
	a, b := newProc(t), newProc(t)
	client, s := pair(t, a, Active(False), Packet(framing.Four))
	go flood(t, client, total)
	recvUpTo := func(next, until int) int {
		for ; next < until; next++ {
			data, err := s.Recv(0, testkit.WaitBound)
			if err != nil {
				t.Fatalf("packet %d: %v", next, err)
			}
			if got := int(binary.BigEndian.Uint32(data)); got != next {
				t.Fatalf("packet %d, want %d", got, next)
			}
		}
		return next
	}
	next := recvUpTo(0, 1000)
	if err := s.ControllingProcess(a, b.PID()); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.GetOpts(OptActive); m[0].Value() != False {
		t.Fatalf("active = %v after the transfer, want false", m[0].Value())
	}
	recvUpTo(next, total)
	for _, p := range []proc{a, b} {
		testkit.None(t, p, nil) // a passive socket sends nothing
	}
}
