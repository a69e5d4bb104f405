//go:build unix

// The matrix builds on Unix only: it drives process groups and signals,
// and reads /proc.

// Command matrix runs otpnet's echo benchmark matrix: every server (Go's
// net, gnet, a C epoll loop, Erlang's gen_tcp, otpnet's cmd/echo, and the
// TLS servers of Go's crypto/tls, Erlang's ssl and otpnet) against the
// same load generator, over connections × message sizes × pipeline depths
// in the closed loop, a few open-loop rates, and idle connections for
// memory; then big {packet, 4} messages (test/bench/bigpkt) against every
// server that is not TLS. It writes each result as a JSON line and the
// whole as a Markdown report. test/bench/run.sh builds the binaries and
// runs it; see there.
//
// A server whose prerequisite is missing (escript, Erlang's ssl, the C
// compiler that builds $BIN/cecho) is left out with a message when
// -servers is not given, and is an error when -servers names it. The TLS
// servers use an ECDSA P-256 certificate the matrix makes at start in a
// temporary directory; the load generator takes any certificate.
//
// Each cell starts a fresh server, pinned to CPU 0, and runs test/bench/load
// pinned to CPU 1 with the server's PID, so that the server's CPU time per
// message and memory come from /proc. Every server is stopped (SIGTERM,
// then SIGKILL) before the next starts, and killed with the matrix if it
// dies (Pdeathsig); SIGINT or SIGTERM stops the matrix, which still writes
// what it measured.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/test/bench/loadgen"
)

// opts are the matrix's settings.
type opts struct {
	bin, erlecho, otpnet       string
	servers                    []string
	conns, sizes, depths       []int
	bigSizes                   []int // MiB
	tlsDir, tlsCert, tlsKey    string
	rates                      []int
	openConns, openSize        int
	packet                     string
	activeN                    int
	warmup, duration, settle   time.Duration
	idle                       []int
	pin, quick                 bool
	results, report, plot, cmd string
	logs                       string
}

// allServers lists the servers in the order they run and are reported.
var allServers = []string{
	"stdlib", "gnet", "cecho", "erlang-once", "erlang-n", "otpnet-once", "otpnet-n", "otpnet-true", "otpnet-portable",
	"stdlib-tls", "erlang-tls", "otpnet-tls",
}

func main() {
	o, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(1)
	}
}

