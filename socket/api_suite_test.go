package socket

// Ports of OTP's lib/kernel/test/gen_tcp_api_SUITE.erl (OTP 24/25, with
// t_connect_src_port of later versions): one Go test per OTP case, named
// after it with its t_ (or s_) prefix. Helpers are misc_suite_test.go's.
//
// Not ported, and why:
//
//	t_sendfile_*                  gen_tcp:sendfile (in older suites): otpnet has
//	                              no sendfile.
//	t_simple_local_sockaddr_in_send_recv, t_simple_link_local_sockaddr_in_send_recv,
//	t_simple_local_sockaddr_in6_send_recv, t_simple_link_local_sockaddr_in6_send_recv
//	                              (later suites) connect over the host's own
//	                              non-loopback and link-local addresses: these
//	                              tests use 127.0.0.1 and ::1 only.
//	the inet_backend_socket group runs every case again with {inet_backend,
//	                              socket}: otpnet's BackendSocket only changes
//	                              how Send waits (send_test.go tests it);
//	                              s_accept_with_explicit_socket_backend is here.
//
// Adapted:
//
//	t_connect_timeout             connects to an unused address of the host's
//	                              network in OTP; here to a loopback listener
//	                              whose accept queue is full (backlog 0), whose
//	                              SYNs Linux drops: the same timeout, and OTP 25
//	                              times out on it too.
//	t_implicit_inet6              the parts with the host name's and localhost's
//	                              IPv6 addresses run only when they resolve to ::1.

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// timeoutAfter checks the suite's timeout/3: f fails with timeout, not
// before lower. OTP's upper bound is here the kit's wait bound, as a call
// that hangs: the timeout must come, and on its own, but a loaded machine
// may run it late.
func timeoutAfter(t *testing.T, lower time.Duration, f func() error) {
	t.Helper()
	t0 := time.Now()
	err := testkit.Bounded(t, "the call with a timeout", f)
	if d := time.Since(t0); d < lower {
		t.Fatalf("too short time: %v, %v", d, err)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("unexpected result %v", err)
	}
}

// dupFd is prim_inet:getfd(S), for a new socket to own: a duplicate of
// s's fd, since a Socket closes the fd it has.
func dupFd(t *testing.T, s *Socket) int {
	t.Helper()
	var fd int
	err := s.pool().Control(s.h, func(sfd int) (err error) {
		fd, err = unix.FcntlInt(uintptr(sfd), unix.F_DUPFD_CLOEXEC, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// t_accept_timeout: accept with a timeout of 200 ms times out, not before
// 200 ms (OTP: in 0.2-1 s).
func TestTAcceptTimeout(t *testing.T) {
	p := newProc(t)
	l, _ := listenLo(t, p)
	defer l.Close()
	timeoutAfter(t, 200*time.Millisecond, func() error {
		_, err := l.Accept(p, 200*time.Millisecond)
		return err
	})
}

// t_connect_timeout: connect with a timeout of 200 ms to a peer that does
// not answer times out, not before 200 ms (OTP: in 0.2-5 s).
func TestTConnectTimeout(t *testing.T) {
	p := newProc(t)
	l, port := listenLo(t, p, Backlog(0))
	defer l.Close()
	for i := range 5 {
		var c *Socket
		t0 := time.Now()
		err := testkit.Bounded(t, fmt.Sprintf("connect %d", i), func() (err error) {
			c, err = Connect(p, "127.0.0.1", port, 200*time.Millisecond)
			return err
		})
		if err == nil { // the accept queue still had room
			defer c.Close()
			continue
		}
		if d := time.Since(t0); d < 200*time.Millisecond {
			t.Fatalf("attempt %d: too short time: %v, %v", i, d, err)
		}
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("attempt %d: unexpected result %v", i, err)
		}
		return
	}
	t.Fatal("five connects to a full accept queue went through")
}

// t_connect_src_port: a connection with only the source port given
// comes from that port.
func TestTConnectSrcPort(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	tmp, srcPort := listenLo(t, p, Linger(true, 0)) // allocates a port
	l, dstPort := listenLo(t, p)
	defer l.Close()
	tmp.Close()
	c := connect(t, p, "127.0.0.1", dstPort, Port(srcPort), Linger(true, 0))
	defer c.Close()
	a := accept(t, l, p)
	defer a.Close()
	if ap, err := a.Peername(); err != nil || int(ap.Port()) != srcPort {
		t.Fatalf("peername %v, %v; want port %d", ap, err, srcPort)
	}
}

// t_connect_bad: connect to a port nobody listens on, and to a host that
// does not exist, fail (OTP 25: econnrefused and nxdomain).
func TestTConnectBad(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p)
	l.Close() // a port not in use
	if _, err := Connect(p, "localhost", port, testkit.WaitBound); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("connect to a port not in use = %v, want econnrefused", err)
	}
	if _, err := Connect(p, "non-existing-host-xxx", 7, testkit.WaitBound); !errors.Is(err, inet.ErrNxdomain) {
		t.Errorf("connect to a non-existing host = %v, want nxdomain", err)
	}
}

// apiPair is the suite's usual start: a listener with opts, a client
// connected to it with copts, and the accepted socket.
func apiPair(t *testing.T, p proc, opts []Option, copts ...Option) (l, c, a *Socket) {
	t.Helper()
	l, port := listenLo(t, p, opts...)
	c, err := Connect(p, "localhost", port, testkit.WaitBound, copts...)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	a, err = l.Accept(p, testkit.WaitBound)
	if err != nil {
		l.Close()
		c.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); c.Close(); l.Close() })
	return l, c, a
}

