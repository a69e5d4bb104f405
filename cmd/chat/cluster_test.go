package main

import (
	"fmt"
	"slices"
	"testing"
)

// Three nodes, a client on each, in one room: the lines said on one node
// reach the members on the others in the order said. SIGKILL on the
// node that runs the room ends its client's connection only; the others
// learn of the room's loss, join again, and the room re-forms on one of
// the nodes left, where they go on talking.
func TestThreeNodes(t *testing.T) {
	nodes := startNodes(t, "n1", "n2", "n3")
	var clients []*client
	for i, n := range nodes {
		clients = append(clients, connect(t, fmt.Sprintf("c%d", i+1), n))
	}
	// Every node finds the room on the same node.
	var host string
	for i, c := range clients {
		c.send(t, "JOIN lobby")
		h := hostOf(t, c, "JOINED", "lobby")
		if i > 0 && h != host {
			t.Fatalf("%s found lobby on %s, %s on %s", clients[0].name, host, c.name, h)
		}
		host = h
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
	// SIGKILL the room's node.
	k := slices.IndexFunc(nodes, func(n *chatNode) bool { return n.name == host })
	if k < 0 {
		t.Fatalf("lobby on %q, not one of the nodes", host)
	}
	nodes[k].kill(t)
	clients[k].closedByPeer(t)
	left := slices.Delete(slices.Clone(clients), k, k+1)
	var again string
	for i, c := range left {
		h := hostOf(t, c, "REJOINED", "lobby")
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
	// The clients left go on talking, through the room's new grain.
	for _, speaker := range left {
		for i := range 3 {
			speaker.send(t, fmt.Sprintf("SAY lobby after %d", i))
		}
		for _, c := range left {
			for i := range 3 {
				c.expect(t, fmt.Sprintf("MSG lobby %s after %d", speaker.name, i))
			}
		}
	}
	left[0].send(t, "WHERE lobby")
	left[0].expect(t, "ROOM lobby ON "+again)
	left[1].send(t, "LEAVE lobby")
	left[1].expect(t, "LEFT lobby")
	left[0].send(t, "SAY lobby alone")
	left[0].expect(t, "MSG lobby "+left[0].name+" alone")
	// The room counts its members: the one that left and the one whose
	// node is gone are not.
	left[1].send(t, "JOIN lobby")
	left[1].expect(t, "JOINED lobby ON "+again+" MEMBERS 2")
}
