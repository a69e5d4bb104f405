package test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/test/bench/loadgen"
	"github.com/otpnet/otpnet/test/bench/peer"
)

// stdechoEnv makes the test binary, run again as a child, serve the
// benchmark's stdlib echo instead of testing: the load generator measures
// a server in another process, as in the benchmark. With stdechoTLSEnv
// ("CERT KEY", PEM files) it serves TLS, as stdecho -tls-cert -tls-key.
const (
	stdechoEnv    = "OTPNET_TEST_STDECHO"
	stdechoTLSEnv = "OTPNET_TEST_STDECHO_TLS"
)

func init() {
	if os.Getenv(stdechoEnv) == "1" {
		serveStdEcho()
	}
}

// serveStdEcho serves until stdin closes, and exits.
func serveStdEcho() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if files := strings.Fields(os.Getenv(stdechoTLSEnv)); len(files) == 2 {
		cert, err := tls.LoadX509KeyPair(files[0], files[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	srv := peer.NewStdEcho(ln, 0)
	go srv.Serve()
	fmt.Printf("listening on %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	os.Exit(0)
}

// startStdEcho starts the stdlib echo in a child process, stopped when
// the test ends, and returns its address and PID; env is added to the
// child's environment.
func startStdEcho(t *testing.T, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), stdechoEnv+"=1"), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, cmd, func() { stdin.Close() })
}

// startServer starts the echo server cmd, which says "listening on
// HOST:PORT" first, and returns that address and its PID. When the test
// ends, stop (nil: SIGTERM) must make it exit.
func startServer(t *testing.T, cmd *exec.Cmd, stop func()) (string, int) {
	t.Helper()
	cmd.SysProcAttr = dieWithParent(&syscall.SysProcAttr{})
	if stop == nil {
		stop = func() { cmd.Process.Signal(syscall.SIGTERM) }
	}
	lines, _ := testkit.Start(t, cmd)
	done := make(chan struct{})
	go func() {
		<-lines.Done()
		cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(testkit.WaitBound):
			cmd.Process.Kill()
			<-done
			t.Errorf("%s did not exit when told to stop", cmd.Args[0])
		}
	})
	line := lines.Next(t)
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("server said %q", line)
	}
	return addr, cmd.Process.Pid
}

// TestLoadgenSmoke runs the load generator briefly against the stdlib echo
// in every loop and checks that what it measures is sane: every message
// sent is echoed, latencies are positive and ordered, the server's /proc
// numbers are read. No performance is asserted.
func TestLoadgenSmoke(t *testing.T) {
	addr, pid := startStdEcho(t)
	// Every client goroutine (pollers, pacer, dialers) and connection of
	// the runs is gone when the test ends; the child server's are counted
	// before.
	leaktest.Check(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	runs := []loadgen.Config{
		{Conns: 8, Depth: 4, Size: 64, Framing: loadgen.Raw},
		{Conns: 2, Depth: 2, Size: 4096, Framing: loadgen.Four},
		{Conns: 3, Depth: 1, Size: 100, Framing: loadgen.Line},
		{Conns: 4, Size: 64, Rate: 2000},
	}
	for _, cfg := range runs {
		cfg.Addr, cfg.ServerPID = addr, pid
		cfg.Warmup, cfg.Duration = 100*time.Millisecond, 400*time.Millisecond
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		t.Log(r)
		checkRun(t, cfg, r)
		if cfg.Rate > 0 && (r.Loop != "open" || r.Msgs > int64(2*cfg.Rate)) {
			t.Errorf("%s: not the open loop at %v msgs/s", r, cfg.Rate)
		}
	}

	ir, err := loadgen.Idle(ctx, loadgen.IdleConfig{Addr: addr, ServerPID: pid, Steps: []int{5, 20}, Settle: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("idle: %+v", ir)
	if ir.Errors != 0 || len(ir.Steps) != 2 || ir.Steps[1].Conns != 20 || ir.Baseline.RSS <= 0 || ir.Steps[1].RSS <= 0 {
		t.Errorf("idle: %+v", ir)
	}

}

// checkRun checks that what a run measured is sane: every message sent is
// echoed, latencies are positive and ordered, the server's /proc numbers
// are read.
func checkRun(t *testing.T, cfg loadgen.Config, r *loadgen.Result) {
	t.Helper()
	switch {
	case r.Errors != 0:
		t.Errorf("%s: errors", r)
	case r.Live != cfg.Conns:
		t.Errorf("%s: %d of %d connections up", r, r.Live, cfg.Conns)
	case r.Sent == 0 || r.Sent != r.Received:
		t.Errorf("%s: sent %d, echoed %d", r, r.Sent, r.Received)
	case r.Msgs <= 0 || r.Msgs > r.Received || r.MsgsPerSec <= 0:
		t.Errorf("%s: %d messages in the window of %d echoed", r, r.Msgs, r.Received)
	case !(0 < r.Latency.P50 && r.Latency.P50 <= r.Latency.P99 && r.Latency.P99 <= r.Latency.P999 && r.Latency.P999 <= r.Latency.Max):
		t.Errorf("%s: latencies %+v not positive and ordered", r, r.Latency)
	case r.Server == nil || r.Server.RSS <= 0 || r.Server.Threads <= 0 || r.Server.CPUPerMsg < 0:
		t.Errorf("%s: server stats %+v", r, r.Server)
	}
}

// TestLoadgenRefusesRemote checks that the load generator only targets
// loopback addresses.
func TestLoadgenRefusesRemote(t *testing.T) {
	for _, addr := range []string{"192.0.2.1:7", "example.com:7", "[2001:db8::1]:7"} {
		if _, err := loadgen.Run(t.Context(), loadgen.Config{Addr: addr, Conns: 1}); err == nil {
			t.Errorf("Run to %s: no error", addr)
		}
	}
}
