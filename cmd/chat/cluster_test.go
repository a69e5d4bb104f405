package main

import (
	"fmt"
	"slices"
	"testing"
)

// Three nodes, a client on each, in two rooms: the lines said on one
// node reach the members on the others in the order said. SIGKILL on the
// node that runs one room (lobby) ends its client's connection only. The
// other room (side), on another node, loses that member and says so; the
// clients left learn of lobby's loss, join it again, and it re-forms on
// one of the nodes left, where they go on talking.
func TestThreeNodes(t *testing.T) {
	nodes := startNodes(t, "n1", "n2", "n3")
	var clients []*client
	for i, n := range nodes {
		clients = append(clients, connect(t, fmt.Sprintf("c%d", i+1), n))
	}
	// Every node finds a room on the same node.
	join := func(room string) string {
		var host string
		for i, c := range clients {
			c.send(t, "JOIN "+room)
			h := c.hostOf(t, "JOINED", room)
			if i > 0 && h != host {
				t.Fatalf("%s found %s on %s, %s on %s", clients[0].name, room, host, c.name, h)
			}
			host = h
		}
		return host
	}
	host := join("lobby")
	// side: a room on another node than lobby's (the first of side0,
	// side1, ... that rendezvous hashing puts elsewhere).
	var side string
	for i := 0; side == ""; i++ {
		room := fmt.Sprintf("side%d", i)
		clients[0].send(t, "JOIN "+room)
		if clients[0].hostOf(t, "JOINED", room) == host {
			clients[0].send(t, "LEAVE "+room)
			clients[0].expect(t, "LEFT "+room)
			continue
		}
		side = room
		for _, c := range clients[1:] {
			c.send(t, "JOIN "+side)
			if h := c.hostOf(t, "JOINED", side); h == host {
				t.Fatalf("%s found %s on %s, lobby's node", c.name, side, h)
			}
		}
	}
	// c1's lines reach every member, c1 too, in order; then c2's.
	for _, speaker := range clients[:2] {
		for i := range 5 {
			speaker.send(t, fmt.Sprintf("SAY lobby line %d", i))
		}
		for _, c := range clients {
			for i := range 5 {
				c.expect(t, fmt.Sprintf("MSG lobby %s line %d", speaker.name, i))
			}
		}
	}
	// SIGKILL lobby's node.
	k := slices.IndexFunc(nodes, func(n *chatNode) bool { return n.name == host })
	if k < 0 {
		t.Fatalf("lobby on %q, not one of the nodes", host)
	}
	nodes[k].kill(t)
	clients[k].closedByPeer(t)
	left := slices.Delete(slices.Clone(clients), k, k+1)
	var again string
	for i, c := range left {
		c.expect(t, fmt.Sprintf("PART %s %s", side, clients[k].name))
		h := c.hostOf(t, "REJOINED", "lobby")
		if h == host || i > 0 && h != again {
			t.Fatalf("lobby re-formed on %s for %s, %s before (lost: %s)", h, c.name, again, host)
		}
		again = h
	}
	for _, n := range nodes {
		if n.name != host {
			n.until(t, func() bool { return n.members == 2 })
		}
	}
	// The clients left go on talking, through lobby's new grain, and side.
	for _, room := range []string{"lobby", side} {
		for _, speaker := range left {
			for i := range 3 {
				speaker.send(t, fmt.Sprintf("SAY %s after %d", room, i))
			}
			for _, c := range left {
				for i := range 3 {
					c.expect(t, fmt.Sprintf("MSG %s %s after %d", room, speaker.name, i))
				}
			}
		}
	}
	left[0].send(t, "WHERE lobby")
	left[0].expect(t, "ROOM lobby ON "+again)
	// LEFT comes once the room has forgotten the member: a line said after
	// it reaches the others after its PART, and not the member that left.
	left[1].send(t, "LEAVE lobby")
	left[1].expect(t, "LEFT lobby")
	left[0].send(t, "SAY lobby alone")
	left[0].expect(t, "PART lobby "+left[1].name)
	left[0].expect(t, "MSG lobby "+left[0].name+" alone")
	// The room counts its members: the one that left and the one whose
	// node is gone are not.
	left[1].send(t, "JOIN lobby")
	left[1].expect(t, "JOINED lobby ON "+again+" MEMBERS 2")
	for _, c := range left {
		if len(c.stash) > 0 {
			t.Errorf("%s got lines not looked for: %q", c.name, c.stash)
		}
	}
}

// Bad lines, and commands out of turn, get ERR lines that say what is
// wrong; the connection goes on.
func TestBadLines(t *testing.T) {
	nodes := startNodes(t, "solo")
	c := connect(t, "c", nodes[0])
	for _, tc := range []struct{ send, want string }{
		{"SHOUT x", `ERR unknown command "SHOUT" (JOIN, SAY, LEAVE, NICK, WHERE)`},
		{"JOIN", "ERR JOIN: missing room"},
		{"SAY lobby hi", "ERR SAY: not in lobby"},
		{"LEAVE lobby", "ERR LEAVE: not in lobby"},
		{"WHERE lobby", "ERR WHERE: not in lobby"},
	} {
		c.send(t, tc.send)
		if got := c.next(t, about(tc.want)); got != tc.want {
			t.Fatalf("%q: got %q, want %q", tc.send, got, tc.want)
		}
	}
	c.send(t, "JOIN lobby")
	c.expect(t, "JOINED lobby ON solo MEMBERS 1")
	c.send(t, "JOIN lobby")
	c.expect(t, "ERR JOIN: already in lobby")
	c.send(t, "SAY lobby still here")
	c.expect(t, "MSG lobby c still here")
}
