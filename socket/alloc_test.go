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
