package socket

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
)

// waitEOF waits for the peer to see the connection close.
func waitEOF(t *testing.T, peer net.Conn) {
	t.Helper()
	peer.SetReadDeadline(time.Now().Add(testkit.WaitBound))
	if _, err := io.ReadAll(peer); err != nil {
		t.Fatalf("peer: %v, want EOF", err)
	}
}

// A Process that closes takes its sockets, listening ones too, with it.
func TestOwnerExitClosesSockets(t *testing.T) {
	sockets0, _ := OwnerExits()
	p0, _ := otpactor.NewProcess(testSystem)
	p := proc{p0}
	s, peer := netPair(t, p, Active(True))
	l := listen(t, p, IP(loopback))
	accepted := make(chan error)
	go func() { _, err := l.Accept(newProc(t), Infinity); accepted <- err }()
	p0.Close()
	waitEOF(t, peer)
	if err := <-accepted; !errors.Is(err, ErrClosed) {
		t.Fatalf("Accept on a dead owner's listener = %v, want closed", err)
	}
	if err := s.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send = %v, want closed", err)
	}
	if n, _ := OwnerExits(); n != sockets0+2 {
		t.Fatalf("OwnerExits = %d, want %d", n, sockets0+2)
	}
}

// An actor that stops, by Stop, Poison, or a supervisor that stops it
// after a panic, closes its sockets.
func TestActorOwnerExit(t *testing.T) {
	stopAfterPanic := actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective })
	for _, how := range []string{"stop", "poison", "panic"} {
		t.Run(how, func(t *testing.T) {
			sockets := make(chan *Socket, 1)
			peers := make(chan net.Conn, 1)
			props := actor.PropsFromFunc(func(ctx actor.Context) {
				switch ctx.Message().(type) {
				case *actor.Started:
					s, peer := netPair(t, ctx, Active(True))
					sockets <- s
					peers <- peer
				case string:
					panic("boom")
				}
			}, otpactor.WithOwnerMailbox())
			parent := testSystem.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
				if _, ok := ctx.Message().(*actor.Started); ok {
					ctx.Spawn(props)
				}
			}, actor.WithSupervisor(stopAfterPanic)))
			defer testSystem.Root.Stop(parent)
			s, peer := <-sockets, <-peers
			owner := s.Owner()
			switch how {
			case "stop":
				testSystem.Root.Stop(owner)
			case "poison":
				testSystem.Root.Poison(owner)
			case "panic":
				testSystem.Root.Send(owner, "crash")
			}
			waitEOF(t, peer)
		})
	}
}

// A protoactor restart keeps the PID, the mailbox and so the sockets: the
// new instance gets their messages.
func TestActorRestartKeepsSockets(t *testing.T) {
	got := make(chan string, 8)
	sockets := make(chan *Socket, 1)
	peers := make(chan net.Conn, 1)
	started := 0
	props := actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *actor.Started:
			started++
			if started == 1 {
				s, peer := netPair(t, ctx, Active(True))
				sockets <- s
				peers <- peer
			}
			got <- "started " + strconv.Itoa(started)
		case *TCP:
			got <- string(m.Data)
		case string:
			panic("boom")
		}
	}, otpactor.WithOwnerMailbox())
	pid := testSystem.Root.Spawn(props) // the root's default strategy restarts
	defer testSystem.Root.Stop(pid)
	s, peer := <-sockets, <-peers
	<-got
	testSystem.Root.Send(pid, "crash")
	if m := <-got; m != "started 2" {
		t.Fatalf("got %q, want the restart", m)
	}
	peer.Write([]byte("still here"))
	if m := <-got; m != "still here" {
		t.Fatalf("got %q", m)
	}
	if !s.Owner().Equal(pid) {
		t.Fatal("owner changed")
	}
}

