package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// IdleConfig describes an idle-memory measurement.
type IdleConfig struct {
	// Addr is the echo server's address (loopback only).
	Addr string
	// ServerPID is the server's process, whose memory is measured.
	ServerPID int
	// Steps are the connection counts to measure at, ascending. The
	// client holds them all at once: the last must fit under this
	// process's open-file limit.
	Steps []int
	// Settle is how long to wait after each step before sampling the
	// server (default 2s), so that it has finished accepting.
	Settle time.Duration
	// Size and Framing make the one message each connection echoes
	// before it goes idle (defaults 64, Raw): it proves the server
	// accepted the connection and set it up.
	Size    int
	Framing Framing
	// DialConcurrency, Pollers and TLS are as in Config.
	DialConcurrency int
	Pollers         int
	TLS             *tls.Config
	// Hold, if not nil, is called after the last step with every
	// connection still open, to measure more (goroutines, processes);
	// errors the connections see from then on are not counted.
	Hold func(ctx context.Context)
	// Log, if not nil, receives a line per step.
	Log io.Writer
}

// IdleResult is the server's memory against idle connections.
type IdleResult struct {
	// Addr is the server's address.
	Addr string `json:"addr"`
	// Baseline is the server before the first connection.
	Baseline IdleStep   `json:"baseline"`
	Steps    []IdleStep `json:"steps"`
	// BytesPerConn is the least-squares slope of RSS over the steps'
	// connection counts (not the baseline): the memory one more idle
	// connection costs.
	BytesPerConn float64 `json:"bytes_per_conn"`
	// Errors counts failed dials and connections, by reason in
	// ErrorKinds, up to the last step.
	Errors     int64            `json:"errors"`
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
}

// IdleStep is the server at one connection count.
type IdleStep struct {
	// Conns is the number of connections open, RSS the server's resident
	// memory in bytes and Threads its OS threads.
	Conns   int   `json:"conns"`
	RSS     int64 `json:"rss_bytes"`
	Threads int   `json:"threads"`
	// BytesPerConn is the RSS growth from the previous step (or the
	// baseline) per connection added.
	BytesPerConn float64 `json:"bytes_per_conn"`
}

// Idle opens cfg.Steps[i] connections to the server at a time, each
// echoing one message and then idle, samples the server's RSS and thread
// count after each step, calls cfg.Hold, and closes them all.
func Idle(ctx context.Context, cfg IdleConfig) (*IdleResult, error) {
	if cfg.ServerPID == 0 {
		return nil, errors.New("loadgen: idle: no server PID")
	}
	if len(cfg.Steps) == 0 || !slices.IsSorted(cfg.Steps) || cfg.Steps[0] < 1 {
		return nil, fmt.Errorf("loadgen: idle steps %v: want ascending counts above 0", cfg.Steps)
	}
	if cfg.Settle == 0 {
		cfg.Settle = 2 * time.Second
	}
	last := cfg.Steps[len(cfg.Steps)-1]
	rc, err := Config{
		Addr:            cfg.Addr,
		Conns:           last,
		Size:            cfg.Size,
		Framing:         cfg.Framing,
		DialConcurrency: cfg.DialConcurrency,
		Pollers:         cfg.Pollers,
		TLS:             cfg.TLS,
	}.withDefaults()
	if err != nil {
		return nil, err
	}
	g, err := newGen(rc)
	if err != nil {
		return nil, err
	}
	defer g.stop()
	defer g.setPhase(phaseDone)

	sample := func(n int) (IdleStep, error) {
		s, err := ReadProc(cfg.ServerPID)
		return IdleStep{Conns: n, RSS: s.RSS, Threads: s.Threads}, err
	}
	r := &IdleResult{Addr: cfg.Addr}
	if r.Baseline, err = sample(0); err != nil {
		return nil, fmt.Errorf("loadgen: server: %w", err)
	}
	conns := make([]*conn, last)
	prev, have := r.Baseline, 0
	for _, n := range cfg.Steps {
		t := time.Now()
		// Each step gets the dial time of its own connections.
		g.cfg.DialTimeout = 30*time.Second + time.Duration(n-have)*2*time.Millisecond
		if err := g.connect(ctx, conns, have, n); err != nil {
			return nil, err
		}
		have = n
		if err := sleep(ctx, cfg.Settle); err != nil {
			return nil, err
		}
		s, err := sample(len(live(conns[:n])))
		if err != nil {
			return nil, fmt.Errorf("loadgen: server: %w", err)
		}
		if d := s.Conns - prev.Conns; d > 0 {
			s.BytesPerConn = float64(s.RSS-prev.RSS) / float64(d)
		}
		r.Steps = append(r.Steps, s)
		prev = s
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "loadgen: idle: %d connections (dialled in %v): server RSS %.1f MiB, %d threads, %+.0f B/conn since the last step\n",
				s.Conns, time.Since(t).Round(time.Millisecond), float64(s.RSS)/(1<<20), s.Threads, s.BytesPerConn)
		}
	}
	r.BytesPerConn = slope(r.Steps)
	r.Errors, r.ErrorKinds = g.errors()
	g.setPhase(phaseDone)
	if cfg.Hold != nil {
		cfg.Hold(ctx)
	}
	return r, nil
}

// slope is the least-squares slope of RSS against connections.
func slope(steps []IdleStep) float64 {
	if len(steps) < 2 {
		if len(steps) == 1 && steps[0].Conns > 0 {
			return steps[0].BytesPerConn
		}
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, s := range steps {
		x, y := float64(s.Conns), float64(s.RSS)
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	n := float64(len(steps))
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
