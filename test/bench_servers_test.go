package test

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/test/bench/loadgen"
)

// TestBenchServers starts each of the benchmark's servers beyond stdlib
// that test/bench/matrix runs (the C epoll echo, the TLS servers, otpnet on
// the portable backend, and the {packet, 4} servers of the big cells) as
// the matrix starts them, drives each with the load generator briefly (a
// closed-loop run, idle connections, and a 1 MiB message for a server
// that is not TLS), checks every echo, and stops it: it exits, and the
// client leaves nothing behind.
func TestBenchServers(t *testing.T) {
	pki := testkit.NewPKI(t, false)
	tlsFlags := []string{"-tls-cert", pki.ServerCert, "-tls-key", pki.ServerKey}
	erlecho := filepath.Join("bench", "peers", "erlecho.escript")
	dir := t.TempDir()
	buildEcho := sync.OnceValues(func() ([]byte, error) {
		return exec.Command("go", "build", "-o", filepath.Join(dir, "echo"), "../cmd/echo").CombinedOutput()
	})
	otpnetEcho := func(t *testing.T) string {
		if out, err := buildEcho(); err != nil {
			t.Fatalf("go build cmd/echo: %v\n%s", err, out)
		}
		return filepath.Join(dir, "echo")
	}
	otp := func(packet string, args ...string) []string {
		return append([]string{"-addr", "127.0.0.1:0", "-packet", packet, "-active", "once", "-acceptors", "2", "-drain", "1s"}, args...)
	}
	servers := []struct {
		name  string
		tls   bool
		big   bool // its {packet, 4} variant echoes a 1 MiB message
		start func(t *testing.T, packet string) (string, int)
	}{
		{"cecho", false, true, func(t *testing.T, _ string) (string, int) {
			cc, err := exec.LookPath("cc")
			if err != nil {
				t.Skip("no C compiler (cc): cecho is not built, as run.sh leaves it out")
			}
			bin := filepath.Join(t.TempDir(), "cecho")
			if out, err := exec.Command(cc, "-O2", "-Wall", "-Werror", "-o", bin, "bench/peers/cecho/cecho.c").CombinedOutput(); err != nil {
				t.Fatalf("cc cecho.c: %v\n%s", err, out)
			}
			return startServer(t, exec.Command(bin, "-addr", "127.0.0.1:0"), nil)
		}},
		{"stdlib-tls", true, false, func(t *testing.T, _ string) (string, int) {
			return startStdEcho(t, stdechoTLSEnv+"="+pki.ServerCert+" "+pki.ServerKey)
		}},
		{"erlang-tls", true, false, func(t *testing.T, packet string) (string, int) {
			args := append([]string{erlecho, "-addr", "127.0.0.1:0", "-packet", packet, "-active", "once"}, tlsFlags...)
			return startServer(t, exec.Command(erltest.Escript(t), args...), nil)
		}},
		{"erlang-once", false, true, func(t *testing.T, packet string) (string, int) {
			args := []string{erlecho, "-addr", "127.0.0.1:0", "-packet", packet, "-active", "once"}
			return startServer(t, exec.Command(erltest.Escript(t), args...), nil)
		}},
		{"otpnet-tls", true, false, func(t *testing.T, packet string) (string, int) {
			return startServer(t, exec.Command(otpnetEcho(t), otp(packet, tlsFlags...)...), nil)
		}},
		{"otpnet-portable", false, true, func(t *testing.T, packet string) (string, int) {
			cmd := exec.Command(otpnetEcho(t), otp(packet)...)
			cmd.Env = append(os.Environ(), "OTPNET_DRIVER=portable")
			return startServer(t, cmd, nil)
		}},
	}
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			var tlsConfig *tls.Config
			if s.tls {
				tlsConfig = &tls.Config{InsecureSkipVerify: true}
			}
			addr, pid := s.start(t, "raw")
			leaktest.Check(t) // the client's goroutines and fds: the server's pipes are counted
			cfg := loadgen.Config{
				Addr: addr, ServerPID: pid, Conns: 4, Depth: 2, Size: 200, TLS: tlsConfig,
				Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond,
			}
			r, err := loadgen.Run(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(r)
			checkRun(t, cfg, r)
			ir, err := loadgen.Idle(ctx, loadgen.IdleConfig{Addr: addr, ServerPID: pid, Steps: []int{3, 10}, Settle: 50 * time.Millisecond, TLS: tlsConfig})
			if err != nil {
				t.Fatal(err)
			}
			if ir.Errors != 0 || len(ir.Steps) != 2 || ir.Steps[1].Conns != 10 || ir.Steps[1].RSS <= 0 {
				t.Errorf("idle: %+v", ir)
			}
			if !s.big {
				return
			}
			addr, pid = s.start(t, "4")
			checkBig(t, ctx, addr, pid)
		})
	}
}

// checkBig echoes 1 MiB {packet, 4} messages through the server at addr
// and checks what BigEcho reports.
func checkBig(t *testing.T, ctx context.Context, addr string, pid int) {
	t.Helper()
	r, err := loadgen.BigEcho(ctx, loadgen.BigConfig{Addr: addr, Size: 1 << 20, Duration: 50 * time.Millisecond, MinRounds: 2, ServerPID: pid})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("big: %+v %+v", r, r.Server)
	switch {
	case r.Size != 1<<20 || r.Rounds < 2 || r.Seconds <= 0 || r.MiBPerSec <= 0 || r.RoundTrip <= 0:
		t.Errorf("big: %+v", r)
	case r.Server == nil || r.Server.RSSBefore <= 0 || r.Server.PeakRSS < r.Server.RSS || r.Server.PeakRSS < r.Server.RSSBefore || r.Server.CPUPerMiB < 0:
		t.Errorf("big: server %+v", r.Server)
	}
}

// TestBigEchoStdlib echoes big messages through the stdlib echo (a byte
// echo is the same as a {packet, 4} one) and refuses sizes it cannot send.
func TestBigEchoStdlib(t *testing.T) {
	addr, pid := startStdEcho(t)
	leaktest.Check(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	checkBig(t, ctx, addr, pid)
	for _, size := range []int{0, 1<<30 + 1} {
		if _, err := loadgen.BigEcho(ctx, loadgen.BigConfig{Addr: addr, Size: size}); err == nil {
			t.Errorf("BigEcho of %d bytes: no error", size)
		}
	}
	if _, err := loadgen.BigEcho(ctx, loadgen.BigConfig{Addr: "192.0.2.1:7", Size: 1}); err == nil {
		t.Error("BigEcho to a remote address: no error")
	}
}
