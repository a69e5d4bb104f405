//go:build unix

package main

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/otpnet/otpnet/test/bench/loadgen"
)

// writeReport writes the Markdown report of the records.
func writeReport(o *opts, m *meta, servers []*server, recs []record) error {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Benchmarks\n\n")
	w("<!-- Written by test/bench/run.sh (test/bench/matrix); run it again rather than editing. -->\n\n")
	switch {
	case m.Interrupted:
		w("**Interrupted run: the tables are incomplete.**\n\n")
	case m.Mode == "quick":
		w("**Quick (smoke-test) run: short cells and a small matrix, for checking the harness; not numbers to compare.**\n\n")
	}
	if l := m.Start.Load; l != "" && loadHigh(l) {
		w("**The machine was busy when this run started (load average %s on %d cores): other work shared the CPUs, so the numbers are low and noisy.**\n\n", l, m.Cores)
	}
	w("Echo servers against one load generator, on one machine over loopback. Run on %s, in %s.\n\n", m.Start.Time, m.Elapsed)
	w("```sh\n%s\n```\n\n", m.Command)
	w("| machine | |\n| --- | --- |\n")
	w("| CPU | %s, %d cores |\n", m.CPU, m.Cores)
	w("| memory | %s |\n", m.Memory)
	w("| kernel | %s |\n", m.Kernel)
	w("| Go | %s |\n", m.Go)
	w("| Erlang | %s |\n", m.OTP)
	w("| gnet | %s |\n", m.Gnet)
	w("| otpnet | %s |\n", m.Commit)
	w("| load average (1, 5, 15 min) | %s at the start, %s at the end |\n", m.Start.Load, m.End.Load)
	if m.Pinned {
		w("| pinning | server on CPU 0, client on CPU 1 (`taskset`) |\n")
	} else {
		w("| pinning | none |\n")
	}
	w("| matrix | %s |\n\n", strings.Join(m.Settings, "; "))

	w("## How it is measured\n\n")
	w("Each cell starts a fresh server and runs the load generator (`test/bench/load`, on otpnet's\n")
	w("epoll driver: no goroutine per connection) against it. **Closed loop**: every connection keeps\n")
	w("*depth* messages of *size* bytes in flight and sends the next one as each echo returns; after\n")
	w("%v of warm-up, %v are measured. **Open loop**: messages go out at a fixed rate round-robin over\n", o.warmup, o.duration)
	w("the connections, and latency runs from each message's scheduled send time, so a stalled server is\n")
	w("charged for every message it delayed. msgs/s counts echoes received in the window; latencies\n")
	w("are HdrHistogram percentiles; every echoed byte is checked, and every message sent must come\n")
	w("back. Server CPU is utime+stime from `/proc/PID/stat` over the window (10 ms ticks), per message;\n")
	w("client CPU likewise (a client near 100%% of its CPU set the pace, not the server); RSS is `VmRSS`\n")
	w("at the end of the window.\n\n")
	w("Servers: **stdlib**, Go's `net` with a goroutine and a 32 KiB buffer per connection\n")
	w("(`test/bench/peers/stdecho`); **gnet**, gnet v2's event loops (`test/bench/peers/gnetecho`);\n")
	w("**cecho**, the physical limit: a few dozen lines of C, one thread on level-triggered epoll that\n")
	w("writes back what it reads (`test/bench/peers/cecho`, `cc -O2`; a byte echo serves every framing);\n")
	w("**erlang-once** / **erlang-n**, `gen_tcp` with a process per connection in `{active, once}` /\n")
	w("`{active, %d}` (`test/bench/peers/erlecho.escript`, `+sbwt none` so that scheduler\n", o.activeN)
	w("busy-waiting is not counted as work, `{nodelay, true}`); **otpnet-once** / **-n** / **-true**,\n")
	w("otpnet's `cmd/echo` in `{active, once}` / `{active, %d}` / `{active, true}`; **otpnet-portable**,\n", o.activeN)
	w("otpnet-once on the driver's portable backend (`OTPNET_DRIVER=portable`), the one off Linux.\n")
	w("TLS (crypto/tls's defaults on both sides, TLS 1.3, an ECDSA P-256 certificate made at the start\n")
	w("of the run in `$TLS`): **stdlib-tls**, stdecho over `crypto/tls`, a goroutine per connection;\n")
	w("**erlang-tls**, erlecho over OTP's `ssl` in `{active, once}`; **otpnet-tls**, `cmd/echo -tls-cert\n")
	w("-tls-key` in `{active, once}`. Against them the load generator is a `crypto/tls` client with a\n")
	w("reader and a writer goroutine per connection (`load -tls`); their ratios are to stdlib-tls, and\n")
	w("their idle connections each finished the handshake and echoed one message.\n")
	if m.Pinned {
		w("Pinned to one CPU, Go servers run with one P (GOMAXPROCS follows the affinity mask) and\n")
		w("Erlang with one scheduler online.\n")
	}
	w("\n")
	w("| server | command (`$BIN`: the binaries run.sh builds) |\n| --- | --- |\n")
	for _, s := range servers {
		w("| %s | `%s`", s.name, md(o.show(s.argv)))
		if len(s.dropped) > 0 {
			w(" (rejected %s", strings.Join(s.dropped, ", "))
			if s.sameAs != "" {
				w(": the same command as %s, which stands for both", s.sameAs)
			}
			w(")")
		}
		w(" |\n")
	}
	w("\n")

	var ran []string
	for _, s := range servers {
		if s.sameAs == "" {
			ran = append(ran, s.name)
		}
	}
	closed := map[string]map[cell]*record{}
	var open, idle, big []*record
	for i := range recs {
		r := &recs[i]
		switch {
		case r.Loop == "closed" && r.Load != nil:
			if closed[r.Server] == nil {
				closed[r.Server] = map[cell]*record{}
			}
			closed[r.Server][cell{conns: r.Load.Conns, size: r.Load.Size, depth: r.Load.Depth}] = r
		case r.Loop == "open":
			open = append(open, r)
		case r.Loop == "idle":
			idle = append(idle, r)
		case r.Loop == "big":
			big = append(big, r)
		}
	}

	if len(o.conns) > 0 {
		w("## Throughput, closed loop\n\n")
		w("msgs/s; in brackets, the ratio to stdlib (to stdlib-tls for a TLS server) in the same cell.\n")
		w("`*` marks a cell with errors")
		w(" (see the details).\n\n")
		w("![msgs/s against connections, one line per server](%s)\n\n", o.plot)
		for _, size := range o.sizes {
			for _, depth := range o.depths {
				w("### %d B, depth %d\n\n", size, depth)
				w("| conns | %s |\n|---:|%s\n", strings.Join(ran, " | "), strings.Repeat("---:|", len(ran)))
				for _, c := range o.conns {
					k := cell{conns: c, size: size, depth: depth}
					w("| %d |", c)
					for _, s := range ran {
						r := closed[s][k]
						if r == nil {
							w(" – |")
							continue
						}
						w(" %s", si(r.Load.MsgsPerSec))
						base := baseline(s)
						if b := closed[base][k]; s != base && b != nil && b.Load.MsgsPerSec > 0 {
							w(" (%.2f×)", r.Load.MsgsPerSec/b.Load.MsgsPerSec)
						}
						if r.Load.Errors > 0 || r.Error != "" {
							w(" *")
						}
						w(" |")
					}
					w("\n")
				}
				w("\n")
			}
		}

		w("## Details, closed loop\n\n")
		w("Latencies in µs. CPU: the process's CPU time over the window's wall time (100%% is one core).\n\n")
		w("| size | depth | conns | server | msgs/s | p50 | p99 | p99.9 | server µs/msg | server CPU | client µs/msg | client CPU | server RSS | threads | errors |\n")
		w("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, size := range o.sizes {
			for _, depth := range o.depths {
				for _, c := range o.conns {
					for _, s := range ran {
						r := closed[s][cell{conns: c, size: size, depth: depth}]
						if r == nil {
							continue
						}
						l := r.Load
						w("| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %.2f | %.0f%% | %s | %s | %d |\n",
							size, depth, c, s, si(l.MsgsPerSec), num(l.Latency.P50), num(l.Latency.P99), num(l.Latency.P999),
							srvCPU(l), srvUtil(l), l.ClientCPUPerMsg, 100*l.ClientCPUUtil, srvRSS(l), srvThreads(l), l.Errors)
					}
				}
			}
		}
		w("\n")

	}

	if len(open) > 0 {
		w("## Open loop\n\n")
		w("Latencies in µs from each message's scheduled send time. *overload*: messages not sent because\n")
		w("a connection already had %d in flight.\n\n", 1024)
		w("| server | conns | size | rate | msgs/s | p50 | p99 | p99.9 | max | server µs/msg | server CPU | overload | errors |\n")
		w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range open {
			if l := r.Load; l != nil {
				w("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |\n",
					r.Server, l.Conns, l.Size, si(l.Rate), si(l.MsgsPerSec), num(l.Latency.P50), num(l.Latency.P99),
					num(l.Latency.P999), num(l.Latency.Max), srvCPU(l), srvUtil(l), l.Overload, l.Errors)
			}
		}
		w("\n")
	}

	if len(idle) > 0 {
		w("## Idle connections\n\n")
		w("The server's RSS with no connection and after each step of idle connections (each echoed one\n")
		w("%d-byte message, then stayed silent; %v settling before each sample), held by a client in\n", 64, o.settle)
		w("another process. *B/conn* is the least-squares slope of RSS over the steps. Goroutines of a Go\n")
		w("server are counted from the stack dump SIGQUIT makes it write (nothing else shows them from\n")
		w("outside), at no connection (in a separate instance) and at the last step; Erlang's processes\n")
		w("from `erlang:system_info(process_count)`.\n\n")
		w("| server | no conns |")
		for _, n := range o.idle {
			w(" %d conns |", n)
		}
		w(" B/conn | threads | goroutines or processes | per conn |\n|---|---:|%s---:|---:|---|---:|\n", strings.Repeat("---:|", len(o.idle)))
		for _, r := range idle {
			if r.Idle == nil {
				w("| %s | failed: %s |\n", r.Server, md(firstLine(r.Error)))
				continue
			}
			w("| %s | %s |", r.Server, mib(r.Idle.Baseline.RSS))
			threads := 0
			for i := range o.idle {
				if i >= len(r.Idle.Steps) {
					w(" – |")
					continue
				}
				st := r.Idle.Steps[i]
				w(" %s |", mib(st.RSS))
				threads = st.Threads
			}
			w(" %.0f | %d |", r.Idle.BytesPerConn, threads)
			if t := r.Tasks; t != nil && t.Error == "" {
				w(" %d %s → %d at %d conns | %.2f |\n", t.Baseline, t.Unit, t.AtConns, t.Conns, t.PerConn)
			} else if t != nil {
				w(" %s | – |\n", md(t.Error))
			} else {
				w(" – | – |\n")
			}
		}
		w("\n")
	}

	if len(big) > 0 {
		writeBig(w, o, ran, big)
	}

	var notes []string
	for _, r := range recs {
		var what string
		switch {
		case r.Loop == "skipped":
			continue
		case r.Load != nil && r.Load.Errors > 0:
			what = fmt.Sprintf("%s, %d conns, %d B, depth %d: %s", r.Loop, r.Load.Conns, r.Load.Size, r.Load.Depth, kinds(r.Load.ErrorKinds))
		case r.Idle != nil && r.Idle.Errors > 0:
			what = "idle: " + kinds(r.Idle.ErrorKinds)
		}
		if r.Loop == "big" && r.Error != "" {
			what = fmt.Sprintf("%d MiB", r.MiB)
		}
		if r.Error != "" {
			what = strings.TrimSpace(what + " " + r.Loop + ": " + firstLine(r.Error))
		}
		if what != "" {
			notes = append(notes, fmt.Sprintf("- **%s** %s", r.Server, md(what)))
		}
	}
	if len(notes) > 0 {
		w("## Errors\n\n%s\n\n", strings.Join(notes, "\n"))
	}
	w("Raw results, one JSON object per cell: `%s`.\n", o.results)
	return os.WriteFile(o.report, []byte(b.String()), 0o644)
}

