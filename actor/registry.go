package actor

import (
	"hash/maphash"
	"runtime"
	"sync"
	"weak"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/extensions"
)

// Owner mailboxes are found by their actor's PID (TakeMatching,
// MailboxOf). A system made by NewSystem keeps them in a mailboxRegistry
// of its own, and a mailbox leaves it when its actor stops: a map slot per
// actor. An actor system made otherwise has none, and its mailboxes go to
// weakMailboxes, which costs a weak pointer, a cleanup and a sync.Map
// entry per actor, about 200 bytes more.

// mailboxRegistry holds the owner mailboxes of one actor system by PID id.
type mailboxRegistry struct {
	seed   maphash.Seed
	shards [32]struct {
		mu sync.RWMutex
		m  map[string]*ownerMailbox
	}
}

var registryID = extensions.NextExtensionID()

// ExtensionID makes the registry a protoactor extension of its system.
func (r *mailboxRegistry) ExtensionID() extensions.ExtensionID { return registryID }

// newMailboxRegistry makes system's registry; the caller registers it
// before the system spawns anything.
func newMailboxRegistry() *mailboxRegistry {
	r := &mailboxRegistry{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].m = make(map[string]*ownerMailbox)
	}
	return r
}

// registryOf returns system's registry, or nil when NewSystem did not make
// system.
func registryOf(system *actor.ActorSystem) *mailboxRegistry {
	r, _ := system.Extensions.Get(registryID).(*mailboxRegistry)
	return r
}

func (r *mailboxRegistry) shard(id string) (*sync.RWMutex, map[string]*ownerMailbox) {
	s := &r.shards[maphash.String(r.seed, id)%uint64(len(r.shards))]
	return &s.mu, s.m
}

func (r *mailboxRegistry) put(id string, m *ownerMailbox) {
	mu, shard := r.shard(id)
	mu.Lock()
	shard[id] = m
	mu.Unlock()
}

func (r *mailboxRegistry) get(id string) *ownerMailbox {
	mu, shard := r.shard(id)
	mu.RLock()
	defer mu.RUnlock()
	return shard[id]
}

// remove forgets m, if id still names it.
func (r *mailboxRegistry) remove(id string, m *ownerMailbox) {
	mu, shard := r.shard(id)
	mu.Lock()
	if shard[id] == m {
		delete(shard, id)
	}
	mu.Unlock()
}

// weakMailboxes finds the owner mailboxes of actor systems NewSystem did
// not make. It holds them weakly: a mailbox goes when nothing refers to
// its actor any more (a PID caches its process), and its entry with it.
var weakMailboxes sync.Map // mailboxKey -> weak.Pointer[ownerMailbox]

// mailboxKey names an actor: PID ids repeat across actor systems.
type mailboxKey struct {
	system *actor.ActorSystem
	id     string
}

// registerMailbox makes m findable by its actor's PID.
func registerMailbox(system *actor.ActorSystem, id string, m *ownerMailbox) {
	if r := registryOf(system); r != nil {
		m.reg = r
		r.put(id, m)
		return
	}
	key := mailboxKey{system, id}
	wp := weak.Make(m)
	weakMailboxes.Store(key, wp)
	runtime.AddCleanup(m, func(key mailboxKey) { weakMailboxes.CompareAndDelete(key, wp) }, key)
}

// findMailbox returns the owner mailbox of pid, or nil.
func findMailbox(system *actor.ActorSystem, pid *actor.PID) *ownerMailbox {
	if system == nil || pid == nil {
		return nil
	}
	if r := registryOf(system); r != nil {
		return r.get(pid.Id)
	}
	if wp, ok := weakMailboxes.Load(mailboxKey{system, pid.Id}); ok {
		return wp.(weak.Pointer[ownerMailbox]).Value()
	}
	return nil
}