// t_recv_timeout: recv with a timeout of 200 ms times out, not before
// 200 ms (OTP: in 0.2-5 s).
func TestTRecvTimeout(t *testing.T) {
	p := newProc(t)
	_, c, _ := apiPair(t, p, nil, Active(False))
	timeoutAfter(t, 200*time.Millisecond, func() error {
		_, err := c.Recv(0, 200*time.Millisecond)
		return err
	})
}

// t_recv_eof: the peer's close is recv's closed.
func TestTRecvEOF(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	_, c, a := apiPair(t, p, nil, Active(False))
	a.Close()
	if _, err := c.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv = %v, want closed", err)
	}
}

// t_recv_delim: {packet, line} with {line_delimiter, $X}, passive and
// then {active, 2}.
func TestTRecvDelim(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	_, c, a := apiPair(t, p, nil, Active(False), Packet(framing.Line), LineDelimiter('X'))
	if err := a.Send([]byte("abcXefgX")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"abcX", "efgX"} {
		if data, err := c.Recv(0, testkit.WaitBound); err != nil || string(data) != want {
			t.Fatalf("recv = %q, %v; want %q", data, err, want)
		}
	}
	if err := c.SetOpts(Active(N(2))); err != nil {
		t.Fatal(err)
	}
	if err := a.Send([]byte("abcXefgX")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"abcX", "efgX"} {
		if m, ok := testkit.Expect(t, p, c.Match).(*TCP); !ok || string(m.Data) != want {
			t.Fatalf("got %#v, want tcp %q", m, want)
		}
	}
}

// t_shutdown_write, t_shutdown_both: the peer's shutdown, of writing or of
// both, is recv's closed.
func TestTShutdownWrite(t *testing.T) { shutdownRecvClosed(t, Write) }
func TestTShutdownBoth(t *testing.T)  { shutdownRecvClosed(t, ReadWrite) }

func shutdownRecvClosed(t *testing.T, how How) {
	t.Parallel()
	p := newProc(t)
	_, c, a := apiPair(t, p, nil, Active(False))
	if err := a.Shutdown(how); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv = %v, want closed", err)
	}
}

// t_shutdown_error: shutdown of a listening socket is enotconn, of a
// closed one closed.
func TestTShutdownError(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, _ := listenLo(t, p)
	if err := l.Shutdown(ReadWrite); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("shutdown of a listening socket = %v, want enotconn", err)
	}
	l.Close()
	if err := l.Shutdown(ReadWrite); !errors.Is(err, ErrClosed) {
		t.Fatalf("shutdown of a closed socket = %v, want closed", err)
	}
}