func parse(args []string) (*opts, error) {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	o := &opts{}
	fs.StringVar(&o.bin, "bin", "", "`dir` with the load, stdecho, gnetecho and echo binaries (required)")
	fs.StringVar(&o.erlecho, "erlecho", "test/bench/peers/erlecho.escript", "the Erlang echo escript")
	fs.StringVar(&o.otpnet, "otpnet", "", "otpnet server `command` (default BIN/echo); the matrix adds -addr, -packet, -active, -acceptors, -max-conns, -drain and drops those it rejects")
	servers := fs.String("servers", strings.Join(allServers, ","), "servers to run, comma-separated")
	conns := fs.String("conns", "1,100,1000,10000", "closed loop: connection counts")
	sizes := fs.String("sizes", "64,4096", "closed loop: message sizes, bytes")
	depths := fs.String("depths", "1,16", "closed loop: messages in flight per connection")
	bigSizes := fs.String("bigsizes", "1,4,16,64", "big {packet, 4} messages: sizes in MiB, one at a time on one connection, to the servers that are not TLS (empty: none)")
	rates := fs.String("rates", "20000", "open loop: rates in msgs/s (empty: none)")
	fs.IntVar(&o.openConns, "open-conns", 100, "open loop: connections")
	fs.IntVar(&o.openSize, "open-size", 64, "open loop: message size")
	fs.StringVar(&o.packet, "packet", "raw", "framing: raw, 1, 2, 4 or line (stdlib and gnet echo bytes whatever it is)")
	fs.IntVar(&o.activeN, "active-n", 100, "N of the {active, N} servers")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "per cell: traffic before the measured window")
	fs.DurationVar(&o.duration, "duration", 3*time.Second, "per cell: measured window")
	idle := fs.String("idle", "1000,5000,10000,19000", "idle memory: connection counts (empty: none)")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "idle memory: wait after each step")
	fs.BoolVar(&o.quick, "quick", false, "smoke-test matrix: conns 1,100; size 64; depths 1,16; big 1,4 MiB; 300ms+1s cells; rate 5000; idle 500,2000 (flags given explicitly win)")
	fs.BoolVar(&o.pin, "pin", runtime.NumCPU() >= 2, "pin the server to CPU 0 and the client to CPU 1 with taskset")
	fs.StringVar(&o.results, "results", "test/bench/results.jsonl", "JSON lines out")
	fs.StringVar(&o.report, "report", "docs/BENCHMARKS.md", "Markdown report out")
	fs.StringVar(&o.plot, "plot", "bench-throughput.png", "the plot's file name, next to the report (run.sh draws it)")
	fs.StringVar(&o.cmd, "command", "", "the command line to print in the report (default: this one)")
	fs.StringVar(&o.logs, "logs", "", "`dir` for server logs (default: a temporary one, removed)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		preset := map[string]string{
			"conns": "1,100", "sizes": "64", "depths": "1,16", "bigsizes": "1,4", "warmup": "300ms",
			"duration": "1s", "rates": "5000", "idle": "500,2000", "settle": "500ms",
		}
		for name, v := range preset {
			if !set[name] {
				fs.Set(name, v)
			}
		}
	}
	if o.bin == "" {
		return nil, errors.New("-bin is required")
	}
	if o.otpnet == "" {
		o.otpnet = filepath.Join(o.bin, "echo")
	}
	if o.cmd == "" {
		o.cmd = strings.Join(os.Args, " ")
	}
	var err error
	o.servers = nil
	for _, s := range split(*servers) {
		if !contains(allServers, s) {
			return nil, fmt.Errorf("unknown server %q: want some of %s", s, strings.Join(allServers, ","))
		}
		why := o.unavailable(s)
		switch {
		case why == "":
			o.servers = append(o.servers, s)
		case set["servers"]:
			return nil, fmt.Errorf("-servers %s: %s", s, why)
		default:
			fmt.Fprintf(os.Stderr, "matrix: running without %s: %s\n", s, why)
		}
	}
	if o.conns, err = ints(*conns); err != nil {
		return nil, fmt.Errorf("-conns: %w", err)
	}
	if o.sizes, err = ints(*sizes); err != nil {
		return nil, fmt.Errorf("-sizes: %w", err)
	}
	if o.depths, err = ints(*depths); err != nil {
		return nil, fmt.Errorf("-depths: %w", err)
	}
	if o.bigSizes, err = ints(*bigSizes); err != nil {
		return nil, fmt.Errorf("-bigsizes: %w", err)
	}
	for _, m := range o.bigSizes {
		if m > 1024 {
			return nil, fmt.Errorf("-bigsizes: %d MiB: want at most 1024", m)
		}
	}
	if o.rates, err = ints(*rates); err != nil {
		return nil, fmt.Errorf("-rates: %w", err)
	}
	if o.idle, err = ints(*idle); err != nil {
		return nil, fmt.Errorf("-idle: %w", err)
	}
	if _, err := loadgen.ParseFraming(o.packet); err != nil {
		return nil, err
	}
	if o.pin {
		if _, err := exec.LookPath("taskset"); err != nil {
			return nil, errors.New("-pin needs taskset (util-linux)")
		}
	}
	return o, nil
}

// unavailable says why server name cannot run here, or "".
func (o *opts) unavailable(name string) string {
	switch {
	case strings.HasPrefix(name, "erlang-"):
		if _, err := exec.LookPath("escript"); err != nil {
			return "no escript (apt-get install erlang-base)"
		}
		if name == "erlang-tls" && !erlangSSL() {
			return "no Erlang ssl application (apt-get install erlang-ssl)"
		}
	case name == "cecho":
		if _, err := os.Stat(filepath.Join(o.bin, "cecho")); err != nil {
			return "no " + filepath.Join(o.bin, "cecho") + " (run.sh builds it with cc -O2 from test/bench/peers/cecho/cecho.c when there is a C compiler)"
		}
	}
	return ""
}

// erlangSSL reports whether Erlang's ssl application starts.
func erlangSSL() bool {
	out, err := exec.Command("erl", "-noshell", "-eval",
		`io:format("~p", [element(1, application:ensure_all_started(ssl))]), halt().`).Output()
	return err == nil && strings.TrimSpace(string(out)) == "ok"
}

// serverList builds the commands of the servers o names, framing with
// o.packet.
func (o *opts) serverList() []*server {
	var out []*server
	for _, name := range o.servers {
		out = append(out, o.server(name, o.packet))
	}
	return out
}