// writeBig writes the big-packet section: one table of MiB/s, sizes
// against servers, and one row per cell with the server's memory and CPU.
func writeBig(w func(string, ...any), o *opts, ran []string, big []*record) {
	w("## Big packets\n\n")
	w("One connection sends one `{packet, 4}` message at a time and waits for its whole echo\n")
	w("(`test/bench/bigpkt echo`): one round trip untimed, then as many as %v takes, at least 3; every\n", o.duration)
	w("echoed byte is checked. MiB/s counts the payload once. Each cell starts a fresh server (with\n")
	w("`-packet 4`; stdlib, gnet and cecho echo bytes, which is the same): *peak RSS* is the server's\n")
	w("`VmHWM` after the last round trip, *before* its `VmRSS` with the connection open and nothing sent.\n")
	w("Server CPU is per MiB echoed in the timed round trips. TLS servers have no big cells.\n\n")
	cells := map[string]map[int]*record{}
	for _, r := range big {
		if cells[r.Server] == nil {
			cells[r.Server] = map[int]*record{}
		}
		cells[r.Server][r.MiB] = r
	}
	servers := slices.DeleteFunc(slices.Clone(ran), func(s string) bool { return cells[s] == nil })
	w("| MiB | %s |\n|---:|%s\n", strings.Join(servers, " | "), strings.Repeat("---:|", len(servers)))
	for _, m := range o.bigSizes {
		w("| %d |", m)
		for _, s := range servers {
			if r := cells[s][m]; r != nil && r.Big != nil {
				w(" %.0f MiB/s", r.Big.MiBPerSec)
				if r.Error != "" {
					w(" *")
				}
				w(" |")
			} else {
				w(" – |")
			}
		}
		w("\n")
	}
	w("\n| MiB | server | MiB/s | round trip | round trips | server ms CPU/MiB | RSS before | peak RSS |\n")
	w("|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range o.bigSizes {
		for _, s := range servers {
			r := cells[s][m]
			if r == nil || r.Big == nil {
				continue
			}
			b := r.Big
			before, peak, cpu := "–", "–", "–"
			if b.Server != nil {
				before, peak, cpu = mib(b.Server.RSSBefore), mib(b.Server.PeakRSS), fmt.Sprintf("%.2f", b.Server.CPUPerMiB)
			}
			w("| %d | %s | %.0f | %.1f ms | %d | %s | %s | %s |\n", m, s, b.MiBPerSec, b.RoundTrip, b.Rounds, cpu, before, peak)
		}
	}
	w("\n")
}