// A How that is none of Read, Write and ReadWrite is einval, naming it,
// and shuts nothing down. (OTP 25 raises function_clause.)
func TestShutdownBadHow(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	_, c, a := apiPair(t, p, nil, Active(False))
	err := a.Shutdown(How(7))
	if !errors.Is(err, unix.EINVAL) || inet.Reason(err) != "einval" ||
		err.Error() != "socket: shutdown: einval: how How(7): want Read, Write or ReadWrite" {
		t.Fatalf("Shutdown(How(7)) = %v (reason %q), want einval naming how", err, inet.Reason(err))
	}
	if err := a.Send([]byte("still open")); err != nil {
		t.Fatal(err)
	}
	if data, err := c.Recv(0, testkit.WaitBound); err != nil || string(data) != "still open" {
		t.Fatalf("recv = %q, %v", data, err)
	}
	for h, want := range map[How]string{Read: "read", Write: "write", ReadWrite: "read_write", How(7): "How(7)"} {
		if got := h.String(); got != want {
			t.Errorf("How(%d).String() = %q, want %q", int(h), got, want)
		}
	}
}

// t_shutdown_async: shutdown(write) with 1 MiB still queued in the port:
// the peer reads it all, then closed.
func TestTShutdownAsync(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	_, c, s := apiPair(t, p, []Option{Sndbuf(4096)}, Recbuf(4096), Active(False))
	const payloadSize = 1024 * 1024
	if err := s.Send(bytes.Repeat([]byte("."), payloadSize)); err != nil {
		t.Fatal(err)
	}
	if q := queueSize(t, s); q == 0 {
		t.Fatal("queue_size 0 after a 1 MiB send")
	}
	if err := s.Shutdown(Write); err != nil {
		t.Fatal(err)
	}
	buf, err := c.Recv(payloadSize, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv after the payload = %v, want closed", err)
	}
	if len(buf) != payloadSize {
		t.Fatalf("payload size %d, want %d", len(buf), payloadSize)
	}
}

var (
	question  = []byte("Aaaa... Long time ago in a small town in Germany,")
	question2 = [][]byte{[]byte("Aaaa"), []byte("... "), []byte("L"), nil, []byte("o"), []byte("ng time ago "),
		[]byte("in "), nil, []byte("a small town"), []byte(" in Germany,"), nil}
	answer = []byte("there was a shoemaker, Schumacher was his name.")
)

// questionAndAnswer is t_fdopen's and t_fdconnect's exchange: the question
// three times (as a list, a binary, an iolist: here one slice twice and
// many once), and the answer.
func questionAndAnswer(t *testing.T, client, server *Socket) {
	t.Helper()
	if !bytes.Equal(bytes.Join(question2, nil), question) {
		t.Fatal("question2 is not the question")
	}
	for _, q := range [][][]byte{{question}, {question}, question2} {
		if err := client.Send(q...); err != nil {
			t.Fatal(err)
		}
		if data, err := server.Recv(len(question), 2*time.Second); err != nil || !bytes.Equal(data, question) {
			t.Fatalf("recv = %q, %v", data, err)
		}
	}
	if err := server.Send(answer); err != nil {
		t.Fatal(err)
	}
	if data, err := client.Recv(len(answer), 2*time.Second); err != nil || !bytes.Equal(data, answer) {
		t.Fatalf("recv = %q, %v", data, err)
	}
}

// t_fdopen: a socket made from an accepted socket's fd (gen_tcp:fdopen:
// here Connect with Fd, of a duplicate, as the new Socket owns it) talks
// for it; the original still sees the peer's close. gen_tcp:fdopen(FD, [])
// is passive; Connect's default is active, so the option is explicit.
func TestTFdopen(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	_, client, a := apiPair(t, p, []Option{Active(False)}, Active(False))
	server := connect(t, p, "", 0, Fd(dupFd(t, a)), Active(False))
	defer server.Close()
	questionAndAnswer(t, client, server)
	client.Close()
	if _, err := a.Recv(1, 2*time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv = %v, want closed", err)
	}
}

