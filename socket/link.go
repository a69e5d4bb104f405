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
// An owner spawned with actor.WithOwnerMailbox, or an actor.Process, tells
// the port itself: the port monitors its mailbox (actor.MonitorMailbox),
// which costs the owner nothing while the port is its only monitor. Any
// other owner is watched by the port's link, a small process in the actor
// system's registry, without a goroutine, that hears the owner's
// Terminated.
//
// A protoactor restart keeps the actor's PID and mailbox: it is the same
// process to the port, so its sockets stay open and the new instance gets
// their messages. (In Erlang a restarted child is a new process and its
// sockets are gone; an owner that wants that closes them when it stops or
// restarts: see actor.Restarting.)

// portMonitor is the port as its owner mailbox's monitor.
type portMonitor Socket

func (pm *portMonitor) Down(mb otpactor.Mailbox) {
	s := (*Socket)(pm)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.monitored && s.inbox == mb {
		s.monitored = false
		s.ownerDownLocked()
	}
}

// linkProc is the port's end of the link.
type linkProc struct{ s *Socket }

func (l linkProc) SendUserMessage(*actor.PID, any) {}

func (l linkProc) SendSystemMessage(_ *actor.PID, msg any) {
	if t, ok := msg.(*actor.Terminated); ok {
		l.s.ownerDown(t.Who)
	}
}

func (l linkProc) Stop(*actor.PID) {}

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
	owner := s.owner
	s.mu.Unlock()
	s.linkTo(owner, nil, nil)
}

// linkTo links the port to owner, which has just become its owner, and
// takes back oldLink's watch of the former owner old, if there was one
// (the monitor of an old owner's mailbox handOver takes back). It is
// called without s.mu.
func (s *Socket) linkTo(owner, old, oldLink *actor.PID) {
	s.mu.Lock()
	sys := s.sys
	if old != nil && oldLink != nil {
		defer watch(sys, old, oldLink, false)
	}
	// Dead, linked already by a linkTo that raced this one, or owned by
	// another since: a later linkTo links that one.
	if s.dead || s.monitored || !owner.Equal(s.owner) {
		s.mu.Unlock()
		return
	}
	link := s.linkPID()
	if ok, alive := otpactor.MonitorMailbox(s.inbox, (*portMonitor)(s)); ok {
		s.monitored = alive
		if link != nil {
			s.ext.link = nil
			s.tidyExt()
		}
		if !alive {
			s.ownerDownLocked()
		}
		s.mu.Unlock()
		if link != nil { // it watched a former owner: it is not needed any more
			sys.ProcessRegistry.Remove(link)
		}
		return
	}
	if link == nil {
		link, _ = sys.ProcessRegistry.Add(linkProc{s}, "otpnet/port"+sys.ProcessRegistry.NextId())
		s.extra().link = link
	}
	s.mu.Unlock()
	s.rewatch(sys, owner, link)
}

// rewatch makes link watch owner. It must be called without s.mu:
// watching a process that is already gone answers Terminated from within
// the call. If the port died meanwhile, it takes the watch back.
func (s *Socket) rewatch(sys *actor.ActorSystem, owner, link *actor.PID) {
	watch(sys, owner, link, true)
	s.mu.Lock()
	if s.linkPID() == nil { // died meanwhile: unlink could not see this watch
		watch(sys, owner, link, false)
	}
	s.mu.Unlock()
}

// watch starts (or stops) link's watch of owner.
func watch(sys *actor.ActorSystem, owner, link *actor.PID, on bool) {
	proc, _ := sys.ProcessRegistry.Get(owner)
	if on {
		proc.SendSystemMessage(owner, &actor.Watch{Watcher: link})
	} else {
		proc.SendSystemMessage(owner, &actor.Unwatch{Watcher: link})
	}
}

// unlink ends the link when the port dies: the owner forgets the watch
// (unwatching never calls back), and the link process leaves the
// registry. The caller holds s.mu.
func (s *Socket) unlink() {
	s.demonitor()
	link := s.linkPID()
	if link == nil {
		return
	}
	watch(s.sys, s.owner, link, false)
	s.sys.ProcessRegistry.Remove(link)
	s.ext.link = nil
}

// demonitor takes back the port's monitor of its owner's mailbox. The
// caller holds s.mu.
func (s *Socket) demonitor() {
	if s.monitored {
		otpactor.DemonitorMailbox(s.inbox, (*portMonitor)(s))
		s.monitored = false
	}
}

// ownerDown closes the port when who, its owner, has stopped.
func (s *Socket) ownerDown(who *actor.PID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if who.Equal(s.owner) {
		s.ownerDownLocked()
	}
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
