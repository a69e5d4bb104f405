package socket

// Ports of gen_tcp_misc_SUITE's cases that run a node out of resources:
// iter_max_socks and accept_system_limit. Each runs in a child process
// (internal/childtest) with a low open-files limit, so that the fds it
// uses up are not the other tests' (OTP runs iter_max_socks on a node of
// its own, for the same reason).

import (
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/childtest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// iter_max_socks: open as many sockets as the system allows (a listener,
// then connect and accept in turn until either fails, or 4096 sockets),
// close them all, and do it again, 20 times: the count is the same every
// time, so closing leaks nothing. OTP's case retries a count that differs
// after a 15 s sleep; this one does not, since Close frees the fd before
// it returns. Here the child's limit is 256 fds, and the call that fails
// is asserted to fail with emfile.
func TestIterMaxSocks(t *testing.T) {
	t.Parallel()
	if !childtest.Child(t) {
		childtest.Run(t)
		return
	}
	childtest.LimitFds(t, 256)
	p := newProc(t)
	var counts []int
	for i := range 20 {
		n, err := maxSocks(t, p, 4096)
		if !errors.Is(err, unix.EMFILE) {
			t.Fatalf("round %d: %d sockets, then %v, want emfile", i+1, n, err)
		}
		counts = append(counts, n)
	}
	for i, n := range counts {
		if n != counts[0] || n < 100 {
			t.Fatalf("sockets per round %v: round %d differs (or too few)", counts, i+1)
		}
	}
	t.Logf("max sockets: %d, 20 times", counts[0])
}

// maxSocks is the suite's max_socks: it opens sockets until one fails or
// there are max of them, closes them all, and returns how many it had
// and the error that stopped it (nil at max).
func maxSocks(t *testing.T, p proc, max int) (int, error) {
	var socks []*Socket
	defer func() {
		for _, s := range socks {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		}
	}()
	l, err := Listen(p, 0, IP(loopback))
	if err != nil {
		return 0, err
	}
	socks = append(socks, l)
	port, err := l.Port()
	if err != nil {
		t.Fatal(err)
	}
	for len(socks) < max {
		c, err := Connect(p, "127.0.0.1", port, testkit.WaitBound, IP(loopback))
		if err != nil {
			return len(socks), err
		}
		socks = append(socks, c)
		if len(socks) == max {
			break
		}
		a, err := l.Accept(p, testkit.WaitBound)
		if err != nil {
			return len(socks), err
		}
		socks = append(socks, a)
	}
	return len(socks), nil
}

// accept_system_limit: out of what accept needs, accept fails, and the
// listening socket keeps working once there is enough again. In OTP the
// resource is the port table, exhausted with ram_file ports, and accept
// says system_limit; otpnet has no port table: a connection needs an fd,
// and out of fds accept says emfile, as OTP 25's gen_tcp:accept does
// when the process is out of fds (testdata/otp_suites.escript,
// accept_emfile). The connections waiting meanwhile stay in the backlog,
// in order, and are accepted once fds are free.
func TestAcceptSystemLimit(t *testing.T) {
	t.Parallel()
	if !childtest.Child(t) {
		childtest.Run(t)
		return
	}
	p := newProc(t)
	l, port := listenLo(t, p)
	defer l.Close()
	// Five fds left: four clients take four, the first accept the last.
	childtest.LimitFdsFree(t, 5)
	var clients []*Socket
	for range 4 {
		c := connect(t, p, "127.0.0.1", port, Active(False))
		defer c.Close()
		clients = append(clients, c)
	}
	accepted := acceptFrom(t, p, l, clients[0])
	for range 3 {
		if _, err := l.Accept(p, testkit.WaitBound); !errors.Is(err, unix.EMFILE) {
			t.Fatalf("accept out of fds = %v, want emfile", err)
		}
	}
	// An fd is freed: the next connection in the backlog is accepted, and
	// the one after it is out of fds again.
	accepted.Close()
	accepted = acceptFrom(t, p, l, clients[1])
	if _, err := l.Accept(p, testkit.WaitBound); !errors.Is(err, unix.EMFILE) {
		t.Fatalf("accept out of fds again = %v, want emfile", err)
	}
	// Freed fds serve the rest; then the backlog is empty. The accepted
	// socket is active: its peer's close closes it (exit_on_close), and
	// its Down comes once its fd is free, the one the last accept needs
	// (Linux takes an fd before it looks at the backlog).
	ref, err := accepted.Monitor(p)
	if err != nil {
		t.Fatal(err)
	}
	clients[0].Close()
	clients[1].Close()
	testkit.Expect(t, p, func(m any) bool { d, ok := m.(*Down); return ok && d.Ref == ref })
	for _, c := range clients[2:] {
		defer acceptFrom(t, p, l, c).Close()
	}
	if _, err := l.Accept(p, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("accept with the backlog empty = %v, want timeout", err)
	}
}

// acceptFrom accepts on l and checks that the connection is c's, by
// sending a byte from c and reading it on the accepted socket.
func acceptFrom(t *testing.T, p proc, l, c *Socket) *Socket {
	t.Helper()
	a, err := l.Accept(p, testkit.WaitBound)
	if err != nil {
		t.Fatalf("accept with an fd free: %v", err)
	}
	peer, err := a.Peername()
	if err != nil {
		t.Fatal(err)
	}
	local, err := c.Sockname()
	if err != nil {
		t.Fatal(err)
	}
	if peer != local {
		t.Fatalf("accepted the connection from %v, want %v's, the first in the backlog", peer, local)
	}
	if err := c.Send([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Expect(t, p, a.Match); !isData(m, a, "x") {
		t.Fatalf("got %#v, want the client's byte", m)
	}
	return a
}

// isData reports whether msg is {tcp, s, data}.
func isData(msg any, s *Socket, data string) bool {
	m, ok := msg.(*TCP)
	return ok && m.Socket == s && string(m.Data) == data
}