// t_fdconnect: connect with {fd, FD}, a socket opened outside (OTP: by a
// NIF), connects that socket.
func TestTFdconnect(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p, Active(False))
	defer l.Close()
	fd, err := streamSocket(unix.AF_INET)
	if err != nil {
		t.Fatal(err)
	}
	client, err := Connect(p, "localhost", port, testkit.WaitBound, Fd(fd), Active(False))
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer client.Close()
	server := accept(t, l, p)
	defer server.Close()
	questionAndAnswer(t, client, server)
	client.Close() // closes FD too
	if _, err := server.Recv(1, 2*time.Second); !errors.Is(err, ErrClosed) {
		t.Fatalf("recv = %v, want closed", err)
	}
}

// t_implicit_inet6: an IPv6 address given as ip, ifaddr or to connect
// makes the socket inet6 without the inet6 option; names and ports agree
// on both ends.
func TestTImplicitInet6(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	loop := netip.IPv6Loopback()
	l, err := Listen(p, 0, Family(inet.Inet6), IP(loop))
	if err != nil {
		t.Skipf("IPv6 not supported: %v", err)
	}
	implicitInet6(t, p, l, loop)
	l.Close()
	for _, name := range []string{"localhost", "localhost6", "ip6-localhost"} {
		addr, err := inet.GetAddr(name, inet.Inet6)
		if err != nil {
			continue
		}
		if addr != loop {
			t.Logf("%s is %v, not ::1: not tested", name, addr)
			break
		}
		l := listen(t, p, IP(addr))
		implicitInet6(t, p, l, addr)
		l.Close()
		break
	}
	host, err := inet.GetHostname()
	if err != nil {
		t.Fatal(err)
	}
	if addr, err := inet.GetAddr(host, inet.Inet6); err != nil || addr != loop {
		t.Logf("the host name's IPv6 address: %v, %v: not ::1, not tested", addr, err)
		return
	} else {
		l, err := Listen(p, 0, IP(addr)) // {ifaddr, Addr}
		if err != nil {
			t.Fatal(err)
		}
		implicitInet6(t, p, l, addr)
		l.Close()
	}
}

func implicitInet6(t *testing.T, p proc, l *Socket, addr netip.Addr) {
	t.Helper()
	port, err := l.Port()
	if err != nil {
		t.Fatal(err)
	}
	s2 := connect(t, p, addr.String(), port)
	defer s2.Close()
	p2, _ := s2.Port()
	s1 := accept(t, l, p)
	defer s1.Close()
	p1, _ := s1.Port()
	if p1 != port {
		t.Fatalf("accepted socket's port %d, want %d", p1, port)
	}
	for _, c := range []struct {
		got  func() (netip.AddrPort, error)
		want netip.AddrPort
	}{
		{s1.Peername, netip.AddrPortFrom(addr, uint16(p2))},
		{s2.Peername, netip.AddrPortFrom(addr, uint16(p1))},
		{s1.Sockname, netip.AddrPortFrom(addr, uint16(p1))},
		{s2.Sockname, netip.AddrPortFrom(addr, uint16(p2))},
	} {
		if got, err := c.got(); err != nil || got != c.want {
			t.Fatalf("got %v, %v; want %v", got, err, c.want)
		}
	}
}

// t_accept_inet6_tclass: an accepted socket has its listening socket's
// tclass.
func TestTAcceptInet6Tclass(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	const tclass = 0o56 << 2 // expedited forwarding
	loop := netip.IPv6Loopback()
	l, err := Listen(p, 0, Family(inet.Inet6), IP(loop), Tclass(tclass))
	if err != nil {
		t.Skipf("IPv6 TCLASS not supported: %v", err)
	}
	defer l.Close()
	port, _ := l.Port()
	sa := connect(t, p, "::1", port)
	defer sa.Close()
	sb := accept(t, l, p)
	defer sb.Close()
	if o, err := sb.GetOpts(OptTclass); err != nil || o[0].Value() != tclass {
		t.Fatalf("accepted socket's tclass %v, %v; want %d", o, err, tclass)
	}
}

