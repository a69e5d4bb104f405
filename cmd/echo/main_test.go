package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// echoBin is the command, built once by TestMain, for the tests that
// signal it.
var echoBin string

// TestMain builds the command, starts the sockets' driver pool (it lives
// as long as the process, as the BEAM's inet driver does), runs the tests,
// and fails the run if they leave an fd or a goroutine behind.
func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	bin, remove, err := testkit.BuildMain("echo")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer remove()
	echoBin = bin
	return leaktest.Run(m, startDriver)
}

func startDriver() error {
	_, err := driver.Default()
	return err
}

// server is run() serving in this process.
type server struct {
	addr   string
	cancel context.CancelFunc
	code   chan int
	out    *testkit.Lines // stdout after the first line
	stderr *testkit.SyncBuffer
}

// startServer starts run() with args and -addr 127.0.0.1:0 and waits for its
// "listening on" line. The server is stopped when the test ends.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	stderr := &testkit.SyncBuffer{}
	s := &server{cancel: cancel, code: make(chan int, 1), out: testkit.NewLines(r, stderr), stderr: stderr}
	go func() {
		s.code <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), strings.NewReader(""), w, s.stderr)
		w.Close()
	}()
	first := s.out.Next(t)
	addr, ok := strings.CutPrefix(first, "listening on ")
	if !ok {
		t.Fatalf("first line %q, want listening on HOST:PORT; stderr: %s", first, s.stderr)
	}
	s.addr = addr
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the server's context, as a signal does, and returns its
// exit code.
func (s *server) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	c := testkit.Recv(t, s.code, "exit of the server")
	s.code <- c
	return c
}

// closed checks that the server closes c, and sends nothing before.
func closed(t *testing.T, c net.Conn) {
	t.Helper()
	if got := testkit.PeerClosed(t, c); len(got) != 0 {
		t.Fatalf("read %q before the close", got)
	}
}

// The flags' defaults are the article's server.
func TestEchoDefaults(t *testing.T) {
	c, err := parseFlags(nil, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := config{addr: "127.0.0.1:4040", packet: framing.Line, active: socket.Once,
		acceptors: 10, maxConns: 1024, drain: 5 * time.Second, listenN: 1}
	if c != want {
		t.Fatalf("defaults %+v, want %+v", c, want)
	}
	c, err = parseFlags([]string{"-packet", "4", "-active", "7", "-max-conns", "infinity", "-acceptors", "3", "-drain", "1s",
		"-reuseport", "-listen-sockets", "3", "-proxy-protocol"}, io.Discard, io.Discard)
	want = config{addr: "127.0.0.1:4040", packet: framing.Four, active: socket.N(7),
		acceptors: 3, maxConns: ranch.Unlimited, drain: time.Second, reuseport: true, listenN: 3, proxy: true}
	if err != nil || c != want {
		t.Fatalf("parsed %+v (%v), want %+v", c, err, want)
	}
}

// -h prints what the program is, how to run it and its flags, on stdout,
// and exits 0.
func TestEchoHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{arg}, strings.NewReader(""), &stdout, &stderr)
		first, _, _ := strings.Cut(stdout.String(), "\n")
		if code != 0 || first != description || stderr.Len() != 0 {
			t.Fatalf("%s: exit %d, first line %q, stderr %q; want 0, %q, nothing", arg, code, first, stderr.String(), description)
		}
		for _, flag := range []string{"-addr", "-packet", "-active", "-acceptors", "-max-conns", "-drain", "-v", "-connect", "-tls-cert", "-tls-key", "-tls", "-tls-ca"} {
			if !strings.Contains(stdout.String(), "\n  "+flag+" ") && !strings.Contains(stdout.String(), "\n  "+flag+"\t") && !strings.Contains(stdout.String(), "\n  "+flag+"\n") {
				t.Errorf("%s: %s missing from the usage:\n%s", arg, flag, stdout.String())
			}
		}
	}
}

// Bad flags exit 2 and name the flag; a server that cannot listen exits 1.
func TestEchoBadFlags(t *testing.T) {
	leaktest.Check(t)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"-packet", "http"}, 2, "-packet"},
		{[]string{"-active", "sometimes"}, 2, "-active"},
		{[]string{"-active", "0"}, 2, "-active"},
		{[]string{"-max-conns", "-1"}, 2, "-max-conns"},
		{[]string{"-acceptors", "-3"}, 2, "-acceptors"},
		{[]string{"-drain", "-1s"}, 2, "-drain"},
		{[]string{"extra"}, 2, "extra"},
		{[]string{"-addr", "nonsense"}, 2, "-addr"},
		{[]string{"-addr", "127.0.0.1:99999"}, 2, "-addr"},
		{[]string{"-connect", "127.0.0.1"}, 1, "missing port"},
		{[]string{"-tls-cert", "c.pem"}, 2, "-tls-key"},
		{[]string{"-tls"}, 2, "-connect"},
		{[]string{"-connect", "127.0.0.1:1", "-tls-ca", "ca.pem"}, 2, "-tls"},
		{[]string{"-connect", "127.0.0.1:1", "-tls-cert", "c.pem", "-tls-key", "k.pem"}, 2, "server's"},
		{[]string{"-tls-cert", "missing-cert.pem", "-tls-key", "missing-key.pem"}, 1, "missing-cert.pem"},
		{[]string{"-listen-sockets", "0"}, 2, "-listen-sockets"},
		{[]string{"-listen-sockets", "11"}, 2, "-listen-sockets"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), tc.args, strings.NewReader(""), io.Discard, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.says)
		}
	}
	// A port in use.
	s := startServer(t)
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", s.addr}, strings.NewReader(""), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "eaddrinuse") {
		t.Fatalf("second server on %s: exit %d, %q", s.addr, code, stderr.String())
	}
	// Said once: no log line repeats the error before it.
	if n := strings.Count(stderr.String(), "\n"); n != 1 {
		t.Fatalf("second server on %s: %d lines on stderr, want the error alone: %q", s.addr, n, stderr.String())
	}
}

