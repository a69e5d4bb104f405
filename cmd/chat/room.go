package main

import (
	"github.com/asynkron/protoactor-go/cluster"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/cmd/chat/chatpb"
)

// roomKind is the cluster kind of the rooms.
const roomKind = "room"

// room is a room's grain: a virtual actor that the cluster activates on
// the node that rendezvous hashing picks for its name, the first time a
// handler asks for it. Its state is its members (handler PIDs, on any
// node) and nothing else: no history. It watches every member, and
// forgets one that leaves, whose connection ends, or whose node goes
// away. If its own node goes away, the members' handlers learn it by
// their watch on the room and join again: the room re-forms on another
// node with the members that are left.
type room struct {
	node    string // this node's -name, for Joined; its cluster address if none
	name    string
	members map[string]*member // by PID's String
}

type member struct {
	pid  *actor.PID
	nick string
}

func newRoom(node string) actor.Actor {
	return &room{node: node, members: make(map[string]*member)}
}

// Receive handles the room's messages.
func (r *room) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *cluster.ClusterInit:
		r.name = m.Identity.Identity
		if r.node == "" {
			r.node = ctx.ActorSystem().Address()
		}
	case *chatpb.Join:
		if m.Member == nil {
			return
		}
		k := m.Member.String()
		if _, ok := r.members[k]; !ok {
			ctx.Watch(m.Member)
		}
		r.members[k] = &member{pid: m.Member, nick: m.Nick}
		ctx.Respond(&chatpb.Joined{Room: ctx.Self(), Node: r.node, Members: int32(len(r.members))})
	case *chatpb.Leave:
		if m.Member != nil {
			r.forget(ctx, m.Member, true)
		}
		if ctx.Sender() != nil {
			ctx.Respond(&chatpb.Left{})
		}
	case *actor.Terminated:
		r.forget(ctx, m.Who, false)
	case *chatpb.Say:
		said := &chatpb.Said{Room: r.name, Nick: m.Nick, Text: m.Text}
		for _, mb := range r.members {
			ctx.Send(mb.pid, said)
		}
	}
}

// forget removes a member that left (unwatch) or was lost, and tells
// the others.
func (r *room) forget(ctx actor.Context, pid *actor.PID, unwatch bool) {
	k := pid.String()
	gone, ok := r.members[k]
	if !ok {
		return
	}
	delete(r.members, k)
	if unwatch {
		ctx.Unwatch(pid)
	}
	parted := &chatpb.Parted{Room: r.name, Nick: gone.nick}
	for _, mb := range r.members {
		ctx.Send(mb.pid, parted)
	}
}
