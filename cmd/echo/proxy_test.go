package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// -proxy-protocol: the server reads the header, echoes what follows it,
// and with -v logs the client's address the header gave, and the proxy's;
// a connection without a header is closed.
func TestEchoProxyProtocol(t *testing.T) {
	leaktest.Check(t)
	s := startServer(t, "-proxy-protocol", "-v")
	c := testkit.Dial(t, s.addr)
	if _, err := c.Write([]byte("PROXY TCP4 192.0.2.1 198.51.100.1 56324 4040\r\n")); err != nil {
		t.Fatal(err)
	}
	testkit.Echo(t, c, "hello\n")
	proxy := c.LocalAddr().String()
	bad := testkit.Dial(t, s.addr)
	if _, err := bad.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	closed(t, bad)
	c.Close()
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	log := s.stderr.String()
	if !logged(log, `msg="proxy header"`, "client=192.0.2.1:56324 ", "proxy="+proxy+" ", "version=1 ", `header="PROXY TCP4 192.0.2.1 198.51.100.1 56324 4040"`) {
		t.Fatalf("no proxy header logged with the client's and the proxy's address:\n%s", log)
	}
	if !logged(log, "level=WARN", `msg="connection closed: no valid PROXY header"`, "reason=") {
		t.Fatalf("stderr does not say why the connection without a header was closed:\n%s", log)
	}
}

// logged reports whether a line of log has all the parts.
func logged(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// -reuseport: two processes serve one port, each some of its clients; a
// third without -reuseport cannot listen there.
func TestEchoReuseport(t *testing.T) {
	leaktest.Check(t)
	_, addr, _, stderrA := binary(t, "-reuseport", "-v")
	_, addrB, _, stderrB := binary(t, "-reuseport", "-v", "-addr", addr, "-listen-sockets", "2", "-acceptors", "2")
	if addrB != addr {
		t.Fatalf("the second listens on %s, the first on %s", addrB, addr)
	}
	// The kernel spreads connections over the three sockets by a hash of
	// their addresses: of 100, each process gets some.
	for i := range 100 {
		c := testkit.Dial(t, addr)
		testkit.Echo(t, c, fmt.Sprintln("hello", i))
		c.Close()
	}
	testkit.Until(t, "both processes to log accepts", func() bool {
		return strings.Contains(stderrA.String(), "connection accepted") && strings.Contains(stderrB.String(), "connection accepted")
	})
	cmd := exec.Command(echoBin, "-addr", addr)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(out), "eaddrinuse") {
		t.Fatalf("without -reuseport: exit %d (%v), output %q; want 1 and eaddrinuse", code, err, out)
	}
}

// haproxy returns the path of haproxy, or ends the test: skipped when it
// is missing, failed when OTPNET_REQUIRE_HAPROXY=1 (CI sets it).
func haproxy(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("haproxy")
	if err == nil {
		return path
	}
	const how = "haproxy not found: install it (Debian/Ubuntu: apt-get install -y haproxy) to run this test"
	if os.Getenv("OTPNET_REQUIRE_HAPROXY") == "1" {
		t.Fatal(how + " (OTPNET_REQUIRE_HAPROXY=1)")
	}
	t.Skip(how)
	return ""
}

// freePort returns a port that was free on 127.0.0.1 a moment ago, for
// haproxy, which does not say which port 0 gave it.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// HAProxy in front of the echo server, with send-proxy (version 1) on one
// frontend and send-proxy-v2 on another: a client's lines come back
// through it, and the server logs the client's own address, which only
// the header can have told it (its peer is HAProxy).
func TestEchoHAProxy(t *testing.T) {
	bin := haproxy(t)
	leaktest.Check(t)
	s := startServer(t, "-proxy-protocol", "-v")
	v1, v2 := freePort(t), freePort(t)
	cfg := fmt.Sprintf(`global
	maxconn 64
defaults
	mode tcp
	timeout connect 10s
	timeout client 30s
	timeout server 30s
frontend v1
	bind 127.0.0.1:%d
	default_backend v1
frontend v2
	bind 127.0.0.1:%d
	default_backend v2
backend v1
	server echo %s send-proxy
backend v2
	server echo %s send-proxy-v2
`, v1, v2, s.addr, s.addr)
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	out := &testkit.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for version, port := range []int{v1, v2} {
		addr := fmt.Sprint("127.0.0.1:", port)
		var c net.Conn
		testkit.Until(t, "haproxy to listen on "+addr, func() bool {
			var err error
			c, err = net.Dial("tcp", addr)
			if errors.Is(err, syscall.ECONNREFUSED) && cmd.ProcessState == nil {
				return false
			}
			if err != nil {
				t.Fatalf("dial haproxy: %v; its output: %s", err, out)
			}
			return true
		})
		testkit.Echo(t, c, "through haproxy\n")
		client := c.LocalAddr().String()
		testkit.Until(t, "the server to log the client "+client, func() bool {
			return logged(s.stderr.String(), `msg="proxy header"`, "client="+client+" ", fmt.Sprintf("version=%d ", version+1))
		})
		c.Close()
	}
	log := s.stderr.String()
	if !logged(log, `header="PROXY TCP4 127.0.0.1 127.0.0.1 `) {
		t.Errorf("no header logged as PROXY TCP4:\n%s", log)
	}
	if n := strings.Count(log, `msg="proxy header"`); n != 2 {
		t.Errorf("%d headers logged, want 2:\n%s", n, log)
	}
}