// -v logs the listener's events: its start, each accept and close (with
// the peer, and the duration), and its stop.
func TestEchoVerbose(t *testing.T) {
	leaktest.Check(t)
	s := startServer(t, "-v")
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a failure bound
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, len("hello\n"))
	if _, err := io.ReadFull(c, echo); string(echo) != "hello\n" {
		t.Fatalf("echo %q (%v)", echo, err)
	}
	peer := c.LocalAddr().String()
	c.Close()
	if code := s.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		has := func(parts ...string) bool {
			for _, p := range parts {
				if !strings.Contains(line, p) {
					return false
				}
			}
			return strings.Contains(line, "level=INFO") && strings.Contains(line, "listener="+s.addr)
		}
		switch {
		case has(`msg="listener started"`):
			got = append(got, "started")
		case has(`msg="connection accepted"`, "peer="+peer):
			got = append(got, "accepted")
		case has(`msg="connection closed"`, "peer="+peer, "duration="):
			got = append(got, "closed")
		case has(`msg="listener stopped"`):
			got = append(got, "stopped")
		}
	}
	// The listening socket may close (stopped) before or after the
	// handler sees the client's close.
	order := strings.Join(got, " ")
	if order != "started accepted closed stopped" && order != "started accepted stopped closed" {
		t.Fatalf("logged %q, want started, accepted, then closed and stopped; stderr:\n%s", got, s.stderr)
	}
}

// A real Erlang client, gen_tcp with each {packet, P}, against the server
// with -packet P, in each active mode.
func TestEchoErlangClient(t *testing.T) {
	escript := erltest.Escript(t)
	leaktest.Check(t) // once for all the cases: each costs a second to settle
	for _, tc := range []struct{ packet, active string }{
		{"raw", "once"}, {"1", "true"}, {"2", "3"}, {"4", "false"},
		{"line", "once"}, {"line", "true"}, {"line", "false"}, {"line", "2"},
		{"raw", "false"}, {"4", "once"},
	} {
		t.Run(tc.packet+"_"+tc.active, func(t *testing.T) {
			s := startServer(t, "-packet", tc.packet, "-active", tc.active, "-acceptors", "2")
			_, port, _ := net.SplitHostPort(s.addr)
			var out, stderr bytes.Buffer
			cmd := exec.Command(escript, "testdata/echo_client.escript", port, tc.packet)
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil || !strings.HasPrefix(out.String(), "ok ") {
				t.Fatalf("escript: %v, %q; stderr: %s; server: %s", err, out.String(), stderr.String(), s.stderr)
			}
			if code := s.stop(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
		})
	}
}

// The client mode against the server, for each -packet.
func TestEchoClient(t *testing.T) {
	leaktest.Check(t)
	input := "hello\nworld\n\nthe last line\n"
	for _, packet := range []string{"line", "raw", "1", "2", "4"} {
		t.Run(packet, func(t *testing.T) {
			s := startServer(t, "-packet", packet)
			var out, stderr bytes.Buffer
			code := run(context.Background(), []string{"-connect", s.addr, "-packet", packet}, strings.NewReader(input), &out, &stderr)
			if code != 0 || out.String() != input {
				t.Fatalf("client: exit %d, printed %q (stderr %q), want %q", code, out.String(), stderr.String(), input)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"-connect", addr}, strings.NewReader("x\n"), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "econnrefused") {
			t.Fatalf("exit %d, %q", code, stderr.String())
		}
	})
}

// -tls-cert and -tls-key serve TLS, and the client's -tls (with -tls-ca)
// talks to it, for every framing; a client that cannot verify the
// server's certificate fails with the alert.
func TestEchoTLS(t *testing.T) {
	leaktest.Check(t)
	p := testkit.NewPKI(t, false)
	input := "hello\nworld\n\nthe last line\n"
	for _, packet := range []string{"line", "raw", "2", "4"} {
		t.Run(packet, func(t *testing.T) {
			s := startServer(t, "-packet", packet, "-tls-cert", p.ServerCert, "-tls-key", p.ServerKey)
			var out, stderr bytes.Buffer
			code := run(context.Background(), []string{"-connect", s.addr, "-packet", packet, "-tls", "-tls-ca", p.CAFile}, strings.NewReader(input), &out, &stderr)
			if code != 0 || out.String() != input {
				t.Fatalf("client: exit %d, printed %q (stderr %q), want %q", code, out.String(), stderr.String(), input)
			}
		})
	}
	t.Run("unknown ca", func(t *testing.T) {
		s := startServer(t, "-tls-cert", p.ServerCert, "-tls-key", p.ServerKey)
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"-connect", s.addr, "-tls"}, strings.NewReader("x\n"), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "unknown_ca") {
			t.Fatalf("exit %d, %q", code, stderr.String())
		}
	})
}

