package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/unix"
)

// The phases of a run, in order.
const (
	phaseDial    int32 = iota // dialling; each connection sends one message
	phaseWarmup               // traffic, not measured
	phaseMeasure              // traffic, measured
	phaseDrain                // no new messages; waiting for echoes in flight
	phaseDone                 // closing; errors no longer count
)

// maxLatency is the largest latency the histogram holds; longer ones are
// recorded as this.
const maxLatency = int64(time.Minute)

// gen is the state a run's connections share.
type gen struct {
	cfg   Config
	pool  *driver.Pool
	frame []byte // one message
	burst []byte // frames back to back, for writing several at once
	open  bool   // open loop
	base  time.Time
	phase atomic.Int32

	sent        atomic.Int64 // messages written, whole run
	received    atomic.Int64 // echoes received, whole run
	window      atomic.Int64 // echoes received in the measured window
	outstanding atomic.Int64 // messages in flight
	overload    atomic.Int64 // open loop: messages due but not sent
	settled     atomic.Int64 // connections primed or failed
	tokens      chan struct{}

	histMu sync.Mutex
	hist   *hdrhistogram.Histogram

	errMu  sync.Mutex
	errs   map[string]int64
	nerrs  int64
	closed bool // phaseDone reached: errors are no longer counted

	tlsMu    sync.Mutex
	tlsConns []*conn        // TLS: every connection dialled, for stop
	tlsWG    sync.WaitGroup // TLS: their readers and writers
}

func newGen(cfg Config) (*gen, error) {
	f, err := frame(cfg.Framing, cfg.Size)
	if err != nil {
		return nil, err
	}
	per := max(1, min(max(cfg.Depth, 16), (1<<20)/len(f)))
	g := &gen{
		cfg:    cfg,
		frame:  f,
		burst:  repeat(f, per),
		open:   cfg.Rate > 0,
		base:   time.Now(),
		tokens: make(chan struct{}, cfg.DialConcurrency),
		hist:   hdrhistogram.New(1, maxLatency, 3),
		errs:   make(map[string]int64),
	}
	var opts []driver.Option
	if cfg.Pollers > 0 {
		opts = append(opts, driver.Pollers(cfg.Pollers))
	}
	if g.pool, err = driver.NewPool(opts...); err != nil {
		return nil, err
	}
	return g, nil
}

// stop closes every connection, TLS ones with a close_notify, and waits
// for the pollers and the TLS connections' goroutines to return.
func (g *gen) stop() {
	g.pool.Stop()
	g.tlsMu.Lock()
	conns := g.tlsConns
	g.tlsConns = nil
	g.tlsMu.Unlock()
	for _, c := range conns {
		c.mu.Lock()
		live := !c.dead
		if live {
			c.dead = true
			close(c.wake)
		}
		c.mu.Unlock()
		if live {
			c.tc.Close()
		}
	}
	g.tlsWG.Wait()
}

// dialTLS dials c as a TLS client and completes the handshake by
// deadline, then starts its reader and writer.
func (g *gen) dialTLS(ctx context.Context, c *conn, deadline time.Time) error {
	d := tls.Dialer{NetDialer: &net.Dialer{Deadline: deadline}, Config: g.cfg.TLS}
	nc, err := d.DialContext(ctx, "tcp", g.cfg.Addr)
	if err != nil {
		return err
	}
	c.tc = nc.(*tls.Conn)
	c.wake = make(chan struct{}, 1)
	g.tlsMu.Lock()
	g.tlsConns = append(g.tlsConns, c)
	g.tlsMu.Unlock()
	g.tlsWG.Go(c.readTLS)
	g.tlsWG.Go(c.writeTLS)
	return nil
}

// repeat returns n copies of f back to back.
func repeat(f []byte, n int) []byte {
	b := make([]byte, 0, n*len(f))
	for range n {
		b = append(b, f...)
	}
	return b
}

// now is the generator's clock: monotonic nanoseconds since it started.
func (g *gen) now() int64 { return int64(time.Since(g.base)) }

