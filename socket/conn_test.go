package socket

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// connPair returns a connected client and server, passive and raw,
// owned by p, as Conns, closed when the test ends.
func connPair(t testing.TB, p proc, opts ...Option) (client, server *Conn) {
	t.Helper()
	c, s := pair(t, p, append([]Option{Active(False), Packet(framing.Raw)}, opts...)...)
	client, err := NewConn(c)
	if err != nil {
		t.Fatal(err)
	}
	server, err = NewConn(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// isTimeout reports whether err is a Conn's timeout as net.Conn has it:
// a net.Error whose Timeout is true, matching os.ErrDeadlineExceeded,
// that inet.Reason names timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && errors.Is(err, os.ErrDeadlineExceeded) && inet.Reason(err) == "timeout"
}

// golang.org/x/net/nettest's conformance suite for net.Conn: basic I/O,
// ping-pong, reads and writes racing their deadlines, deadlines in the
// past, present and future, Close while Read and Write wait, and every
// method at once.
func TestConnConformance(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		p := newProc(t)
		l, port := listenLo(t, p, Active(False))
		defer l.Close()
		c, err := Connect(p, "127.0.0.1", port, 5*time.Second, Active(False))
		if err != nil {
			return nil, nil, nil, err
		}
		s, err := l.Accept(p, 5*time.Second)
		if err != nil {
			c.Close()
			return nil, nil, nil, err
		}
		client, err := NewConn(c)
		if err != nil {
			return nil, nil, nil, err
		}
		server, err := NewConn(s)
		if err != nil {
			return nil, nil, nil, err
		}
		// The peer first: its reset drops what c1 still has queued for
		// it, so that c1's Close does not wait for a reader that is gone.
		return client, server, func() { server.Close(); client.Close(); p.Close() }, nil
	})
}

// Read returns what is there, at most len(b) bytes: the rest stays for
// the next Read; once the peer has closed, io.EOF, and again after.
func TestConnReadEOF(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	if _, err := client.Write([]byte("hello, world")); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	var got []byte
	b := make([]byte, 5)
	for {
		n, err := server.Read(b)
		if n > len(b) {
			t.Fatalf("Read = %d bytes into %d", n, len(b))
		}
		got = append(got, b[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != "hello, world" {
		t.Fatalf("read %q", got)
	}
	if n, err := server.Read(b); n != 0 || err != io.EOF {
		t.Fatalf("Read after EOF = %d, %v; want io.EOF again", n, err)
	}
	if n, err := server.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read of nothing = %d, %v; want 0, nil", n, err)
	}
	if _, err := client.Read(b); !errors.Is(err, net.ErrClosed) || inet.Reason(err) != "closed" {
		t.Fatalf("Read of a closed Conn = %v, want net.ErrClosed", err)
	}
	if err := client.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close = %v, want net.ErrClosed", err)
	}
}

// A read deadline that changes while Read waits applies to it: cleared,
// Read goes on waiting and gets the bytes that come; set in the past, it
// returns a timeout at once, and what comes after is the next Read's.
func TestConnReadDeadlineWhileWaiting(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	read := func() <-chan error {
		done := make(chan error, 1)
		go func() {
			b := make([]byte, 16)
			n, err := server.Read(b)
			if err == nil && string(b[:n]) != "ping" {
				err = errors.New("read " + string(b[:n]))
			}
			done <- err
		}()
		testkit.Until(t, "Read waiting", func() bool { return recvWaiting(server.Socket()) })
		return done
	}

	server.SetReadDeadline(time.Now().Add(time.Hour))
	done := read()
	server.SetReadDeadline(time.Time{})
	client.Write([]byte("ping"))
	if err := testkit.Result(t, "Read", done); err != nil {
		t.Fatalf("Read after its deadline was cleared = %v", err)
	}

	done = read()
	server.SetReadDeadline(time.Unix(1, 0))
	if err := testkit.Result(t, "Read", done); !isTimeout(err) {
		t.Fatalf("Read when its deadline passed = %v, want a timeout", err)
	}
	if recvWaiting(server.Socket()) {
		t.Fatal("the Read that timed out still waits on the socket")
	}
	if _, err := server.Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("Read past the deadline = %v, want a timeout", err)
	}
	server.SetReadDeadline(time.Time{})
	done = read()
	client.Write([]byte("ping"))
	if err := testkit.Result(t, "Read", done); err != nil {
		t.Fatal(err)
	}
}