// s_accept_with_explicit_socket_backend: accept on a listening socket of
// the socket backend.
func TestSAcceptWithExplicitSocketBackend(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l, port := listenLo(t, p, InetBackend(BackendSocket))
	defer l.Close()
	die := make(chan struct{})
	spawn(t, func(q proc) {
		c, err := Connect(q, "localhost", port, testkit.WaitBound)
		if err != nil {
			t.Error(err)
			return
		}
		<-die
		c.Close()
	})
	defer close(die)
	s := accept(t, l, p)
	s.Close()
}

// --- local (AF_UNIX) sockets: {ifaddr, {local, Path}} is IfAddrLocal ---

// localFilename is the suite's local_filename(Tag), in the test's
// temporary directory.
func localFilename(t *testing.T, tag string) string {
	return filepath.Join(t.TempDir(), tag)
}

// localHandshake is the suite's local_handshake: names on both ends, then
// data both ways.
func localHandshake(t *testing.T, s *Socket, saddr inet.LocalAddr, c *Socket, caddr inet.LocalAddr) {
	t.Helper()
	for _, n := range []struct {
		what string
		get  func() (inet.LocalAddr, error)
		want inet.LocalAddr
	}{
		{"sockname(S)", s.SocknameLocal, saddr},
		{"sockname(C)", c.SocknameLocal, caddr},
		{"peername(S)", s.PeernameLocal, caddr},
		{"peername(C)", c.PeernameLocal, saddr},
	} {
		if got, err := n.get(); err != nil || got != n.want {
			t.Fatalf("%s = %q, %v; want %q", n.what, got, err, n.want)
		}
	}
	sdata, cdata := []byte("9876543210"), []byte("0123456789")
	if err := c.Send(cdata); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(sdata); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recv(len(cdata), testkit.WaitBound); err != nil || !bytes.Equal(got, cdata) {
		t.Fatalf("S recv = %q, %v", got, err)
	}
	if got, err := c.Recv(len(sdata), testkit.WaitBound); err != nil || !bytes.Equal(got, sdata) {
		t.Fatalf("C recv = %q, %v", got, err)
	}
}

// checkLocalListener checks the listening socket's names: sockname is the
// path, peername enotconn.
func checkLocalListener(t *testing.T, l *Socket, saddr inet.LocalAddr) {
	t.Helper()
	if got, err := l.SocknameLocal(); err != nil || got != saddr {
		t.Fatalf("sockname(L) = %q, %v; want %q", got, err, saddr)
	}
	if _, err := l.PeernameLocal(); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("peername(L) = %v, want enotconn", err)
	}
}

// removeFile is the suite's ok = file:delete(File): the socket file is
// there to delete.
func removeFile(t *testing.T, name string) {
	t.Helper()
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
}

func TestTLocalBasic(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	sfile, cfile := localFilename(t, "server"), localFilename(t, "client")
	l := listen(t, p, IfAddrLocal(sfile), Active(False))
	c := connect(t, p, sfile, 0, IfAddrLocal(cfile), Active(False))
	s := accept(t, l, p)
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, inet.LocalAddr(cfile))
	l.Close()
	s.Close()
	c.Close()
	removeFile(t, sfile)
	removeFile(t, cfile)
}

func TestTLocalUnbound(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	sfile := localFilename(t, "server")
	l := listen(t, p, IfAddrLocal(sfile), Active(False))
	defer l.Close()
	c := connect(t, p, sfile, 0, Family(inet.Local), Active(False))
	defer c.Close()
	s := accept(t, l, p)
	defer s.Close()
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, "")
	l.Close()
	removeFile(t, sfile)
}