// record times the k oldest messages of ts against now.
func (g *gen) record(ts *ring, k int, now int64) {
	g.histMu.Lock()
	for range k {
		d := min(max(now-ts.pop(), 1), maxLatency)
		g.hist.RecordValue(d)
	}
	g.histMu.Unlock()
}

// fail counts an error by its reason.
func (g *gen) fail(reason string) {
	g.errMu.Lock()
	if !g.closed {
		g.errs[reason]++
		g.nerrs++
	}
	g.errMu.Unlock()
}

// errors returns the error count and the counts by reason.
func (g *gen) errors() (int64, map[string]int64) {
	g.errMu.Lock()
	defer g.errMu.Unlock()
	if g.nerrs == 0 {
		return 0, nil
	}
	m := make(map[string]int64, len(g.errs))
	for k, v := range g.errs {
		m[k] = v
	}
	return g.nerrs, m
}

// setPhase moves the run to phase p.
func (g *gen) setPhase(p int32) {
	if p == phaseDone {
		g.errMu.Lock()
		g.closed = true
		g.errMu.Unlock()
	}
	g.phase.Store(p)
}

// settle marks a connection primed (or failed before it was) and frees
// its dialling token.
func (g *gen) settle() {
	g.settled.Add(1)
	select {
	case <-g.tokens:
	default:
	}
}

// connect dials conns[from:to], at most DialConcurrency without their
// first echo at once, and returns when each one has echoed its first
// message or failed, or the dial phase's time is up.
func (g *gen) connect(ctx context.Context, conns []*conn, from, to int) error {
	ap, err := netip.ParseAddrPort(g.cfg.Addr)
	if err != nil {
		return err
	}
	var remote unix.Sockaddr
	if ap.Addr().Is4() {
		remote = &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	} else {
		remote = &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
	}
	deadline := time.Now().Add(g.cfg.DialTimeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	want := g.settled.Load() + int64(to-from)

	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range min(g.cfg.DialConcurrency, to-from) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				select {
				case g.tokens <- struct{}{}:
				case <-ctx.Done():
					g.fail("dial: " + ctx.Err().Error())
					g.settled.Add(1)
					continue // count every connection left, then stop
				}
				c := &conn{g: g}
				if g.cfg.TLS != nil {
					if err := g.dialTLS(ctx, c, deadline); err != nil {
						g.fail("dial: " + err.Error())
						g.settle()
						continue
					}
					c.mu.Lock()
					conns[i] = c
					c.sendLocked(1, g.now(), 0)
					c.mu.Unlock()
					continue
				}
				h, err := g.pool.Dial(nil, remote, deadline, nodelay, c)
				if err != nil {
					g.fail("dial: " + err.Error())
					g.settle()
					continue
				}
				c.mu.Lock()
				c.h = h
				conns[i] = c
				c.mu.Unlock()
				if err := g.pool.Resume(h); err != nil {
					c.mu.Lock()
					c.failLocked("resume: " + err.Error())
					c.mu.Unlock()
					continue
				}
				c.mu.Lock()
				c.sendLocked(1, g.now(), 0)
				c.mu.Unlock()
			}
		})
	}
	wg.Wait()
	for g.settled.Load() < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("loadgen: %d of %d connections without a first echo: %w",
				want-g.settled.Load(), to-from, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// nodelay turns Nagle's algorithm off on a client socket, as servers do.
func nodelay(fd int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
}

// live returns the connections that are open.
func live(conns []*conn) []*conn {
	var out []*conn
	for _, c := range conns {
		if c == nil {
			continue
		}
		c.mu.Lock()
		dead := c.dead
		c.mu.Unlock()
		if !dead {
			out = append(out, c)
		}
	}
	return out
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errSummary formats error counts for an error message, most frequent
// first.
func errSummary(m map[string]int64) error {
	type kv struct {
		k string
		v int64
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	var errs []error
	for _, e := range kvs {
		errs = append(errs, fmt.Errorf("%s (%d)", e.k, e.v))
	}
	return errors.Join(errs...)
}