// waitingCalls starts a Read of c and Writes to it until one fails, and
// returns once both wait (the peer reads nothing): each one's error comes
// on its channel.
func waitingCalls(t *testing.T, c *Conn) (reading, writing chan error) {
	t.Helper()
	reading, writing = make(chan error, 1), make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 1)); reading <- err }()
	go func() {
		big := make([]byte, 64<<10)
		for {
			if _, err := c.Write(big); err != nil {
				writing <- err
				return
			}
		}
	}()
	testkit.Until(t, "Read waiting", func() bool { return recvWaiting(c.Socket()) })
	testkit.Until(t, "Write waiting", func() bool { return busy(c.Socket()) })
	return reading, writing
}

// Close ends a Read and a Write that wait, with net.ErrClosed.
func TestConnCloseEndsWaits(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, _ := connPair(t, p, Sndbuf(4096), Recbuf(4096), Linger(true, 0))
	reading, writing := waitingCalls(t, client)
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan error{reading, writing} {
		if err := testkit.Result(t, "the call", ch); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("a call waiting when Close came = %v, want net.ErrClosed", err)
		}
	}
}

// Close ends a Read and a Write that wait at once, with net.ErrClosed as
// net's (*net.OpError), while the socket's Close still drains the queue
// to a peer that does not read: a net.Conn's Close does not wait for
// them.
func TestConnCloseDoesNotWaitForDrain(t *testing.T) {
	shortStall(t, time.Hour) // the drain lasts until the peer goes
	p := newProc(t)
	client, server := connPair(t, p, Sndbuf(4096), Recbuf(4096))
	reading, writing := waitingCalls(t, client)
	closed := make(chan error, 1)
	go func() { closed <- client.Close() }()
	for _, call := range []struct {
		name string
		ch   chan error
	}{{"Read", reading}, {"Write", writing}} {
		err := testkit.Result(t, call.name, call.ch)
		var oe *net.OpError
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) {
			t.Fatalf("%s waiting when Close came = %v, want net.ErrClosed in a *net.OpError", call.name, err)
		}
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the peer went: it drained nothing", err)
	default:
	}
	server.Close() // unread bytes: a reset, which ends the drain
	if err := testkit.Result(t, "Close", closed); err != nil {
		t.Fatal(err)
	}
}