// baseline is the server a server's throughput is compared with.
func baseline(server string) string {
	if strings.HasSuffix(server, "-tls") {
		return "stdlib-tls"
	}
	return "stdlib"
}

// show is argv as the report prints it: the binaries' temporary directory
// is $BIN, the TLS certificate's $TLS.
func (o *opts) show(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if rest, ok := strings.CutPrefix(a, o.bin+"/"); ok {
			a = "$BIN/" + rest
		}
		if rest, ok := strings.CutPrefix(a, o.tlsDir+"/"); ok && o.tlsDir != "" {
			a = "$TLS/" + rest
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// si formats a rate: 950, 12.3k, 1.23M.
func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// num formats a latency in µs with three significant digits or so.
func num(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func srvCPU(l *loadgen.Result) string {
	if l.Server == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", l.Server.CPUPerMsg)
}

func srvUtil(l *loadgen.Result) string {
	if l.Server == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*l.Server.CPUUtil)
}

func srvRSS(l *loadgen.Result) string {
	if l.Server == nil {
		return "–"
	}
	return mib(l.Server.RSS)
}

func srvThreads(l *loadgen.Result) string {
	if l.Server == nil {
		return "–"
	}
	return fmt.Sprint(l.Server.Threads)
}

// kinds formats error counts, most frequent first.
func kinds(m map[string]int64) string {
	type kv struct {
		k string
		v int64
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v || kvs[i].v == kvs[j].v && kvs[i].k < kvs[j].k })
	var parts []string
	for _, e := range kvs {
		parts = append(parts, fmt.Sprintf("%s ×%d", e.k, e.v))
	}
	return strings.Join(parts, "; ")
}

// md keeps text from breaking a table row.
func md(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// loadHigh reports whether a 1-minute load average is above 1.5: on two
// cores, other work then takes much of the CPUs the benchmark pins.
func loadHigh(avg string) bool {
	f := strings.Fields(avg)
	if len(f) == 0 {
		return false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return err == nil && v > 1.5
}
