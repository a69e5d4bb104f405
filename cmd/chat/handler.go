package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/cmd/chat/chatpb"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// conn is one client's handler, in the actor that owns its socket (a
// ranch.HandlerProtocol). It never waits for a room: a JOIN's look-up
// runs on a goroutine of its own (protoactor's cluster look-up is a
// blocking call) whose result comes back to the handler as a message
// (*joinResult, in HandleInfo); a SAY is a plain send to the room's PID,
// which the handler knows once joined; a LEAVE's answer is awaited with
// protoactor's re-entrancy (ReenterAfter); the rooms' lines come as
// *Said messages. The socket keeps serving its client meanwhile.
type conn struct {
	ranch.BaseHandler
	n     *node
	nick  string
	rooms map[string]*membership
}

// membership is what a handler knows of a room it is in.
type membership struct {
	pid     *actor.PID    // the room's grain; nil while (re)joining
	node    string        // the node the room runs on, from Joined
	queue   []*chatpb.Say // SAYs said while (re)joining, sent once joined
	rejoin  bool          // the room was lost: this join is a rejoin
	leaving bool          // a LEAVE waits for the room's answer
}

// joinResult is the answer of a JOIN's look-up, sent to the handler.
type joinResult struct {
	room   string
	joined *chatpb.Joined
	err    error
}

func (n *node) newConn() ranch.Handler { return &conn{n: n, rooms: make(map[string]*membership)} }

// HandleConnection names the client after its address until a NICK.
func (h *conn) HandleConnection(c *ranch.Conn) ranch.Action {
	if p, err := c.Peername(); err == nil {
		h.nick = p.String()
	}
	return ranch.Continue
}

// HandleData serves a line of the client.
func (h *conn) HandleData(c *ranch.Conn, line []byte) ranch.Action {
	cmd, err := parse(line)
	if err == errEmpty {
		return ranch.Continue
	}
	if err != nil {
		return h.reply(c, "ERR %v", err)
	}
	ctx := c.Context()
	m := h.rooms[cmd.arg]
	switch cmd.verb {
	case "NICK":
		h.nick = cmd.arg
		return h.reply(c, "NICK %s", h.nick)
	case "JOIN":
		if m != nil {
			return h.reply(c, "ERR JOIN: already in %s", cmd.arg)
		}
		h.rooms[cmd.arg] = &membership{}
		h.join(ctx, cmd.arg)
	case "SAY":
		if m == nil {
			return h.reply(c, "ERR SAY: not in %s", cmd.arg)
		}
		say := &chatpb.Say{Nick: h.nick, Text: cmd.text}
		if m.pid == nil {
			m.queue = append(m.queue, say)
		} else {
			ctx.Send(m.pid, say)
		}
	case "LEAVE":
		switch {
		case m == nil:
			return h.reply(c, "ERR LEAVE: not in %s", cmd.arg)
		case m.pid == nil || m.leaving:
			return h.reply(c, "ERR LEAVE: still joining or leaving %s", cmd.arg)
		}
		h.leaveThenReply(c, cmd.arg, m)
	case "WHERE":
		if m == nil || m.pid == nil {
			return h.reply(c, "ERR WHERE: not in %s", cmd.arg)
		}
		return h.reply(c, "ROOM %s ON %s", cmd.arg, m.node)
	}
	return ranch.Continue
}