// NewConn and NewListener take a socket they can serve, and say what is
// wrong with any other, naming the option.
func TestConnRefuses(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	active, _ := pair(t, p)
	framed, _ := pair(t, p, Active(False), Packet(framing.Four))
	closed, _ := pair(t, p, Active(False))
	closed.Close()
	l, _ := listenLo(t, p, Active(False))
	t.Cleanup(func() { l.Close() })
	lActive, _ := listenLo(t, p)
	t.Cleanup(func() { lActive.Close() })
	conn, _ := pair(t, p, Active(False))

	for _, tc := range []struct {
		name string
		err  error
		want error
		text string
	}{
		{"nil", errOf(NewConn(nil)), ErrBadArg, "socket: conn: badarg: nil socket"},
		{"active", errOf(NewConn(active)), unix.EINVAL, "socket: conn: einval: {active,true}: a net.Conn reads with Recv: the socket must be passive, Active(False)"},
		{"framed", errOf(NewConn(framed)), unix.EINVAL, "socket: conn: einval: {packet,4}: a net.Conn is a byte stream: the socket must be Packet(framing.Raw)"},
		{"closed", errOf(NewConn(closed)), ErrClosed, "socket: conn: closed"},
		{"listening", errOf(NewConn(l)), unix.EINVAL, "socket: conn: einval: a listening socket: make it a net.Listener with NewListener"},
		{"listener nil", errOf(NewListener(nil)), ErrBadArg, "socket: listener: badarg: nil socket"},
		{"listener active", errOf(NewListener(lActive)), unix.EINVAL, "socket: listener: einval: {active,true}: a net.Conn reads with Recv: the socket must be passive, Active(False)"},
		{"listener connected", errOf(NewListener(conn)), unix.EINVAL, "socket: listener: einval: not a listening socket: make it a net.Conn with NewConn"},
	} {
		if !errors.Is(tc.err, tc.want) || inet.Reason(tc.err) != inet.Reason(tc.want) || tc.err.Error() != tc.text {
			t.Errorf("%s: %v, want %q matching %v", tc.name, tc.err, tc.text, tc.want)
		}
	}
}

func errOf[T any](_ T, err error) error { return err }

// LocalAddr and RemoteAddr are Sockname and Peername: each end's local
// address is the other's remote one.
func TestConnAddrs(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	name, _ := client.Socket().Sockname()
	peer, _ := client.Socket().Peername()
	if got := client.LocalAddr().(*net.TCPAddr).AddrPort(); got != name {
		t.Errorf("LocalAddr = %v, want %v", got, name)
	}
	if got := client.RemoteAddr().(*net.TCPAddr).AddrPort(); got != peer {
		t.Errorf("RemoteAddr = %v, want %v", got, peer)
	}
	if server.LocalAddr().String() != client.RemoteAddr().String() || server.RemoteAddr().String() != client.LocalAddr().String() {
		t.Errorf("server %v <- %v, client %v -> %v", server.LocalAddr(), server.RemoteAddr(), client.LocalAddr(), client.RemoteAddr())
	}
	if netip.MustParseAddr("127.0.0.1") != name.Addr() {
		t.Errorf("LocalAddr %v not on loopback", name)
	}
}

// bufio.Scanner reads lines from a Conn until the peer closes.
func TestConnScanner(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	lines := []string{"first", strings.Repeat("x", 100_000), "", "last"}
	go func() {
		for _, l := range lines {
			client.Write([]byte(l + "\n"))
		}
		client.Close()
	}()
	sc := bufio.NewScanner(server)
	sc.Buffer(nil, 1<<20)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(lines, "|") {
		t.Fatalf("scanned %d lines, want %d", len(got), len(lines))
	}
}

// A Write and a Read allocate nothing: the bytes go from the port's
// buffer into the caller's, and a Read that waits uses the Conn's wait.
func TestConnAllocs(t *testing.T) {
	p := newProc(t)
	client, server := connPair(t, p)
	msg := []byte(strings.Repeat("0123456789abcdef", 4))
	if n := testing.AllocsPerRun(200, func() { client.Write(msg) }); n != 0 {
		t.Errorf("Write allocates %v times", n)
	}
	got := make([]byte, 0, 64*201)
	b := make([]byte, 64)
	if n := testing.AllocsPerRun(100, func() {
		n, _ := server.Read(b)
		got = append(got, b[:n]...)
	}); n != 0 {
		t.Errorf("Read allocates %v times", n)
	}
	for len(got) < 64*201 {
		n, err := server.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b[:n]...)
	}
	if !bytes.Equal(got, bytes.Repeat(msg, 201)) {
		t.Error("read other bytes than written")
	}
}

