package ranch

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor"
)

// listening counts the sockets the kernel has listening on port, on any
// IPv4 address (/proc/net/tcp, state 0A).
func listening(t *testing.T, port int) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the TCP sockets' states from Linux's /proc/net/tcp")
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	suffix := fmt.Sprintf(":%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) > 3 && strings.HasSuffix(fs[1], suffix) && fs[3] == "0A" {
			n++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkListenSockets checks that pl listens with n sockets on its port,
// and that each serves: clients enough that the kernel, which spreads
// them over the sockets, gives each socket some, are all echoed (a socket
// that no acceptor served would leave its clients waiting).
func checkListenSockets(t *testing.T, pl *pool, n int, echo func(c net.Conn, msg string)) {
	t.Helper()
	if info := pl.l.Info(); info.NumListenSockets != n || info.ListenSockets != n {
		t.Fatalf("Info: %d listen sockets, %d open; want %d", info.NumListenSockets, info.ListenSockets, n)
	}
	if got := listening(t, pl.l.Port()); got != n {
		t.Fatalf("the kernel has %d sockets listening on port %d, want %d", got, pl.l.Port(), n)
	}
	for i := range 20 * n {
		c := pl.dial(t)
		echo(c, fmt.Sprint("hello ", i))
		c.Close()
	}
}

// tcp_10_acceptors_10_listen_sockets: ten listen sockets across ten
// acceptors, on one port; after Stop, none.
func TestTCP10Acceptors10ListenSockets(t *testing.T) {
	pl := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 10, NumListenSockets: 10})
	checkListenSockets(t, pl, 10, func(c net.Conn, msg string) { testkit.Echo(t, c, msg) })
	port := pl.l.Port()
	testkit.Bounded(t, "Stop", pl.l.Stop)
	if got := listening(t, port); got != 0 {
		t.Fatalf("%d sockets still listening after Stop", got)
	}
}

// tcp_many_listen_sockets_no_reuseport: without SO_REUSEPORT the second
// socket cannot listen: StartListener fails with eaddrinuse, and leaves
// nothing open (the leak check).
func TestTCPManyListenSocketsNoReuseport(t *testing.T) {
	doManyListenSocketsNoReuseport(t, nil)
}

func doManyListenSocketsNoReuseport(t *testing.T, tls []ssl.Option) {
	pl := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts}) // for its system and leak check
	_, err := StartListener(pl.sys.Root, echoProto, ListenerOptions{
		Addr: "127.0.0.1:0", NumAcceptors: 10, NumListenSockets: 10, TLS: tls,
		SocketOptions: []socket.Option{socket.Reuseport(false)},
	})
	if !errors.Is(err, inet.EADDRINUSE) {
		t.Fatalf("StartListener: %v, want eaddrinuse", err)
	}
}

// ssl_10_acceptors_10_listen_sockets: the same with TLS.
func TestSSL10Acceptors10ListenSockets(t *testing.T) {
	p := testkit.NewPKI(t, false)
	pl := tlsPool(t, p, ListenerOptions{NumAcceptors: 10, NumListenSockets: 10})
	checkListenSockets(t, pl, 10, func(c net.Conn, msg string) {
		tc := tlsClient(t, c, p)
		testkit.Echo(t, tc, msg+"\n")
	})
}

// ssl_many_listen_sockets_no_reuseport: the same with TLS.
func TestSSLManyListenSocketsNoReuseport(t *testing.T) {
	p := testkit.NewPKI(t, false)
	doManyListenSocketsNoReuseport(t, []ssl.Option{ssl.CertFile(p.ServerCert), ssl.KeyFile(p.ServerKey)})
}

// Suspend closes every listen socket, and Resume opens them all again on
// the port; a port given in Addr is shared as port 0's is.
func TestListenSocketsSuspendResume(t *testing.T) {
	pl := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts, NumAcceptors: 4, NumListenSockets: 3})
	port := pl.l.Port()
	testkit.Bounded(t, "Suspend", pl.l.Suspend)
	if got, info := listening(t, port), pl.l.Info(); got != 0 || info.ListenSockets != 0 {
		t.Fatalf("suspended: %d listening, Info %d", got, info.ListenSockets)
	}
	testkit.Bounded(t, "Resume", pl.l.Resume)
	if pl.l.Port() != port {
		t.Fatalf("resumed on port %d, was %d", pl.l.Port(), port)
	}
	checkListenSockets(t, pl, 3, func(c net.Conn, msg string) { testkit.Echo(t, c, msg) })
	testkit.Bounded(t, "Stop", pl.l.Stop)

	again := startPool(t, echoProto, ListenerOptions{Addr: fmt.Sprint("127.0.0.1:", port), SocketOptions: echoOpts, NumAcceptors: 2, NumListenSockets: 2})
	checkListenSockets(t, again, 2, func(c net.Conn, msg string) { testkit.Echo(t, c, msg) })
}

func TestNumListenSocketsBadOption(t *testing.T) {
	pl := startPool(t, echoProto, ListenerOptions{SocketOptions: echoOpts})
	for _, o := range []ListenerOptions{{NumListenSockets: -1}, {NumListenSockets: 11}, {NumAcceptors: 2, NumListenSockets: 3}} {
		_, err := StartListener(pl.sys.Root, echoProto, o)
		var ie *supervisor.InvalidError
		if !errors.As(err, &ie) || ie.Field != "ListenerOptions.NumListenSockets" {
			t.Errorf("%+v: %v, want an InvalidError naming NumListenSockets", o, err)
		}
	}
}

// tlsClient is a crypto/tls client over c that trusts p.
func tlsClient(t *testing.T, c net.Conn, p *testkit.PKI) *tls.Conn {
	t.Helper()
	tc := tls.Client(c, &tls.Config{RootCAs: p.Pool, ServerName: "localhost"})
	must(t, tc.Handshake())
	return tc
}
