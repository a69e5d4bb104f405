package actor

import (
	"reflect"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"
)

// An owner mailbox is found by its actor's PID (TakeMatching, MailboxOf)
// through protoactor's own registry: the PID names the actor's
// *actor.ActorProcess, and that holds the mailbox. So an owner mailbox
// costs no registry entry of its own, and leaves with its actor's process.
// protoactor keeps the process's mailbox unexported, with no accessor:
// mailboxOfProcess reads the field, whose name, type and offset
// mailboxField takes from reflect once, so a protoactor that changes the
// struct makes it give up (and TestOwnerMailboxFound fail), never read
// the wrong word.

// mailboxField is the offset of the mailbox in an actor.ActorProcess, or
// false when protoactor's struct no longer has it.
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

// mailboxOfProcess returns the mailbox of an actor's process. protoactor
// sets it before it registers the process, and never changes it.
func mailboxOfProcess(p *actor.ActorProcess) actor.Mailbox {
	if !mailboxField.ok {
		return nil
	}
	return *(*actor.Mailbox)(unsafe.Add(unsafe.Pointer(p), mailboxField.offset))
}

// findMailbox returns the owner mailbox of pid's actor, or nil when pid
// names no live actor with one.
func findMailbox(system *actor.ActorSystem, pid *actor.PID) *ownerMailbox {
	if system == nil || pid == nil {
		return nil
	}
	p, ok := system.ProcessRegistry.Get(pid)
	if !ok {
		return nil
	}
	ap, ok := p.(*actor.ActorProcess)
	if !ok {
		return nil
	}
	m, _ := mailboxOfProcess(ap).(*ownerMailbox)
	return m
}