// The Conn owns nothing but its socket: when the socket's owner stops,
// the socket closes, and a Read that waits returns net.ErrClosed.
func TestConnOwnerStops(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	q := newProc(t)
	_, s := pair(t, p, Active(False))
	if err := s.ControllingProcess(p, q.Self()); err != nil {
		t.Fatal(err)
	}
	conn, err := NewConn(s)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := conn.Read(make([]byte, 1)); done <- err }()
	testkit.Until(t, "Read waiting", func() bool { return recvWaiting(s) })
	q.Close()
	if err := testkit.Result(t, "Read", done); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read when the owner stopped = %v, want net.ErrClosed", err)
	}
	if _, err := conn.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after = %v, want net.ErrClosed", err)
	}
}

// netError gives the socket's reasons as net does: timeouts as
// os.ErrDeadlineExceeded, closed of a closed socket as net.ErrClosed, a
// POSIX reason as an *os.SyscallError, so that an accept's emfile is
// Temporary, for http.Server's retry; the rest as they are.
func TestNetError(t *testing.T) {
	optErr := &inet.Error{Op: "recv", Err: &OptionError{Option: Active(True), Why: "why"}}
	peerGone := &inet.Error{Op: "send", Err: ErrClosed}
	for _, tc := range []struct {
		err       error
		dead      bool
		want      error
		temporary bool
		reason    string
	}{
		{&inet.Error{Op: "recv", Err: errStopped}, false, os.ErrDeadlineExceeded, true, "timeout"},
		{&inet.Error{Op: "send", Err: ErrTimeout}, false, os.ErrDeadlineExceeded, true, "timeout"},
		{&inet.Error{Op: "send", Err: &inet.SendTimeoutError{Rest: []byte("x")}}, false, os.ErrDeadlineExceeded, true, "timeout"},
		{&inet.Error{Op: "recv", Err: ErrClosed}, true, net.ErrClosed, false, "closed"},
		{peerGone, false, peerGone, false, "closed"},
		{&inet.Error{Op: "accept", Err: unix.EMFILE}, false, &os.SyscallError{Syscall: "accept", Err: unix.EMFILE}, true, "emfile"},
		{&inet.Error{Op: "recv", Err: unix.ECONNRESET}, false, &os.SyscallError{Syscall: "recv", Err: unix.ECONNRESET}, false, "econnreset"},
		{optErr, false, optErr, false, "einval"},
	} {
		got := netError(tc.err, tc.dead)
		var same bool
		if se, ok := tc.want.(*os.SyscallError); ok {
			g, ok := got.(*os.SyscallError)
			same = ok && *g == *se
		} else {
			same = got == tc.want
		}
		op := &net.OpError{Op: "accept", Net: "tcp", Err: got}
		if !same || op.Temporary() != tc.temporary || inet.Reason(op) != tc.reason {
			t.Errorf("netError(%v, %v) = %#v (temporary %v, %s); want %#v (temporary %v, %s)",
				tc.err, tc.dead, got, op.Temporary(), inet.Reason(op), tc.want, tc.temporary, tc.reason)
		}
	}
}

// A socket that SetOpts frames while a Read waits ends the Read with
// einval, and keeps the bytes for when it is raw again.
func TestConnFramedWhileReading(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	client, server := connPair(t, p)
	done := make(chan error, 1)
	go func() { _, err := server.Read(make([]byte, 8)); done <- err }()
	testkit.Until(t, "Read waiting", func() bool { return recvWaiting(server.Socket()) })
	if err := server.Socket().SetOpts(Packet(framing.Four)); err != nil {
		t.Fatal(err)
	}
	if err := testkit.Result(t, "Read", done); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Read when the socket was framed = %v, want einval", err)
	}
	client.Write([]byte("raw bytes"))
	if _, err := server.Read(make([]byte, 8)); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("Read of a framed socket = %v, want einval", err)
	}
	server.Socket().SetOpts(Packet(framing.Raw))
	b := make([]byte, 9)
	if _, err := io.ReadFull(server, b); err != nil || string(b) != "raw bytes" {
		t.Fatalf("Read when raw again = %q, %v", b, err)
	}
}
