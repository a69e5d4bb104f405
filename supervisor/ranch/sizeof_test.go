package ranch

import (
	"testing"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"
)

// A listener keeps a conn for each connection, as the value of the
// handler's record in its connection supervisor (32 bytes there): a field
// added to it costs each idle connection its size, rounded up to the
// allocator's size class. So does a field added to a HandlerProtocol's
// Conn. Without Events a connection costs 32 + 16 = 48
// bytes there, as much as when the record held the listener's fields;
// with Events, 32 + 64.
func TestSizeof(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"conn", unsafe.Sizeof(conn{}), 16},
		// With Events, the peer, the socket (for the counters of
		// ConnectionStop) and the hand-off's time: 64 bytes, a size
		// class.
		{"peerConn", unsafe.Sizeof(peerConn{}), 64},
		// A HandlerProtocol's actor, one per connection: 64 bytes, the
		// size class it is allocated in (a raw actor of ActorProtocol is
		// the user's). Action is returned in registers: 48 bytes, eight
		// words or fewer.
		{"Conn", unsafe.Sizeof(Conn{}), 64},
		{"Action", unsafe.Sizeof(Action{}), 48},
	} {
		if tc.got > tc.want {
			t.Errorf("%s is %d bytes, more than %d", tc.name, tc.got, tc.want)
		}
	}
}

// A Conn is the handler's, not protoactor's: its actor's Receive does not
// show on it, and costs nothing (the actor is the Conn, converted).
func TestConnActorHidden(t *testing.T) {
	var c any = new(Conn)
	if _, ok := c.(actor.Actor); ok {
		t.Fatal("*Conn has protoactor's Receive as a method")
	}
	if unsafe.Sizeof(connActor{}) != unsafe.Sizeof(Conn{}) {
		t.Fatal("the actor is not the Conn itself")
	}
}