// The link follows controlling_process: the old owner's exit leaves the
// socket open, the new owner's closes it.
func TestLinkFollowsControllingProcess(t *testing.T) {
	a0, _ := otpactor.NewProcess(testSystem)
	b0, _ := otpactor.NewProcess(testSystem)
	a, b := proc{a0}, proc{b0}
	s, peer := netPair(t, a, Active(True))
	if err := s.ControllingProcess(a, b.PID()); err != nil {
		t.Fatal(err)
	}
	a0.Close()
	if _, err := s.GetOpts(OptActive); err != nil {
		t.Fatalf("the socket died with its former owner: %v", err)
	}
	peer.Write([]byte("to b"))
	if m, ok := testkit.Next(t, b).(*TCP); !ok || string(m.Data) != "to b" {
		t.Fatalf("b got %#v", m)
	}
	b0.Close()
	waitEOF(t, peer)
}

// Closed sockets leave nothing in the actor system's registry. The test
// has a system of its own: other tests' actors leave testSystem's registry
// when they have stopped, which may be during this one.
func TestLinksLeaveTheRegistry(t *testing.T) {
	sys := otpactor.NewSystem()
	p := procIn(t, sys)
	before := registered(sys)
	for range 50 {
		c, s := pair(t, p, Active(False))
		c.Close()
		s.Close()
	}
	if n := registered(sys); n != before {
		t.Fatalf("registry holds %d processes, %d before", n, before)
	}
}

// registered counts the processes in sys's registry.
func registered(sys *actor.ActorSystem) int {
	n := 0
	for _, m := range sys.ProcessRegistry.LocalPIDs.LocalPIDs {
		n += m.Count()
	}
	return n
}

// pidCaller is a Caller for a process the test does not run in, of
// testSystem unless sys says otherwise.
type pidCaller struct {
	pid *actor.PID
	sys *actor.ActorSystem
}

func (c pidCaller) Self() *actor.PID { return c.pid }

func (c pidCaller) ActorSystem() *actor.ActorSystem {
	if c.sys != nil {
		return c.sys
	}
	return testSystem
}

// linkKit is what the link tests share: the socket, its peer, and the
// data that its owners get, each as "ID DATA" on got.
type linkKit struct {
	t    *testing.T
	s    *Socket
	peer net.Conn
	got  chan string
}

// record is an owner's Receive: it reports the socket's data on got.
func (k *linkKit) record(ctx actor.Context) {
	if m, ok := ctx.Message().(*TCP); ok {
		k.got <- ctx.Self().Id + " " + string(m.Data)
	}
}

// hand gives the socket away, from its owner to another process.
func (k *linkKit) hand(from Caller, to *actor.PID) {
	k.t.Helper()
	if err := k.s.ControllingProcess(from, to); err != nil {
		k.t.Fatal(err)
	}
}

// stillOpen fails if the socket closed when its former owner stopped.
func (k *linkKit) stillOpen(stopped string) {
	k.t.Helper()
	if _, err := k.s.GetOpts(OptActive); err != nil {
		k.t.Fatalf("the socket died with its former owner %s: %v", stopped, err)
	}
}

// deliversTo sends data from the peer and checks that the actor at to,
// the owner, gets it.
func (k *linkKit) deliversTo(to *actor.PID, data string) {
	k.t.Helper()
	k.peer.Write([]byte(data))
	if m := testkit.Recv(k.t, k.got, fmt.Sprintf("delivery to %v", to)); m != to.Id+" "+data {
		k.t.Fatalf("got %q, want it at %v", m, to)
	}
}

