// Command load is otpnet's echo load generator (package loadgen): epoll
// on otpnet's driver, no goroutine per connection.
//
// Closed loop, 100 connections with 16 messages of 64 bytes in flight each:
//
//	load -addr 127.0.0.1:4040 -conns 100 -depth 16 -size 64 -duration 3s
//
// Open loop, 20000 msgs/s over 100 connections, latency from the scheduled
// send time:
//
//	load -addr 127.0.0.1:4040 -conns 100 -rate 20000
//
// Idle memory, server RSS as idle connections are added:
//
//	load -addr 127.0.0.1:4040 -pid PID -idle 1000,5000,10000,19000
//
// With -tls every connection is a TLS client (crypto/tls, any certificate
// accepted: the server is on this machine), with a reader and a writer
// goroutine each instead of the driver's pollers.
//
// With -pid the server's CPU time per message, RSS and threads are read
// from /proc. With -json the result is one JSON line on stdout; otherwise a
// line for people. With -idle and -hold, once every step is measured it
// prints "holding N connections" on stdout and keeps them open until stdin
// closes (at most -hold-timeout), so a caller can measure the server.
// SIGINT or SIGTERM stops a run early.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/otpnet/otpnet/test/bench/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadgen.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:4040", "echo server `HOST:PORT` (loopback only)")
	fs.IntVar(&cfg.Conns, "conns", 100, "connections")
	fs.IntVar(&cfg.Depth, "depth", 1, "closed loop: messages in flight per connection")
	fs.IntVar(&cfg.Size, "size", 64, "message payload `bytes` (framing adds its header)")
	packet := fs.String("packet", "raw", "framing: raw, 1, 2, 4 or line")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: `msgs/s` over all connections (0: closed loop)")
	fs.IntVar(&cfg.MaxOutstanding, "max-outstanding", 1024, "open loop: most messages in flight per connection")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "traffic before the measured window")
	fs.DurationVar(&cfg.Duration, "duration", 3*time.Second, "measured window")
	fs.DurationVar(&cfg.Drain, "drain", 5*time.Second, "longest wait for echoes in flight at the end")
	fs.IntVar(&cfg.ServerPID, "pid", 0, "server `PID` for CPU per message, RSS and threads (0: none)")
	fs.IntVar(&cfg.Pollers, "pollers", 0, "client pollers (0: GOMAXPROCS)")
	fs.IntVar(&cfg.DialConcurrency, "dial-concurrency", 64, "connections dialled but not yet echoed at once")
	idle := fs.String("idle", "", "idle memory: ascending connection `counts`, comma-separated (needs -pid)")
	settle := fs.Duration("settle", 2*time.Second, "idle: wait after each step before sampling")
	hold := fs.Bool("hold", false, "idle: after the last step, say so and hold the connections until stdin closes")
	holdTimeout := fs.Duration("hold-timeout", 2*time.Minute, "idle: longest hold")
	useTLS := fs.Bool("tls", false, "connect with TLS (crypto/tls), accepting any server certificate")
	asJSON := fs.Bool("json", false, "print the result as one JSON line")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	f, err := loadgen.ParseFraming(*packet)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg.Framing = f
	if *useTLS {
		// The server is a benchmark peer on loopback with a certificate
		// made for the run: nothing to verify it against.
		cfg.TLS = &tls.Config{InsecureSkipVerify: true}
	}
	if !*quiet {
		cfg.Log = stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var res any
	if *idle != "" {
		steps, err := counts(*idle)
		if err != nil {
			fmt.Fprintln(stderr, "load: -idle:", err)
			return 2
		}
		ic := loadgen.IdleConfig{
			Addr: cfg.Addr, ServerPID: cfg.ServerPID, Steps: steps, Settle: *settle,
			Size: cfg.Size, Framing: cfg.Framing, DialConcurrency: cfg.DialConcurrency,
			Pollers: cfg.Pollers, TLS: cfg.TLS, Log: cfg.Log,
		}
		if *hold {
			ic.Hold = func(ctx context.Context) {
				fmt.Fprintf(stdout, "holding %d connections\n", steps[len(steps)-1])
				waitEOF(ctx, stdin, *holdTimeout)
			}
		}
		r, err := loadgen.Idle(ctx, ic)
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
		res = r
		if !*asJSON {
			fmt.Fprintf(stdout, "idle: %.0f B/conn (least squares); baseline RSS %.1f MiB", r.BytesPerConn, mib(r.Baseline.RSS))
			for _, s := range r.Steps {
				fmt.Fprintf(stdout, "; %d conns %.1f MiB %d threads", s.Conns, mib(s.RSS), s.Threads)
			}
			fmt.Fprintf(stdout, "; errors %d\n", r.Errors)
		}
	} else {
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
		res = r
		if !*asJSON {
			fmt.Fprintln(stdout, r)
		}
	}
	if *asJSON {
		b, err := json.Marshal(res)
		if err != nil {
			fmt.Fprintln(stderr, "load:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return 0
}

// counts parses "1000,5000,10000".
func counts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// waitEOF returns when r reaches EOF, ctx is done or max passes. A pipe's
// read is then cut short with a deadline, so the reading goroutine ends
// too; a terminal's read ends with the process.
func waitEOF(ctx context.Context, r io.Reader, max time.Duration) {
	eof := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(eof)
	}()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-eof:
		return
	case <-ctx.Done():
	case <-t.C:
	}
	if f, ok := r.(*os.File); ok && f.SetReadDeadline(time.Now()) == nil {
		<-eof
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