// The client mode against the article's EchoServer, in Erlang.
func TestEchoClientErlangServer(t *testing.T) {
	escript := erltest.Escript(t)
	leaktest.Check(t)
	cmd := exec.Command(escript, "testdata/echo_server.escript")
	lines, stderr := testkit.Start(t, cmd)
	defer cmd.Wait()
	defer cmd.Process.Kill()
	port := lines.Next(t)
	input := "hello\nworld\n"
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-connect", "127.0.0.1:" + port}, strings.NewReader(input), &out, os.Stderr); code != 0 || out.String() != input {
		t.Fatalf("exit %d, printed %q, want %q; escript stderr: %s", code, out.String(), input, stderr.String())
	}
}

// The server's defaults, {packet, line} and {active, once}: lines sent
// together, and a line longer than the port's buffer, come back whole.
// Stopping it with the client still there drains for -drain, then closes
// the connection and exits 1.
func TestEchoLines(t *testing.T) {
	leaktest.Check(t)
	s := startServer(t, "-drain", "50ms")
	c := testkit.Dial(t, s.addr)
	testkit.Echo(t, c, "one\ntwo\nthree\n")
	testkit.Echo(t, c, strings.Repeat("long ", 20000)+"\n")
	if code := s.stop(t); code != 1 {
		t.Fatalf("exit %d, want 1 (the drain ran out)", code)
	}
	closed(t, c)
	// The drain ran out with the client there, and says so, naming the
	// listener by the address in use (not -addr's port 0).
	if want := `drain "` + s.addr + `": 1 connection left`; !strings.Contains(s.stderr.String(), want) {
		t.Fatalf("stderr %q, want %q", s.stderr.String(), want)
	}
}

// binary starts the built command with args and -addr 127.0.0.1:0 and
// returns it with its address and its stdout lines after the first.
func binary(t *testing.T, args ...string) (*exec.Cmd, string, *testkit.Lines, *testkit.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(echoBin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	out, stderr := testkit.Start(t, cmd)
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, ok := strings.CutPrefix(out.Next(t), "listening on ")
	if !ok {
		t.Fatalf("no listening line; stderr: %s", stderr)
	}
	return cmd, addr, out, stderr
}

// exitCode waits for cmd and returns its exit code.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := testkit.Bounded(t, "the server's exit", cmd.Wait)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// SIGTERM: the server stops accepting, serves its connections until they
// end, and exits 0 as soon as they have, well before -drain.
func TestEchoSignalDrain(t *testing.T) {
	leaktest.Check(t)
	cmd, addr, out, stderr := binary(t, "-drain", "1m")
	c1, c2 := testkit.Dial(t, addr), testkit.Dial(t, addr)
	testkit.Echo(t, c1, "before\n")
	testkit.Echo(t, c2, "before\n")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if line := out.Next(t); !strings.HasPrefix(line, "draining 2 connections") {
		t.Fatalf("after SIGTERM: %q; stderr: %s", line, stderr)
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while draining: %v, want connection refused", err)
	}
	testkit.Echo(t, c1, "while draining\n")
	c1.Close()
	testkit.Echo(t, c2, "still draining\n")
	c2.Close()
	if line := out.Next(t); line != "stopped" {
		t.Fatalf("last line %q", line)
	}
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, stderr)
	}
	// The drain ended with the last connection, not with -drain's time.
	if strings.Contains(stderr.String(), "drain_timeout") {
		t.Fatalf("the drain ran out: %s", stderr)
	}
}

// SIGINT with a connection that outlasts -drain: the server closes it when
// the time is up and exits 1, saying why on stderr.
func TestEchoSignalDrainTimeout(t *testing.T) {
	leaktest.Check(t)
	cmd, addr, out, stderr := binary(t, "-drain", "300ms", "-packet", "4", "-active", "true")
	c := testkit.Dial(t, addr)
	testkit.Echo(t, c, "\x00\x00\x00\x05hello")

	began := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if line := out.Next(t); !strings.HasPrefix(line, "draining 1 connection for up to 300ms") {
		t.Fatalf("after SIGINT: %q", line)
	}
	closed(t, c)
	if line := out.Next(t); line != "stopped" {
		t.Fatalf("last line %q", line)
	}
	if code := exitCode(t, cmd); code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, stderr)
	}
	if d := time.Since(began); d < 300*time.Millisecond {
		t.Fatalf("exited %v after SIGINT, before -drain", d)
	}
	if want := "1 connection left after 300ms: drain_timeout"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q, want %q", stderr, want)
	}
}
