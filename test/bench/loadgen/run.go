package loadgen

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// Run dials cfg.Conns connections to the echo server at cfg.Addr, drives
// them in the closed or open loop for cfg.Warmup and then cfg.Duration,
// waits for the echoes in flight, closes every connection and returns what
// it measured. Failures of single connections are counted in the Result;
// Run returns an error only when no measurement could be made (bad
// configuration, no connection, ctx done).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if procs := runtime.GOMAXPROCS(0); cfg.Rate > 0 && procs < 2 {
		// The pacer blocks in read(2) on its timerfd, the poller in
		// epoll_wait(2): with one P, each would wait for the runtime to
		// take the P back from the other's system call.
		if cfg.Pollers == 0 {
			cfg.Pollers = procs
		}
		runtime.GOMAXPROCS(2)
		defer runtime.GOMAXPROCS(procs)
	}
	g, err := newGen(cfg)
	if err != nil {
		return nil, err
	}
	defer g.stop()
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "loadgen: "+format+"\n", args...)
		}
	}

	all := make([]*conn, cfg.Conns)
	t := time.Now()
	if err := g.connect(ctx, all, 0, cfg.Conns); err != nil {
		g.setPhase(phaseDone)
		return nil, err
	}
	conns := live(all)
	logf("%d of %d connections up in %v", len(conns), cfg.Conns, time.Since(t).Round(time.Millisecond))
	if len(conns) == 0 {
		_, kinds := g.errors()
		g.setPhase(phaseDone)
		return nil, fmt.Errorf("loadgen: no connection to %s: %w", cfg.Addr, errSummary(kinds))
	}

	g.setPhase(phaseWarmup)
	stop := make(chan struct{})
	var pacer sync.WaitGroup
	if g.open {
		pacer.Go(func() { g.pace(conns, stop) })
	} else {
		now := g.now()
		for _, c := range conns {
			c.mu.Lock()
			c.sendLocked(cfg.Depth, now, 0)
			c.mu.Unlock()
		}
	}
	stopPacer := sync.OnceFunc(func() { close(stop); pacer.Wait() })
	defer stopPacer()

	if err := sleep(ctx, cfg.Warmup); err != nil {
		g.setPhase(phaseDone)
		return nil, err
	}
	srv0, srvErr := g.server()
	cli0, _ := ReadProc(os.Getpid())
	g.setPhase(phaseMeasure)
	t0 := g.now()
	logf("warmed up; measuring %v", cfg.Duration)
	if err := sleep(ctx, cfg.Duration); err != nil {
		g.setPhase(phaseDone)
		return nil, err
	}
	g.setPhase(phaseDrain)
	t1 := g.now()
	srv1, srvErr1 := g.server()
	cli1, _ := ReadProc(os.Getpid())
	stopPacer()

	// Wait for the echoes in flight: bounded by cfg.Drain.
	drainEnd := time.Now().Add(cfg.Drain)
	for g.outstanding.Load() > 0 && time.Now().Before(drainEnd) && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
	if n := g.outstanding.Load(); n > 0 {
		g.errMu.Lock()
		g.errs[fmt.Sprintf("no echo within %v of the end", cfg.Drain)] += n
		g.nerrs += n
		g.errMu.Unlock()
	}
	g.setPhase(phaseDone)

	r := &Result{
		Loop:     "closed",
		Addr:     cfg.Addr,
		Conns:    cfg.Conns,
		Live:     len(conns),
		Depth:    cfg.Depth,
		Size:     cfg.Size,
		Framing:  cfg.Framing.String(),
		Rate:     cfg.Rate,
		Seconds:  float64(t1-t0) / 1e9,
		Msgs:     g.window.Load(),
		Sent:     g.sent.Load(),
		Received: g.received.Load(),
		Overload: g.overload.Load(),
	}
	if g.open {
		r.Loop = "open"
		r.Depth = 0
	}
	r.MsgsPerSec = float64(r.Msgs) / r.Seconds
	g.histMu.Lock()
	h := g.hist
	r.Latency = Latency{
		P50:  us(h.ValueAtQuantile(50)),
		P99:  us(h.ValueAtQuantile(99)),
		P999: us(h.ValueAtQuantile(99.9)),
		Max:  us(h.Max()),
		Mean: h.Mean() / 1e3,
	}
	g.histMu.Unlock()
	r.ClientCPUUtil = float64(cli1.CPU-cli0.CPU) / float64(t1-t0)
	if r.Msgs > 0 {
		r.ClientCPUPerMsg = float64(cli1.CPU-cli0.CPU) / 1e3 / float64(r.Msgs)
	}
	switch {
	case cfg.ServerPID == 0:
	case srvErr != nil || srvErr1 != nil:
		g.errMu.Lock()
		g.errs["server gone: cannot read its /proc"]++
		g.nerrs++
		g.errMu.Unlock()
	default:
		s := &ServerStats{PID: cfg.ServerPID, RSS: srv1.RSS, Threads: srv1.Threads}
		cpu := srv1.CPU - srv0.CPU
		s.CPUUtil = float64(cpu) / float64(t1-t0)
		if r.Msgs > 0 {
			s.CPUPerMsg = float64(cpu) / 1e3 / float64(r.Msgs)
		}
		r.Server = s
	}
	r.Errors, r.ErrorKinds = g.errors()
	return r, nil
}

// server samples the server process, if one was named.
func (g *gen) server() (Sample, error) {
	if g.cfg.ServerPID == 0 {
		return Sample{}, nil
	}
	return ReadProc(g.cfg.ServerPID)
}

// us converts nanoseconds to microseconds.
func us(ns int64) float64 { return float64(ns) / 1e3 }

// pace is the open loop: message i of the run is due at start+i/Rate on
// connection i mod len(conns). It wakes every period (1/Rate, kept between
// 50µs and 1ms) and sends what has fallen due, each message stamped with
// the time it was due, until stop closes.
func (g *gen) pace(conns []*conn, stop <-chan struct{}) {
	rate := g.cfg.Rate
	n := int64(len(conns))
	period := min(max(time.Duration(1e9/rate), 50*time.Microsecond), time.Millisecond)
	wait, done := ticker(period)
	defer done()
	start := g.now()
	step := int64(float64(n) * 1e9 / rate) // between one connection's messages
	var next int64                         // index of the next message due
	for {
		select {
		case <-stop:
			return
		default:
		}
		wait()
		due := int64(float64(g.now()-start)*rate/1e9) + 1 - next
		if due <= 0 {
			continue
		}
		for j := range min(due, n) {
			i := next + j
			k := due / n
			if j < due%n {
				k++
			}
			c := conns[i%n]
			c.mu.Lock()
			if room := int64(g.cfg.MaxOutstanding - c.ts.len()); k > room {
				g.overload.Add(k - max(room, 0))
				k = max(room, 0)
			}
			c.sendLocked(int(k), start+int64(float64(i)*1e9/rate), step)
			c.mu.Unlock()
		}
		next += due
	}
}
