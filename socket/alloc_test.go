package socket

import (
	"testing"
)

// Re-arming {active, once}, which an owner does per message, and sending
// a small packet allocate nothing.
func TestHotPathAllocs(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	if n := testing.AllocsPerRun(1000, func() {
		s.SetOpts(Active(Once))
		s.SetOpts(Active(False))
	}); n != 0 {
		t.Errorf("SetOpts(Active(Once)) allocates %v times", n)
	}
	msg := make([]byte, 64)
	if n := testing.AllocsPerRun(200, func() { c.Send(msg) }); n != 0 {
		t.Errorf("Send allocates %v times", n)
	}
	drain(t, s, 64*201)
}

// A small packet costs one allocation: its message and its copy.
func TestSmallPacketOneAllocation(t *testing.T) {
	s := &Socket{}
	p := make([]byte, smallPacket)
	if n := testing.AllocsPerRun(1000, func() { newTCP(s, p) }); n != 1 {
		t.Fatalf("newTCP allocates %v times, want 1", n)
	}
	m := newTCP(s, []byte("abc"))
	m.Data = append(m.Data, 'd') // the copy's capacity ends at its length
	if string(m.Data) != "abcd" || cap(newTCP(s, []byte("abc")).Data) != 3 {
		t.Fatal("appending to Data must not write into the message")
	}
}
