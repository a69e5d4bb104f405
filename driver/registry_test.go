package driver

import "testing"

// Sockets lists what is registered and open, with its handler, and
// forgets a socket once it is closed.
func TestSockets(t *testing.T) {
	pl := newPool(t, Pollers(1))
	l, _ := listen(t, pl)
	ra, rb := newRecorder(), newRecorder()
	a, pa := pair(t, pl, ra)
	defer pa.Close()
	b, pb := pair(t, pl, rb)
	defer pb.Close()
	list := func() map[Handle]Registered {
		m := map[Handle]Registered{}
		for r := range pl.Sockets() {
			m[r.Handle] = r
		}
		return m
	}
	got := list()
	if len(got) != 3 {
		t.Fatalf("listed %d sockets, want 3: %v", len(got), got)
	}
	for h, want := range map[Handle]Handler{l: nil, a: ra, b: rb} {
		r, ok := got[h]
		switch {
		case !ok:
			t.Errorf("%v is not listed", h)
		case r.Handler != want:
			t.Errorf("%v: handler %v, want %v", h, r.Handler, want)
		}
	}
	if err := pl.Close(a); err != nil {
		t.Fatal(err)
	}
	if err := pl.Close(l); err != nil {
		t.Fatal(err)
	}
	got = list()
	if _, ok := got[b]; len(got) != 1 || !ok {
		t.Errorf("after closing %v and %v, listed %v, want %v alone", a, l, got, b)
	}
	n := 0
	for range pl.Sockets() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("Sockets yielded %d sockets to a loop that stopped at the first", n)
	}
	_ = pl.Close(b)
}