// The link follows controlling_process between owners that keep their
// monitors themselves: actors with an owner mailbox and Processes. The
// port keeps nothing for it (no portExt). Each former owner's exit leaves
// the socket open; the last owner's closes it.
func TestLinkFollowsMonitoredOwners(t *testing.T) {
	k := &linkKit{t: t, got: make(chan string, 8)}
	spawn := func() *actor.PID {
		return testSystem.Root.Spawn(actor.PropsFromFunc(k.record, otpactor.WithOwnerMailbox()))
	}
	a, c := spawn(), spawn()
	p := newProc(t)
	k.s, k.peer = netPair(t, pidCaller{pid: a}, Active(True))
	noExt := func(owner string) {
		t.Helper()
		k.s.mu.Lock()
		ext := k.s.ext
		k.s.mu.Unlock()
		if ext != nil {
			t.Fatalf("owned by %s: the port keeps %+v for the link, want nothing", owner, ext)
		}
	}
	noExt("actor a")
	k.hand(pidCaller{pid: a}, p.PID()) // actor -> Process
	noExt("process p")
	testSystem.Root.StopFuture(a).Wait()
	k.stillOpen("actor a")
	k.hand(p, c) // Process -> actor
	noExt("actor c")
	p.Close()
	k.stillOpen("process p")
	k.deliversTo(c, "to c")
	testSystem.Root.Stop(c)
	waitEOF(t, k.peer)
}

// watchers counts the processes that watch a PID for its monitors (an
// owner with protoactor's default mailbox) in sys's registry.
func watchers(sys *actor.ActorSystem) int {
	n := 0
	for _, m := range sys.ProcessRegistry.LocalPIDs.LocalPIDs {
		for _, id := range m.Keys() {
			if strings.HasPrefix(id, "monitor") {
				n++
			}
		}
	}
	return n
}

// An owner with protoactor's default mailbox keeps no monitors: it is
// watched through protoactor's Watch by a process registered for it. The
// link follows controlling_process to an owner-mailbox actor, which needs
// no such process, and back; a former owner's exit leaves the socket
// open, the last owner's closes it, and nothing is left in the registry.
// (A system of its own, as in TestLinksLeaveTheRegistry.)
func TestLinkFollowsWatchedOwner(t *testing.T) {
	sys := otpactor.NewSystem()
	before := registered(sys)
	k := &linkKit{t: t, got: make(chan string, 8)}
	d := sys.Root.Spawn(actor.PropsFromFunc(k.record)) // protoactor's default mailbox
	o := sys.Root.Spawn(actor.PropsFromFunc(k.record, otpactor.WithOwnerMailbox()))
	dc, oc := pidCaller{pid: d, sys: sys}, pidCaller{pid: o, sys: sys}
	k.s, k.peer = netPair(t, dc, Active(True))
	wantWatchers := func(when string, want int) {
		t.Helper()
		if n := watchers(sys); n != want {
			t.Fatalf("%s: %d watchers registered, want %d", when, n, want)
		}
	}
	wantWatchers("owned by d", 1)
	k.hand(dc, o)
	wantWatchers("owned by o", 0)
	k.hand(oc, d)
	wantWatchers("owned by d again", 1)
	sys.Root.StopFuture(o).Wait()
	k.stillOpen("actor o")
	k.deliversTo(d, "to d")
	sys.Root.StopFuture(d).Wait()
	waitEOF(t, k.peer)
	if n := registered(sys); n != before {
		t.Fatalf("registry holds %d processes, %d before", n, before)
	}
}

// A socket owned by an owner-mailbox actor adds nothing to the actor
// system's registry, and nothing stays once the actor stops. (A system of
// its own, as in TestLinksLeaveTheRegistry.)
func TestMonitoredOwnerRegistersNothing(t *testing.T) {
	sys := otpactor.NewSystem()
	before := registered(sys)
	owner := sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}, otpactor.WithOwnerMailbox()))
	var peers []net.Conn
	for range 20 {
		_, peer := netPair(t, pidCaller{pid: owner, sys: sys}, Active(True))
		peers = append(peers, peer)
	}
	if n := registered(sys); n != before+1 {
		t.Fatalf("registry holds %d processes with 20 sockets, %d before and the owner", n, before)
	}
	sys.Root.StopFuture(owner).Wait()
	for _, peer := range peers {
		waitEOF(t, peer)
	}
	if n := registered(sys); n != before {
		t.Fatalf("registry holds %d processes, %d before", n, before)
	}
}