// server builds the command of server name, framing with packet.
func (o *opts) server(name, packet string) *server {
	addr := []string{"-addr", "127.0.0.1:0"}
	tlsFlags := []string{"-tls-cert", o.tlsCert, "-tls-key", o.tlsKey}
	otpnet := strings.Fields(o.otpnet)
	n := strconv.Itoa(o.activeN)
	otp := func(active string) []string {
		return append(append(append([]string{}, otpnet...), addr...),
			"-packet", packet, "-active", active, "-acceptors", "10", "-max-conns", "20000", "-drain", "5s")
	}
	erl := func(active string) []string {
		return append([]string{"escript", o.erlecho}, append(addr, "-packet", packet, "-active", active)...)
	}
	stdecho := append([]string{filepath.Join(o.bin, "stdecho")}, addr...)
	switch name {
	case "stdlib":
		return &server{name: name, lang: "go", argv: stdecho}
	case "gnet":
		return &server{name: name, lang: "go", argv: append([]string{filepath.Join(o.bin, "gnetecho")}, addr...)}
	case "cecho":
		// One thread on epoll: the physical limit of an echo on this
		// machine. Its byte echo serves every framing.
		return &server{name: name, lang: "c", argv: append([]string{filepath.Join(o.bin, "cecho")}, addr...)}
	case "erlang-once":
		return &server{name: name, lang: "erlang", argv: erl("once")}
	case "erlang-n":
		return &server{name: name, lang: "erlang", argv: erl(n)}
	case "otpnet-once":
		return &server{name: name, lang: "go", argv: otp("once")}
	case "otpnet-n":
		return &server{name: name, lang: "go", argv: otp(n)}
	case "otpnet-true":
		return &server{name: name, lang: "go", argv: otp("true")}
	case "otpnet-portable":
		// otpnet-once on the driver's portable backend (Go's netpoller and
		// a goroutine per waiting socket), which serves where epoll is not.
		return &server{name: name, lang: "go", argv: append([]string{"env", "OTPNET_DRIVER=portable"}, otp("once")...)}
	case "stdlib-tls":
		return &server{name: name, lang: "go", tls: true, argv: append(stdecho, tlsFlags...)}
	case "erlang-tls":
		return &server{name: name, lang: "erlang", tls: true, argv: append(erl("once"), tlsFlags...)}
	case "otpnet-tls":
		return &server{name: name, lang: "go", tls: true, argv: append(otp("once"), tlsFlags...)}
	}
	panic("matrix: no server " + name) // parse checked the names
}

// record is one result line.
type record struct {
	Server  string              `json:"server"`
	Cmd     []string            `json:"cmd"`
	Loop    string              `json:"loop"` // closed, open, idle or big
	Load    *loadgen.Result     `json:"load,omitempty"`
	Idle    *loadgen.IdleResult `json:"idle,omitempty"`
	Big     *loadgen.BigResult  `json:"big,omitempty"`
	MiB     int                 `json:"mib,omitempty"` // a big cell's message size
	Tasks   *tasks              `json:"tasks,omitempty"`
	Dropped []string            `json:"dropped,omitempty"`
	Error   string              `json:"error,omitempty"`
}

// tasks counts a server's goroutines (Go) or processes (Erlang) with no
// connection and with the idle run's last step of connections.
type tasks struct {
	Unit     string  `json:"unit"` // goroutines or processes
	Baseline int     `json:"baseline"`
	Conns    int     `json:"conns"`
	AtConns  int     `json:"at_conns"`
	PerConn  float64 `json:"per_conn"`
	Error    string  `json:"error,omitempty"`
}

// cell is one closed- or open-loop measurement.
type cell struct {
	conns, size, depth, rate int
}

func (o *opts) cells() []cell {
	var cs []cell
	for _, size := range o.sizes {
		for _, depth := range o.depths {
			for _, c := range o.conns {
				cs = append(cs, cell{conns: c, size: size, depth: depth})
			}
		}
	}
	for _, r := range o.rates {
		cs = append(cs, cell{conns: o.openConns, size: o.openSize, depth: 1, rate: r})
	}
	return cs
}

