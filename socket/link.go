package socket

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
)

// A port is linked to its owner, as an Erlang port is: when the owner
// stops (it is stopped or poisoned, a supervisor stops it after a panic,
// or an actor.Process closes), its sockets close, and what they had
// buffered or queued is dropped with them.
//
// The port is its owner's monitor (actor.MonitorPID): the owner tells it
// when it stops. An owner spawned with actor.WithOwnerMailbox, or an
// actor.Process, keeps its monitors itself, which costs it nothing while
// the port is the only one; any other owner is watched through
// protoactor's Watch by one small process in the actor system's registry,
// without a goroutine, shared by every monitor of that owner. The port
// keeps nothing for it: the monitor is the port itself.
//
// A protoactor restart keeps the actor's PID and mailbox: it is the same
// process to the port, so its sockets stay open and the new instance gets
// their messages. (In Erlang a restarted child is a new process and its
// sockets are gone; an owner that wants that closes them when it stops or
// restarts: see actor.Restarting.)

// portMonitor is the port as its owner's monitor.
type portMonitor Socket

// Down closes the port if who is still its owner: a Down from a former
// owner may come after controlling_process took the monitor back.
func (pm *portMonitor) Down(who *actor.PID) {
	s := (*Socket)(pm)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dead && who.Equal(s.owner) {
		s.ownerDownLocked()
	}
}

// Closed sockets because their owner stopped, and the bytes dropped with
// them: what OwnerExits reports.
var ownerExits, ownerExitBytes atomic.Uint64

// OwnerExits reports how many sockets have closed because their owner
// stopped, and how many received or queued bytes were dropped with them.
func OwnerExits() (sockets, bytes uint64) {
	return ownerExits.Load(), ownerExitBytes.Load()
}

// startLink links the port to its owner.
func (s *Socket) startLink() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.link()
}

// link makes the port its owner's monitor, and closes it if the owner is
// gone already. A dead port links to nothing: unlink has run, or never
// will. The caller holds s.mu (MonitorPID never calls Down itself).
func (s *Socket) link() {
	if s.dead {
		return
	}
	if alive, _ := otpactor.MonitorPID(s.sys, s.owner, (*portMonitor)(s)); !alive {
		s.ownerDownLocked()
	}
}

// unlink takes the port's monitor of its owner back, when the port dies
// or changes owner. The caller holds s.mu.
func (s *Socket) unlink() {
	otpactor.DemonitorPID(s.sys, s.owner, (*portMonitor)(s))
}

// ownerDownLocked closes the port because its owner stopped. The caller
// holds s.mu.
func (s *Socket) ownerDownLocked() {
	if s.dead {
		return
	}
	q, _ := s.pool().Queued(s.h)
	ownerExits.Add(1)
	ownerExitBytes.Add(uint64(len(s.buf) + q))
	s.exit(nil)
}
