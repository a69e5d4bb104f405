package actor

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"
	cmap "github.com/orcaman/concurrent-map"
)

// This file holds every place where otpnet relies on protoactor-go's
// internals, rather than on its supported API. There are two, and
// TestProtoactorAdapter fails if protoactor changes what either relies on:
//
//  1. The mailbox of an actor's process. protoactor registers each actor
//     it spawns as an *actor.ActorProcess whose unexported field `mailbox`
//     (of type actor.Mailbox) holds the mailbox its Props made, set before
//     the process is registered and never changed; it offers no accessor.
//     findMailbox reads that field, at the offset that reflect reports for
//     a field of that name and type when the package starts, so that an
//     owner mailbox is found from its PID with no entry of its own
//     anywhere (TakeMatching, MailboxOf, MonitorPID). If protoactor renames,
//     retypes or drops the field, the fast path turns itself off, never
//     reading the wrong word, and owner mailboxes are found through the
//     supported seam instead: an index that each owner mailbox keeps of
//     itself, added to when protoactor calls RegisterHandlers (the actor's
//     PID is known then, through the invoker's Self) and taken from when
//     the actor is down. That costs a map entry per actor, and nothing
//     else changes.
//
//  2. The layout of the process registry. NewSystem replaces the
//     registry's *actor.SliceMap, protoactor's 1024 concurrent maps
//     (ProcessRegistryValue.LocalPIDs, a SliceMap whose LocalPIDs is a
//     []cmap.ConcurrentMap), with registryBuckets of them, moving what the
//     new system had registered. That holds as long as SliceMap.GetBucket
//     picks a bucket modulo len(LocalPIDs), as protoactor's does, and the
//     registry keeps every local process in those maps under its id. Both
//     types are exported, so a change to them fails to compile; a change
//     to how they are used fails TestProtoactorAdapter.

// mailboxField is the offset of the mailbox in an actor.ActorProcess, and
// whether protoactor's struct still has it (a field named mailbox, of type
// actor.Mailbox).
var mailboxField = func() struct {
	offset uintptr
	ok     bool
} {
	f, ok := reflect.TypeFor[actor.ActorProcess]().FieldByName("mailbox")
	ok = ok && f.Type == reflect.TypeFor[actor.Mailbox]()
	return struct {
		offset uintptr
		ok     bool
	}{f.Offset, ok}
}()

// fastPath says whether owner mailboxes spawned from now on are found by
// reading protoactor's field or through the index. It is mailboxField.ok;
// tests clear it to run through the index.
var fastPath atomic.Bool

func init() { fastPath.Store(mailboxField.ok) }

// mailboxOfProcess returns the mailbox of an actor's process, read from
// protoactor's unexported field. Only when mailboxField.ok.
func mailboxOfProcess(p *actor.ActorProcess) actor.Mailbox {
	return *(*actor.Mailbox)(unsafe.Add(unsafe.Pointer(p), mailboxField.offset))
}

// findMailbox returns the owner mailbox of pid's actor, or nil when pid
// names no live actor with one.
func findMailbox(system *actor.ActorSystem, pid *actor.PID) *ownerMailbox {
	if system == nil || pid == nil {
		return nil
	}
	return lookupMailbox(system, pid, !fastPath.Load())
}

// lookupMailbox returns the owner mailbox of pid's actor, read from its
// process or, if indexed, looked up in the index; nil if there is none.
func lookupMailbox(system *actor.ActorSystem, pid *actor.PID, indexed bool) *ownerMailbox {
	ref, ok := system.ProcessRegistry.Get(pid)
	if !ok {
		return nil
	}
	return mailboxOfRef(system, pid, ref, indexed)
}

// mailboxOfRef returns the owner mailbox of ref, the process registered
// under pid, or nil if its mailbox is another kind: read from the process
// (the fast path) or looked up in the index (indexed).
func mailboxOfRef(system *actor.ActorSystem, pid *actor.PID, ref actor.Process, indexed bool) *ownerMailbox {
	ap, ok := ref.(*actor.ActorProcess)
	switch {
	case !ok:
		return nil
	case !indexed:
		if !mailboxField.ok {
			return nil
		}
		m, _ := mailboxOfProcess(ap).(*ownerMailbox)
		return m
	}
	mailboxIndex.mu.Lock()
	e := mailboxIndex.m[indexKey{system, pid.Id}]
	mailboxIndex.mu.Unlock()
	// The process, not only the id: an actor spawned under the name of one
	// that stopped is another process, and its mailbox indexes itself only
	// when protoactor gets to RegisterHandlers.
	if e.proc != ref {
		return nil
	}
	return e.mb
}

// mailboxIndex is the supported seam to owner mailboxes, used when the
// fast path is off: each indexes itself, under its actor's system and id,
// with the process that protoactor registered for it.
var mailboxIndex struct {
	mu sync.Mutex
	m  map[indexKey]indexEntry
}

type indexKey struct {
	system *actor.ActorSystem
	id     string
}

type indexEntry struct {
	mb   *ownerMailbox
	proc actor.Process // the registry's entry for the actor when it was indexed
}

// index adds m, the mailbox of the actor self of system, to the index
// (RegisterHandlers, when the fast path is off). It reports false if self
// is not registered.
func (m *ownerMailbox) index(system *actor.ActorSystem, self *actor.PID) bool {
	proc, ok := system.ProcessRegistry.Get(self)
	if !ok {
		return false
	}
	mailboxIndex.mu.Lock()
	defer mailboxIndex.mu.Unlock()
	if mailboxIndex.m == nil {
		mailboxIndex.m = make(map[indexKey]indexEntry)
	}
	mailboxIndex.m[indexKey{system, self.Id}] = indexEntry{m, proc}
	return true
}

// unindex takes m out of the index, once its actor is down.
func (m *ownerMailbox) unindex(system *actor.ActorSystem, self *actor.PID) {
	k := indexKey{system, self.Id}
	mailboxIndex.mu.Lock()
	defer mailboxIndex.mu.Unlock()
	if mailboxIndex.m[k].mb == m { // not an actor spawned under the name since
		delete(mailboxIndex.m, k)
	}
}

// registryBuckets is how many concurrent maps (of 32 shards each) hold a
// system's processes.
const registryBuckets = 8

// compactRegistry moves the processes of a new system's registry to
// registryBuckets maps: protoactor's 1024 maps of 32 shards cost a system
// memory before its first actor and each actor a map of its own, where 256
// shards cost an actor its slot and still spread locking far wider than
// the cores that contend for it (see docs/DESIGN.md, actor: Registries).
func compactRegistry(reg *actor.ProcessRegistryValue) {
	sm := &actor.SliceMap{LocalPIDs: make([]cmap.ConcurrentMap, registryBuckets)}
	for i := range sm.LocalPIDs {
		sm.LocalPIDs[i] = cmap.New()
	}
	for _, m := range reg.LocalPIDs.LocalPIDs {
		// Not IterBuffered: its goroutines and channels, for 1024 maps,
		// leave garbage in every new system's heap (see docs/DESIGN.md,
		// actor: Registries).
		m.IterCb(func(k string, v any) { sm.GetBucket(k).Set(k, v) })
	}
	reg.LocalPIDs = sm
}
