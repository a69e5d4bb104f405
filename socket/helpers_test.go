package socket

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// The socket tests' helpers: processes, sockets that t.Fatal on error
// (listenLo, connect, accept, pair, netPair) and probes of a port's state
// that no message reports. Waits and expectations on a mailbox are the
// kit's (internal/testkit); what is here needs this package's types or
// its internals, which the kit cannot import.

// proc is a plain goroutine's process for tests.
type proc struct{ *otpactor.Process }

var testSystem = otpactor.NewSystem()

func newProc(t testing.TB) proc {
	t.Helper()
	return procIn(t, testSystem)
}

// procIn returns a process of sys, closed when the test ends.
func procIn(t testing.TB, sys *actor.ActorSystem) proc {
	t.Helper()
	p, err := otpactor.NewProcess(sys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return proc{p}
}

// spawn runs f on a goroutine of its own as a new process q, as
// spawn_link does; the test waits for f to return before it ends, then
// closes q. f reports failures with t.Error, never t.Fatal.
func spawn(t *testing.T, f func(q proc)) proc {
	t.Helper()
	q := procIn(t, testSystem) // closed after the wait below: cleanups run last first
	testkit.Go(t, "a spawned process", func() { f(q) })
	return q
}

// listen is gen_tcp:listen(0, Opts) for c: the socket, or the end of the
// test. The caller closes it (with defer: spawned processes' cleanups
// wait).
func listen(t testing.TB, c Caller, opts ...Option) *Socket {
	t.Helper()
	l, err := Listen(c, 0, opts...)
	if err != nil {
		t.Fatalf("listen %v: %v", opts, err)
	}
	return l
}

// listenLo is gen_tcp:listen(0, Opts) on 127.0.0.1: the socket and its port.
// The caller closes it (with defer: spawned processes' cleanups wait).
func listenLo(t testing.TB, c Caller, opts ...Option) (*Socket, int) {
	t.Helper()
	l := listen(t, c, append([]Option{IP(loopback)}, opts...)...)
	port, err := l.Port()
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	return l, port
}

// connect is gen_tcp:connect(Host, Port, Opts) for c, bounded by the
// kit's wait: the socket, or the end of the test. The caller closes it.
func connect(t testing.TB, c Caller, host string, port int, opts ...Option) *Socket {
	t.Helper()
	s, err := Connect(c, host, port, testkit.WaitBound, opts...)
	if err != nil {
		t.Fatalf("connect to %s port %d: %v", host, port, err)
	}
	return s
}

// accept is gen_tcp:accept(L) for c, bounded by the kit's wait: the
// socket, or the end of the test. The caller closes it.
func accept(t testing.TB, l *Socket, c Caller) *Socket {
	t.Helper()
	s, err := l.Accept(c, testkit.WaitBound)
	if err != nil {
		t.Fatalf("accept on %v: %v", l, err)
	}
	return s
}

// pair returns a connected client and server socket, both owned by p,
// with opts on the listener (so on the server) and on the client; both
// close when the test ends.
func pair(t testing.TB, p proc, opts ...Option) (client, server *Socket) {
	t.Helper()
	l, port := listenLo(t, p, opts...)
	defer l.Close()
	client = connect(t, p, "127.0.0.1", port, opts...)
	server = accept(t, l, p)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// netPair returns a socket owned by owner, with opts, connected to a plain
// net.Conn, its peer; the peer closes when the test ends, the socket with
// its owner.
func netPair(t testing.TB, owner Caller, opts ...Option) (*Socket, net.Conn) {
	t.Helper()
	ln, port := testkit.Listen(t)
	s := connect(t, owner, "127.0.0.1", port, opts...)
	return s, testkit.Accept(t, ln)
}

// serveOne spawns a process that listens on loopback with opts, accepts
// one connection, closes the listening socket and serves the accepted
// socket with serve, then closes it: OTP's server processes. It returns
// the port to connect to.
func serveOne(t *testing.T, serve func(q proc, s *Socket), opts ...Option) int {
	t.Helper()
	ports := make(chan int, 1)
	spawn(t, func(q proc) {
		l, err := Listen(q, 0, append([]Option{IP(loopback)}, opts...)...)
		if err != nil {
			t.Error(err)
			close(ports)
			return
		}
		port, _ := l.Port()
		ports <- port
		s, err := l.Accept(q, testkit.WaitBound)
		l.Close()
		if err != nil {
			t.Error(err)
			return
		}
		defer s.Close()
		serve(q, s)
	})
	port, ok := <-ports
	if !ok {
		t.FailNow()
	}
	return port
}

// sendUntilError sends 64 KiB at a time on c, whose peer does not read,
// until a Send fails (at most 1000 times), and returns its error.
func sendUntilError(c *Socket) error {
	chunk := make([]byte, 64<<10)
	for range 1000 {
		if err := c.Send(chunk); err != nil {
			return err
		}
	}
	return nil
}

// isError reports whether msg is {tcp_error, s, reason}.
func isError(msg any, s *Socket, reason error) bool {
	m, ok := msg.(*TCPError)
	return ok && m.Socket == s && errors.Is(m.Reason, reason)
}

// ones is the OTP suites' ones(N): N bytes of 1.
func ones(n int) []byte { return bytes.Repeat([]byte{1}, n) }

// ms is n milliseconds, as the OTP suites write their times.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// --- a port's state, which no message reports --------------------------

// busy reports whether a Send waits on s's full queue: the state OTP's
// busy_* cases find with process_info(Sender, status) = waiting.
func busy(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busyChan() != nil
}

// recvWaiting reports whether a Recv waits on s.
func recvWaiting(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recv != nil
}

// portGone reports whether s's port has seen its peer go (EOF, a reset,
// a failed write).
func portGone(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone || s.dead
}

// accepting is how many Accept calls wait on listener l: prim_inet's
// getstatus "accepting" and inet_drv's multi-accept queue.
func accepting(l *Socket) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ext.accepts.waits)
}

// tcpClose is Linux's TCP_CLOSE, the state of tcp_info's tcpi_state once a reset
// has arrived; tcpCloseWait is TCP_CLOSE_WAIT, its state once the peer's
// FIN has.
const (
	tcpClose     = 7
	tcpCloseWait = 8
)

// fdInt returns what get reads from s's fd.
func fdInt(t testing.TB, s *Socket, get func(fd int) (int, error)) int {
	t.Helper()
	var n int
	if err := s.pool().Control(s.h, func(fd int) (err error) {
		n, err = get(fd)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// queueSize is erlang:port_info(S, queue_size): the bytes queued in the port.
func queueSize(t testing.TB, s *Socket) int {
	t.Helper()
	st, err := s.GetStat()
	if err != nil {
		t.Fatal(err)
	}
	return int(st.SendPend)
}

// streamSocket opens a stream socket of domain outside otpnet,
// close-on-exec.
func streamSocket(domain int) (int, error) {
	fd, err := unix.Socket(domain, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	return fd, err
}
