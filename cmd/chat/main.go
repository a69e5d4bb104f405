// Command chat is a chat server that runs as a cluster of nodes, each a
// separate OS process: clients connect to any node, and the rooms are
// cluster grains (protoactor's virtual actors) that fan each line out to
// their members, whichever node their connections are on.
//
//	chat [-addr 127.0.0.1:4050] [-name NAME] [-cluster-host 127.0.0.1] [-cluster-port 0]
//	     [-manage-port 6330] [-members HOST:PORT,...] [-refresh 500ms] [-acceptors 10]
//
// Every node runs its own supervised acceptor pool on -addr
// (ranch.StartListener), each connection served by a ranch.Handler in the
// actor that owns its socket. The nodes form a protoactor cluster: remote
// (gRPC) on -cluster-host:-cluster-port (port 0 picks a free one), the
// automanaged provider's HTTP health endpoint on -manage-port (on every
// interface: the provider binds 0.0.0.0), and
// -members lists every node's HOST:-manage-port, this one's included (by
// default only this one's): each node polls them every -refresh, and a
// node that does not answer leaves the cluster. Rooms are placed by
// rendezvous hashing of their names over the members (disthash).
//
// The line protocol (each command a line, each answer a line):
//
//	NICK name          -> NICK name                     (the default nick is the client's address)
//	JOIN room          -> JOINED room ON node MEMBERS n (once the room has the member)
//	SAY room text      -> nothing: every member, the sayer too, gets MSG room nick text
//	LEAVE room         -> LEFT room (once the room has forgotten the member: no line of it follows)
//	                      and every other member gets PART room nick, as when a member is lost
//	WHERE room         -> ROOM room ON node             (the node the room runs on)
//	a bad line         -> ERR what is wrong
//
// A handler never waits for a room: a JOIN's look-up runs aside and its
// answer comes back as a message; SAYs are sends to the room's PID, and
// the lines come back as messages, in the order the room got them.
//
// What survives a node's loss: its own connections end (their sockets
// were its process's). The rooms it ran are lost with their state, which
// is only their members: each handler on the other nodes watches its
// rooms, and on a room's loss joins it again, and the room re-forms on a
// node that is left, with the members that are left; the client gets
// "REJOINED room ON node MEMBERS n". SAYs said while a handler rejoins
// are sent once it has; SAYs already on their way to the lost node are
// lost, as a message to a process that dies is. There is no history.
//
// Three nodes on one machine, each in its own terminal, then clients
// with any line client (nc 127.0.0.1 4051):
//
//	go run ./cmd/chat -name n1 -addr 127.0.0.1:4051 -manage-port 6331 -members 127.0.0.1:6331,127.0.0.1:6332,127.0.0.1:6333
//	go run ./cmd/chat -name n2 -addr 127.0.0.1:4052 -manage-port 6332 -members 127.0.0.1:6331,127.0.0.1:6332,127.0.0.1:6333
//	go run ./cmd/chat -name n3 -addr 127.0.0.1:4053 -manage-port 6333 -members 127.0.0.1:6331,127.0.0.1:6332,127.0.0.1:6333
//
// Its stdout says "cluster on HOST:PORT", then "listening on HOST:PORT",
// and "members n" each time the number of cluster members it sees
// changes (from the first, which may come before the others); the
// provider's HTTP server adds a line of its own when it starts. Its
// stderr has protoactor's warnings and errors: the provider logs each
// member it could not reach, the others' too while they start. SIGINT or
// SIGTERM stop it at once, not by protoactor's graceful leave, which
// waits seconds for grains to move: a room's members rejoin it anyway. Exit codes: 0 stopped, 1 could not
// start, 2 bad flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
