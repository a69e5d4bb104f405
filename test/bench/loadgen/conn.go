package loadgen

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"sync"

	"github.com/otpnet/otpnet/driver"
)

// conn is one client connection: the driver.Handler that counts echoed
// frames, times them and, in the closed loop, sends the next ones.
//
// Its fields are guarded by mu: the poller runs the handler methods, and
// the dialling goroutine, Run's goroutine and the open loop's pacer send.
type conn struct {
	g       *gen
	mu      sync.Mutex
	h       driver.Handle
	tc      *tls.Conn     // TLS: the connection, instead of h
	wake    chan struct{} // TLS: pending has frames for the writer; closed when dead
	pending int           // TLS: frames sendLocked left to the writer
	ts      ring          // send times of the messages in flight, oldest first
	off     int           // bytes of the next echoed frame already received
	primed  bool          // the first echo came back, or the connection failed first
	dead    bool          // closed by the client after an error
}

// OnRead counts whole frames in b, records their latency during the
// measured window and, in the closed loop, sends as many new ones.
func (c *conn) OnRead(b []byte) bool {
	g := c.g
	now := g.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return false
	}
	if !c.check(b) {
		c.failLocked("corrupt echo")
		return false
	}
	total := c.off + len(b)
	k := total / len(g.frame)
	c.off = total % len(g.frame)
	if k == 0 {
		return true
	}
	if k > c.ts.len() {
		c.failLocked("echo of a message never sent")
		return false
	}
	phase := g.phase.Load()
	if phase == phaseMeasure {
		g.record(&c.ts, k, now)
		g.window.Add(int64(k))
	} else {
		c.ts.drop(k)
	}
	g.received.Add(int64(k))
	g.outstanding.Add(-int64(k))
	if !c.primed {
		c.primed = true
		g.settle()
	}
	if !g.open && (phase == phaseWarmup || phase == phaseMeasure) {
		c.sendLocked(k, now, 0)
	}
	return true
}

// OnEOF is an error: the client closes first, so the server never should.
func (c *conn) OnEOF() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked("eof from server")
}

// OnError records a failed read or flush.
func (c *conn) OnError(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked("read: " + err.Error())
}

// OnFlush needs nothing: the closed loop is paced by echoes, the open loop
// by the clock.
func (c *conn) OnFlush(int) {}

// check reports whether b is the next part of the stream of frames the
// connection sent.
func (c *conn) check(b []byte) bool {
	f := c.g.frame
	off := c.off
	for len(b) > 0 {
		n := min(len(b), len(f)-off)
		if !bytes.Equal(b[:n], f[off:off+n]) {
			return false
		}
		b = b[n:]
		off = (off + n) % len(f)
	}
	return true
}

// sendLocked writes n frames, the i-th stamped t+i*step (nanoseconds on
// the generator's clock). The caller holds the connection's lock.
func (c *conn) sendLocked(n int, t, step int64) {
	if c.dead || n <= 0 {
		return
	}
	g := c.g
	for i := range n {
		c.ts.push(t + int64(i)*step)
	}
	g.sent.Add(int64(n))
	g.outstanding.Add(int64(n))
	if c.tc != nil {
		c.pending += n
		select {
		case c.wake <- struct{}{}:
		default: // the writer has a wake-up coming
		}
		return
	}
	per := len(g.burst) / len(g.frame)
	for n > 0 {
		k := min(n, per)
		if _, err := g.pool.Write(c.h, g.burst[:k*len(g.frame)]); err != nil {
			c.failLocked("write: " + err.Error())
			return
		}
		n -= k
	}
}

// failLocked closes the connection after an error and forgets its
// messages in flight. The caller holds the connection's lock.
func (c *conn) failLocked(reason string) {
	if c.dead {
		return
	}
	c.dead = true
	g := c.g
	if lost := c.ts.len(); lost > 0 {
		c.ts.drop(lost)
		g.outstanding.Add(-int64(lost))
	}
	g.fail(reason)
	if c.h != 0 {
		g.pool.Close(c.h)
	}
	if c.tc != nil {
		close(c.wake)
		c.tc.NetConn().Close() // no close_notify: the connection failed
	}
	if !c.primed {
		c.primed = true
		g.settle()
	}
}

// readTLS is a TLS connection's reader: it hands what it decrypts to
// OnRead, as the driver does, until the connection ends.
func (c *conn) readTLS() {
	buf := make([]byte, 16<<10) // a TLS record's most plaintext
	for {
		n, err := c.tc.Read(buf)
		if n > 0 && !c.OnRead(buf[:n]) {
			return
		}
		switch {
		case errors.Is(err, io.EOF):
			c.OnEOF()
			return
		case err != nil:
			c.OnError(err)
			return
		}
	}
}

// writeTLS is a TLS connection's writer: it writes the frames sendLocked
// left pending, so that a reader that sends never blocks in a write
// while the server waits for it to read.
func (c *conn) writeTLS() {
	g := c.g
	for range c.wake {
		c.mu.Lock()
		n := c.pending
		c.pending = 0
		c.mu.Unlock()
		per := len(g.burst) / len(g.frame)
		for n > 0 {
			k := min(n, per)
			if _, err := c.tc.Write(g.burst[:k*len(g.frame)]); err != nil {
				c.mu.Lock()
				c.failLocked("write: " + err.Error())
				c.mu.Unlock()
				return
			}
			n -= k
		}
	}
}

// ring is a FIFO of timestamps that grows as needed (by powers of two).
type ring struct {
	buf  []int64
	head int
	n    int
}

func (r *ring) len() int { return r.n }

func (r *ring) push(v int64) {
	if r.n == len(r.buf) {
		buf := make([]int64, max(4, 2*len(r.buf)))
		for i := range r.n {
			buf[i] = r.buf[(r.head+i)&(len(r.buf)-1)]
		}
		r.buf, r.head = buf, 0
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

func (r *ring) pop() int64 {
	v := r.buf[r.head]
	r.head = (r.head + 1) & (len(r.buf) - 1)
	r.n--
	return v
}

func (r *ring) drop(k int) {
	if k == 0 {
		return
	}
	r.head = (r.head + k) & (len(r.buf) - 1)
	r.n -= k
}