// HandleInfo takes the rooms' lines, the JOINs' answers, and the news of
// a room's loss (the Terminated of its watched PID), which joins it again.
func (h *conn) HandleInfo(c *ranch.Conn, msg any) ranch.Action {
	ctx := c.Context()
	switch msg := msg.(type) {
	case *chatpb.Said:
		if h.rooms[msg.Room] == nil {
			return ranch.Continue // said before the room had our Leave
		}
		return h.reply(c, "MSG %s %s %s", msg.Room, msg.Nick, msg.Text)
	case *chatpb.Parted:
		if h.rooms[msg.Room] == nil {
			return ranch.Continue
		}
		return h.reply(c, "PART %s %s", msg.Room, msg.Nick)
	case *joinResult:
		m := h.rooms[msg.room]
		if m == nil || m.pid != nil {
			return ranch.Continue // not asked for (cannot happen: LEAVE waits for the join)
		}
		if msg.err != nil {
			if m.rejoin { // the room must come back: ask again
				h.join(ctx, msg.room)
				return ranch.Continue
			}
			delete(h.rooms, msg.room)
			return h.reply(c, "ERR JOIN %s: %v", msg.room, msg.err)
		}
		m.pid, m.node = msg.joined.Room, msg.joined.Node
		ctx.Watch(m.pid)
		for _, say := range m.queue {
			ctx.Send(m.pid, say)
		}
		m.queue = nil
		verb := "JOINED"
		if m.rejoin {
			verb = "REJOINED"
		}
		return h.reply(c, "%s %s ON %s MEMBERS %d", verb, msg.room, m.node, msg.joined.Members)
	case *actor.Terminated:
		for name, m := range h.rooms {
			if m.pid != nil && m.pid.Equal(msg.Who) {
				m.pid, m.rejoin = nil, true
				h.join(ctx, name)
			}
		}
	}
	return ranch.Continue
}

// join asks the cluster for the room's grain, on a goroutine of its own,
// and has the answer sent to the handler as a *joinResult.
func (h *conn) join(ctx actor.Context, room string) {
	self, root, cl := ctx.Self(), ctx.ActorSystem().Root, h.n.cluster
	req := &chatpb.Join{Member: self, Nick: h.nick}
	go func() {
		r := &joinResult{room: room}
		res, err := cl.Request(room, roomKind, req)
		switch j, ok := res.(*chatpb.Joined); {
		case err != nil:
			r.err = err
		case !ok || j.Room == nil:
			r.err = fmt.Errorf("unexpected answer %T", res)
		default:
			r.joined = j
		}
		root.Send(self, r)
	}()
}

// leaveThenReply asks the room to forget the handler, and answers LEFT
// once it has (or once the request timed out: the room is gone), so that
// no line of the room comes after LEFT. It waits with protoactor's
// re-entrancy: the handler goes on serving meanwhile, and the answer
// runs in it as a message.
func (h *conn) leaveThenReply(c *ranch.Conn, room string, m *membership) {
	ctx := c.Context()
	m.leaving = true
	ctx.Unwatch(m.pid)
	f := ctx.RequestFuture(m.pid, &chatpb.Leave{Member: ctx.Self()}, leaveTimeout)
	ctx.ReenterAfter(f, func(any, error) {
		delete(h.rooms, room)
		// A failed send ends the connection: the socket's close or error
		// message follows.
		_ = h.send(c, "LEFT %s", room)
	})
}

// leaveTimeout bounds the wait for a room's answer to a LEAVE.
const leaveTimeout = 2 * time.Second

// leave tells the room that the handler leaves, without waiting.
func (h *conn) leave(ctx actor.Context, m *membership) {
	ctx.Unwatch(m.pid)
	ctx.Send(m.pid, &chatpb.Leave{Member: ctx.Self()})
}

// reply sends one line to the client, and fails the connection if it
// cannot.
func (h *conn) reply(c *ranch.Conn, format string, args ...any) ranch.Action {
	if err := h.send(c, format, args...); err != nil {
		return ranch.Fail(err)
	}
	return ranch.Continue
}

// send sends one line to the client.
func (h *conn) send(c *ranch.Conn, format string, args ...any) error {
	line := fmt.Sprintf(format, args...)
	line = strings.ReplaceAll(line, "\n", " ") + "\n"
	return c.Send([]byte(line))
}

// HandleClose leaves the rooms.
func (h *conn) HandleClose(c *ranch.Conn) { h.leaveAll(c) }

// HandleError leaves the rooms.
func (h *conn) HandleError(c *ranch.Conn, _ error) { h.leaveAll(c) }

// HandleShutdown leaves the rooms.
func (h *conn) HandleShutdown(c *ranch.Conn) { h.leaveAll(c) }

// leaveAll tells the rooms the handler is in that it leaves, sooner than
// their watch would.
func (h *conn) leaveAll(c *ranch.Conn) {
	for _, m := range h.rooms {
		if m.pid != nil && !m.leaving {
			h.leave(c.Context(), m)
		}
	}
}
