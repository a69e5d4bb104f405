package socket

import (
	"errors"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
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

// TestUnrecvErrors is what OTP 25's gen_tcp:unrecv answers: enotconn for
// a listening socket, closed for a closed one, and enotconn once a Recv
// has been told the peer closed, after which the next Recv answers
// enotconn too and nothing put back reappears; with exit_on_close false
// the socket stays connected and what is put back is read.
func TestUnrecvErrors(t *testing.T) {
	p := newProc(t)
	l := listen(t, p)
	defer l.Close()
	if err := l.Unrecv([]byte("x")); !errors.Is(err, unix.ENOTCONN) {
		t.Errorf("a listening socket: %v, want enotconn", err)
	}
	s, _ := netPair(t, p)
	s.Close()
	if err := s.Unrecv([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("a closed socket: %v, want closed", err)
	}
	for _, tt := range []struct {
		exitOnClose bool
		unrecv      error
		then        []string // what the Recvs after it return, or their errors
	}{
		{true, unix.ENOTCONN, []string{"enotconn"}},
		{false, nil, []string{"x", "closed"}},
	} {
		s, peer := netPair(t, p, Active(False), ExitOnClose(tt.exitOnClose))
		peer.Close()
		if _, err := s.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
			t.Fatalf("exit_on_close %v: Recv after the peer closed: %v, want closed", tt.exitOnClose, err)
		}
		if err := s.Unrecv([]byte("x")); !errors.Is(err, tt.unrecv) || (err == nil) != (tt.unrecv == nil) {
			t.Errorf("exit_on_close %v: Unrecv = %v, want %v", tt.exitOnClose, err, tt.unrecv)
		}
		for _, want := range tt.then {
			if got := recvOrError(s); got != want {
				t.Errorf("exit_on_close %v: then Recv = %q, want %q", tt.exitOnClose, got, want)
			}
		}
		s.Close()
	}
}

// recvOrError is what a Recv(0) of s returns: the bytes, or the name OTP
// gives its error (closed, enotconn, ...).
func recvOrError(s *Socket) string {
	b, err := s.Recv(0, testkit.WaitBound)
	switch {
	case err == nil:
		return string(b)
	case errors.Is(err, ErrClosed):
		return "closed"
	case errors.Is(err, unix.ENOTCONN):
		return "enotconn"
	}
	return err.Error()
}

// TestUnrecvWaitingRecv is what OTP 25 does with a Recv already waiting
// when Unrecv puts bytes back: Unrecv does not answer it; the port's next
// read event does (the peer's bytes, or its close), from what was put back
// first if that holds a packet.
func TestUnrecvWaitingRecv(t *testing.T) {
	p := newProc(t)
	for _, tt := range []struct {
		name   string
		opts   []Option
		unrecv string
		peer   string // what the peer then sends; "" closes
		want   []string
	}{
		{"raw then bytes", nil, "abc", "def", []string{"abc", "def"}},
		{"raw then close", nil, "abc", "", []string{"abc", "closed"}},
		{"line, part of one", []Option{Packet(framing.Line)}, "ab", "c\nd\n", []string{"abc\n", "d\n"}},
		{"line, two", []Option{Packet(framing.Line)}, "a\nb\n", "c\n", []string{"a\n", "b\n", "c\n"}},
		{"packet 2, whole", []Option{Packet(framing.Two)}, "\x00\x02hi", "\x00\x01x", []string{"hi", "x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, peer := netPair(t, p, append([]Option{Active(False)}, tt.opts...)...)
			defer s.Close()
			got := make(chan string, 1)
			testkit.Go(t, "a Recv", func() { got <- recvOrError(s) })
			testkit.Until(t, "the Recv to wait", func() bool { return recvWaiting(s) })
			if err := s.Unrecv([]byte(tt.unrecv)); err != nil {
				t.Fatal(err)
			}
			if !recvWaiting(s) {
				t.Fatal("Unrecv answered the Recv waiting")
			}
			if tt.peer == "" {
				peer.Close()
			} else if _, err := peer.Write([]byte(tt.peer)); err != nil {
				t.Fatal(err)
			}
			if b := testkit.Recv(t, got, "the Recv"); b != tt.want[0] {
				t.Fatalf("the waiting Recv = %q, want %q", b, tt.want[0])
			}
			for _, want := range tt.want[1:] {
				if got := recvOrError(s); got != want {
					t.Errorf("then Recv = %q, want %q", got, want)
				}
			}
		})
	}
}