// t_local_fdopen: a local socket made from a connected one's fd.
func TestTLocalFdopen(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	sfile := localFilename(t, "server")
	l := listen(t, p, IfAddrLocal(sfile), Active(False))
	defer l.Close()
	c0 := connect(t, p, sfile, 0, Family(inet.Local), Active(False))
	defer c0.Close() // passive: it reads nothing, as prim_inet:ignorefd
	c := connect(t, p, "", 0, Fd(dupFd(t, c0)), Family(inet.Local), Active(False))
	defer c.Close()
	s := accept(t, l, p)
	defer s.Close()
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, "")
}

// t_local_fdopen_listen: a listening local socket made from another's fd.
func TestTLocalFdopenListen(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	sfile := localFilename(t, "server")
	l0 := listen(t, p, IfAddrLocal(sfile), Active(False))
	defer l0.Close()
	l := listen(t, p, Fd(dupFd(t, l0)), Family(inet.Local), Active(False))
	defer l.Close()
	c := connect(t, p, sfile, 0, Family(inet.Local), Active(False))
	defer c.Close()
	s := accept(t, l, p)
	defer s.Close()
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, "")
}

// unboundLocal is prim_inet:open(tcp, local, stream)'s fd: a local stream
// socket, neither bound nor connected.
func unboundLocal(t *testing.T) int {
	t.Helper()
	fd, err := streamSocket(unix.AF_UNIX)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// t_local_fdopen_listen_unbound: Listen with an unbound socket's fd and
// an ifaddr binds it there and listens.
func TestTLocalFdopenListenUnbound(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	sfile := localFilename(t, "server")
	fd := unboundLocal(t)
	l, err := Listen(p, 0, Fd(fd), IfAddrLocal(sfile), Active(False))
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer l.Close()
	c := connect(t, p, sfile, 0, Family(inet.Local), Active(False))
	defer c.Close()
	s := accept(t, l, p)
	defer s.Close()
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, "")
}

// t_local_fdopen_connect(_unbound): Connect with an unbound socket's fd
// (and an ifaddr) binds it there and connects it.
func TestTLocalFdopenConnect(t *testing.T)        { localFdopenConnect(t, true) }
func TestTLocalFdopenConnectUnbound(t *testing.T) { localFdopenConnect(t, false) }

func localFdopenConnect(t *testing.T, bound bool) {
	t.Parallel()
	p := newProc(t)
	sfile, cfile := localFilename(t, "server"), localFilename(t, "client")
	l := listen(t, p, IfAddrLocal(sfile), Active(False))
	defer l.Close()
	fd := unboundLocal(t)
	opts := []Option{Fd(fd), Active(False)}
	caddr := inet.LocalAddr("")
	if bound {
		opts, caddr = append(opts, IfAddrLocal(cfile)), inet.LocalAddr(cfile)
	}
	c, err := Connect(p, sfile, 0, testkit.WaitBound, opts...)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer c.Close()
	s := accept(t, l, p)
	defer s.Close()
	checkLocalListener(t, l, inet.LocalAddr(sfile))
	localHandshake(t, s, inet.LocalAddr(sfile), c, caddr)
}

// t_local_abstract: {ifaddr, {local, <<>>}} binds to an abstract address
// Linux picks, on both ends.
func TestTLocalAbstract(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	l := listen(t, p, IfAddrLocal(""), Active(False))
	defer l.Close()
	saddr, err := l.SocknameLocal()
	if err != nil || !strings.HasPrefix(string(saddr), "\x00") || len(saddr) != 6 {
		t.Fatalf("sockname(L) = %q, %v; want an abstract address, NUL and 5 bytes", saddr, err)
	}
	c := connect(t, p, string(saddr), 0, IfAddrLocal(""), Active(False))
	defer c.Close()
	caddr, err := c.SocknameLocal()
	if err != nil || !strings.HasPrefix(string(caddr), "\x00") || caddr == saddr {
		t.Fatalf("sockname(C) = %q, %v; want another abstract address", caddr, err)
	}
	s := accept(t, l, p)
	defer s.Close()
	if _, err := l.PeernameLocal(); !errors.Is(err, unix.ENOTCONN) {
		t.Fatalf("peername(L) = %v, want enotconn", err)
	}
	localHandshake(t, s, saddr, c, caddr)
}
