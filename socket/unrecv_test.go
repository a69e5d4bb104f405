package socket

import (
	"errors"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// TestUnrecv is what OTP 25's gen_tcp:unrecv does: a passive Recv(0)
// takes what was put back, and no more even when more has come; what is
// put back on a passive socket is the first message once it is active.
func TestUnrecv(t *testing.T) {
	p := newProc(t)
	s, peer := netPair(t, p, Active(False))
	if err := s.Unrecv([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Write([]byte("def")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Recv(0, testkit.WaitBound); err != nil || string(b) != "abc" {
		t.Fatalf("Recv = %q, %v; want abc", b, err)
	}
	if b, err := s.Recv(0, testkit.WaitBound); err != nil || string(b) != "def" {
		t.Fatalf("Recv = %q, %v; want def", b, err)
	}
	if err := s.Unrecv([]byte("xyz")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	testkit.ExpectOf(t, p, func(m *TCP) bool { return string(m.Data) == "xyz" })
}

// TestUnrecvFramed: what is put back is framed with what comes after it,
// and goes to the Recv waiting, or at once to the owner of an active
// socket.
func TestUnrecvFramed(t *testing.T) {
	p := newProc(t)
	s, peer := netPair(t, p, Active(False), Packet(framing.Line))
	got := make(chan string, 1)
	testkit.Go(t, "a Recv", func() {
		b, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Error(err)
		}
		got <- string(b)
	})
	testkit.Until(t, "the Recv to wait", func() bool { return recvWaiting(s) })
	if err := s.Unrecv([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Write([]byte("c\nd")); err != nil {
		t.Fatal(err)
	}
	if b := testkit.Recv(t, got, "the Recv"); b != "abc\n" {
		t.Fatalf("Recv = %q, want abc\\n", b)
	}
	if err := s.SetOpts(Active(True)); err != nil {
		t.Fatal(err)
	}
	if err := s.Unrecv([]byte("0\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	testkit.InOrder(t, p,
		testkit.OfType(func(m *TCP) bool { return string(m.Data) == "0\n" }),
		testkit.OfType(func(m *TCP) bool { return string(m.Data) == "d\n" }))
}

func TestUnrecvErrors(t *testing.T) {
	p := newProc(t)
	l := listen(t, p)
	defer l.Close()
	if err := l.Unrecv([]byte("x")); !errors.Is(err, unix.EINVAL) {
		t.Errorf("a listening socket: %v, want einval", err)
	}
	s, _ := netPair(t, p)
	s.Close()
	if err := s.Unrecv([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("a closed socket: %v, want closed", err)
	}
}