func run(ctx context.Context, o *opts) error {
	logs := o.logs
	if logs == "" {
		dir, err := os.MkdirTemp("", "otpnet-matrix-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		logs = dir
	} else if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	for _, p := range []string{o.results, o.report} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	out, err := os.Create(o.results)
	if err != nil {
		return err
	}
	defer out.Close()
	enc := json.NewEncoder(out)

	m := machine(o)
	if err := enc.Encode(map[string]any{"meta": m}); err != nil {
		return err
	}
	if slices.ContainsFunc(o.servers, func(name string) bool { return strings.HasSuffix(name, "-tls") }) {
		dir, err := os.MkdirTemp("", "otpnet-matrix-tls-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		pki, err := testkit.MakePKI(dir, false)
		if err != nil {
			return fmt.Errorf("the TLS servers' certificate: %w", err)
		}
		o.tlsDir, o.tlsCert, o.tlsKey = dir, pki.ServerCert, pki.ServerKey
	}
	servers := o.serverList()
	cells := o.cells()
	perServer := func(s *server) int {
		k := len(cells)
		if len(o.idle) > 0 {
			k++
		}
		if !s.tls {
			k += len(o.bigSizes)
		}
		return k
	}
	total := 0
	for _, s := range servers {
		total += perServer(s)
	}
	var recs []record
	n := 0
	began := time.Now()
	emit := func(r record, summary string) error {
		n++
		fmt.Fprintf(os.Stderr, "matrix: [%d/%d %v] %s %s\n", n, total, time.Since(began).Round(time.Second), r.Server, summary)
		recs = append(recs, r)
		return enc.Encode(r)
	}

	seen := map[string]string{} // command → server that ran it
	for _, s := range servers {
		if ctx.Err() != nil {
			break
		}
		// Resolve the command first: flags an older binary rejects are
		// dropped, and a server that becomes another's twin is skipped.
		if err := resolve(ctx, s, o.pin, filepath.Join(logs, s.name+"-probe.log")); err != nil {
			r := record{Server: s.name, Cmd: s.argv, Loop: "closed", Error: err.Error()}
			if err := emit(r, "failed to start: "+firstLine(err.Error())); err != nil {
				return err
			}
			n += perServer(s) - 1
			continue
		}
		key := strings.Join(s.argv, "\x00")
		if twin, ok := seen[key]; ok {
			s.sameAs = twin
			fmt.Fprintf(os.Stderr, "matrix: %s runs the same command as %s (rejected %s): skipped\n", s.name, twin, strings.Join(s.dropped, " "))
			n += perServer(s)
			recs = append(recs, record{Server: s.name, Cmd: s.argv, Loop: "skipped", Dropped: s.dropped, Error: "same command as " + twin})
			continue
		}
		seen[key] = s.name

		for i, c := range cells {
			if ctx.Err() != nil {
				break
			}
			r := measure(ctx, o, s, c, filepath.Join(logs, fmt.Sprintf("%s-%d.log", s.name, i)))
			if err := emit(r, summarize(r)); err != nil {
				return err
			}
		}
		if len(o.idle) > 0 && ctx.Err() == nil {
			r := idleRun(ctx, o, s, logs)
			if err := emit(r, summarize(r)); err != nil {
				return err
			}
		}
		if err := bigRuns(ctx, o, s, logs, emit); err != nil {
			return err
		}
	}
	end := snapshot()
	m.End = &end
	m.Elapsed = time.Since(began).Round(time.Second).String()
	m.Interrupted = ctx.Err() != nil
	if err := writeReport(o, m, servers, recs); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "matrix: wrote %s and %s in %v\n", o.results, o.report, time.Since(began).Round(time.Second))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// resolve starts s once, dropping flags it rejects, and stops it. A TLS
// server that rejects its certificate would serve plain TCP: an error.
func resolve(ctx context.Context, s *server, pin bool, log string) error {
	p, err := start(ctx, s, pin, log)
	if err != nil {
		return err
	}
	p.stop(10 * time.Second)
	if s.tls && slices.Contains(s.dropped, "-tls-cert") {
		return fmt.Errorf("%s: rejects -tls-cert: it serves no TLS", s.name)
	}
	return nil
}

// bigRuns measures s, unless it is a TLS server, with one big {packet, 4}
// message at a time of each of o.bigSizes, a fresh server for each so
// that its peak RSS is that size's.
func bigRuns(ctx context.Context, o *opts, s *server, logs string, emit func(record, string) error) error {
	if s.tls || len(o.bigSizes) == 0 || ctx.Err() != nil {
		return nil
	}
	b := s
	if o.packet != "4" {
		b = o.server(s.name, "4")
		if err := resolve(ctx, b, o.pin, filepath.Join(logs, s.name+"-big-probe.log")); err != nil {
			for _, m := range o.bigSizes {
				if err := emit(record{Server: s.name, Cmd: b.argv, Loop: "big", MiB: m, Error: err.Error()}, "big FAILED: "+firstLine(err.Error())); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, m := range o.bigSizes {
		if ctx.Err() != nil {
			return nil
		}
		r := measureBig(ctx, o, b, m, filepath.Join(logs, fmt.Sprintf("%s-big-%d.log", s.name, m)))
		if err := emit(r, summarize(r)); err != nil {
			return err
		}
	}
	return nil
}

// measureBig runs test/bench/bigpkt's echo of mib-MiB messages against a
// fresh server.
func measureBig(ctx context.Context, o *opts, s *server, mib int, log string) record {
	r := record{Server: s.name, Cmd: s.argv, Loop: "big", MiB: mib, Dropped: s.dropped}
	against(ctx, o, s, log, &r, func(p *proc) error {
		args := []string{
			"-addr", p.addr, "-pid", strconv.Itoa(p.pid()), "echo",
			"-sizes", strconv.Itoa(mib), "-n", "3", "-duration", o.duration.String(), "-json",
		}
		// At 10 MiB/s, far below any server, a round trip of 64 MiB takes 13s.
		limit := o.duration + 45*time.Second + time.Duration(4*mib)*time.Second/10
		r.Big = &loadgen.BigResult{}
		if err := tool(ctx, o, "bigpkt", args, limit, r.Big, nil); err != nil {
			r.Big = nil
			return err
		}
		return nil
	})
	return r
}

// measure runs one closed- or open-loop cell against a fresh server.
func measure(ctx context.Context, o *opts, s *server, c cell, log string) record {
	r := record{Server: s.name, Cmd: s.argv, Loop: "closed", Dropped: s.dropped}
	if c.rate > 0 {
		r.Loop = "open"
	}
	against(ctx, o, s, log, &r, func(p *proc) error {
		args := []string{
			"-addr", p.addr, "-pid", strconv.Itoa(p.pid()),
			"-conns", strconv.Itoa(c.conns), "-size", strconv.Itoa(c.size), "-depth", strconv.Itoa(c.depth),
			"-packet", o.packet, "-warmup", o.warmup.String(), "-duration", o.duration.String(),
		}
		if s.tls {
			args = append(args, "-tls")
		}
		if c.rate > 0 {
			args = append(args, "-rate", strconv.Itoa(c.rate))
		}
		limit := o.warmup + o.duration + 45*time.Second + time.Duration(c.conns)*2*time.Millisecond
		r.Load = &loadgen.Result{}
		if err := load(ctx, o, args, limit, r.Load, nil); err != nil {
			r.Load = nil
			return err
		}
		return nil
	})
	return r
}

// against starts a fresh s, runs client against it and stops it; r gets
// the error of the start or the client, or notes that the server exited
// during the run.
func against(ctx context.Context, o *opts, s *server, log string, r *record, client func(*proc) error) {
	p, err := start(ctx, s, o.pin, log)
	if err != nil {
		r.Error = err.Error()
		return
	}
	defer p.stop(10 * time.Second)
	if err := client(p); err != nil {
		r.Error = err.Error()
		return
	}
	select {
	case <-p.done:
		r.Error = "server exited during the run:\n" + logTail(p.log)
	default:
	}
}

// idleRun measures memory against idle connections, and the goroutines or
// processes per connection at the last step (a C server has neither).
func idleRun(ctx context.Context, o *opts, s *server, logs string) record {
	r := record{Server: s.name, Cmd: s.argv, Loop: "idle", Dropped: s.dropped}
	last := o.idle[len(o.idle)-1]
	tk := &tasks{Unit: "goroutines", Conns: last}
	if s.lang == "erlang" {
		tk.Unit = "processes"
	}
	count := func(p *proc) (int, error) {
		if s.lang == "erlang" {
			return p.countProcesses()
		}
		return p.countGoroutines() // ends the server
	}

	// A Go server's goroutines are counted from a SIGQUIT dump, which ends
	// it: the baseline takes an instance of its own.
	if s.lang == "go" {
		p, err := start(ctx, s, o.pin, filepath.Join(logs, s.name+"-idle-base.log"))
		if err != nil {
			r.Error = err.Error()
			return r
		}
		time.Sleep(200 * time.Millisecond)
		tk.Baseline, err = count(p)
		p.stop(time.Second)
		if err != nil {
			tk.Error = "baseline: " + err.Error()
		}
	}
	p, err := start(ctx, s, o.pin, filepath.Join(logs, s.name+"-idle.log"))
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer p.stop(10 * time.Second)
	if s.lang == "erlang" {
		if tk.Baseline, err = count(p); err != nil {
			tk.Error = "baseline: " + err.Error()
		}
	}
	args := []string{
		"-addr", p.addr, "-pid", strconv.Itoa(p.pid()), "-packet", o.packet,
		"-idle", joinInts(o.idle), "-settle", o.settle.String(),
	}
	if s.tls {
		args = append(args, "-tls")
	}
	limit := time.Duration(len(o.idle))*(o.settle+45*time.Second) + time.Duration(last)*2*time.Millisecond + 3*time.Minute
	var res loadgen.IdleResult
	if s.lang == "c" {
		if err := load(ctx, o, args, limit, &res, nil); err != nil {
			r.Error = err.Error()
			return r
		}
		r.Idle = &res
		return r
	}
	args = append(args, "-hold", "-hold-timeout", "2m")
	hold := func() {
		n, err := count(p)
		switch {
		case err != nil:
			tk.Error = err.Error()
		default:
			tk.AtConns = n
			tk.PerConn = float64(n-tk.Baseline) / float64(last)
		}
	}
	if err := load(ctx, o, args, limit, &res, hold); err != nil {
		r.Error = err.Error()
		return r
	}
	r.Idle = &res
	r.Tasks = tk
	return r
}

// load runs the load generator with args (plus -json -q), pinned to CPU 1,
// and decodes its result into v. If hold is not nil it is called when the
// load generator says it is holding its connections, which it then
// releases.
func load(ctx context.Context, o *opts, args []string, limit time.Duration, v any, hold func()) error {
	return tool(ctx, o, "load", append(args, "-json", "-q"), limit, v, hold)
}

// tool runs the client $BIN/name with args, pinned to CPU 1, and decodes
// the last line it prints into v; hold is as in load.
func tool(ctx context.Context, o *opts, name string, args []string, limit time.Duration, v any, hold func()) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	argv := append([]string{filepath.Join(o.bin, name)}, args...)
	if o.pin {
		argv = append([]string{"taskset", "-c", "1"}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 15 * time.Second
	cmd.SysProcAttr = dieWithParent(&syscall.SysProcAttr{})
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var last string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "holding ") && hold != nil {
			hold()
			stdin.Close()
			continue
		}
		last = line
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal([]byte(last), v); err != nil {
		return fmt.Errorf("%s printed %q: %w", name, last, err)
	}
	return nil
}

// summarize is a record's progress line.
func summarize(r record) string {
	switch {
	case r.Error != "" && r.Load == nil && r.Idle == nil && r.Big == nil:
		return r.Loop + " FAILED: " + firstLine(r.Error)
	case r.Load != nil:
		l := r.Load
		s := fmt.Sprintf("%s c=%d size=%d depth=%d", r.Loop, l.Conns, l.Size, l.Depth)
		if l.Rate > 0 {
			s = fmt.Sprintf("%s c=%d size=%d rate=%.0f", r.Loop, l.Conns, l.Size, l.Rate)
		}
		s += fmt.Sprintf(": %.0f msgs/s, p50 %.0fµs p99 %.0fµs", l.MsgsPerSec, l.Latency.P50, l.Latency.P99)
		if l.Server != nil {
			s += fmt.Sprintf(", server %.2fµs/msg", l.Server.CPUPerMsg)
		}
		s += fmt.Sprintf(", client %.2fµs/msg, errors %d", l.ClientCPUPerMsg, l.Errors)
		if r.Error != "" {
			s += " (" + firstLine(r.Error) + ")"
		}
		return s
	case r.Big != nil:
		b := r.Big
		s := fmt.Sprintf("big %d MiB: %.0f MiB/s, %.1f ms a round trip", b.Size>>20, b.MiBPerSec, b.RoundTrip)
		if b.Server != nil {
			s += fmt.Sprintf(", server peak RSS %s", mib(b.Server.PeakRSS))
		}
		if r.Error != "" {
			s += " (" + firstLine(r.Error) + ")"
		}
		return s
	case r.Idle != nil:
		s := fmt.Sprintf("idle: %.0f B/conn", r.Idle.BytesPerConn)
		if t := r.Tasks; t != nil && t.Error == "" {
			s += fmt.Sprintf(", %.2f %s/conn", t.PerConn, t.Unit)
		}
		return s + fmt.Sprintf(", errors %d", r.Idle.Errors)
	}
	return r.Loop
}

func logTail(path string) string {
	b, _ := os.ReadFile(path)
	return tail(b, 800)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func split(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range split(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		if n < 1 {
			return nil, fmt.Errorf("%d: want 1 or more", n)
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
