package loadgen

import (
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Framing is how messages are delimited on the wire: gen_tcp's {packet, T}.
type Framing int

// The framings. The client builds every frame itself, so an echo server
// that knows no framing echoes them all; one that decodes and re-encodes
// them (gen_tcp's {packet, 4}) must give back the same bytes.
const (
	Raw  Framing = iota // {packet, raw}: Size bytes, no header
	One                 // {packet, 1}: a 1-byte length, then Size bytes
	Two                 // {packet, 2}: a 2-byte big-endian length, then Size bytes
	Four                // {packet, 4}: a 4-byte big-endian length, then Size bytes
	Line                // {packet, line}: Size bytes, the last a newline
)

var framingNames = [...]string{Raw: "raw", One: "1", Two: "2", Four: "4", Line: "line"}

// String returns the framing's name as ParseFraming and gen_tcp's
// {packet, T} spell it: raw, 1, 2, 4, line.
func (f Framing) String() string {
	if f < 0 || int(f) >= len(framingNames) {
		return fmt.Sprintf("Framing(%d)", int(f))
	}
	return framingNames[f]
}

// ParseFraming parses raw, 1, 2, 4 or line.
func ParseFraming(s string) (Framing, error) {
	for f, name := range framingNames {
		if s == name {
			return Framing(f), nil
		}
	}
	return 0, fmt.Errorf("loadgen: framing %q: want raw, 1, 2, 4 or line", s)
}

// header returns the length of f's header.
func (f Framing) header() int {
	switch f {
	case One:
		return 1
	case Two:
		return 2
	case Four:
		return 4
	}
	return 0
}

// frame builds one message: the header, if any, and size payload bytes of
// lower-case letters (ending in a newline for Line).
func frame(f Framing, size int) ([]byte, error) {
	limit := map[Framing]int{One: 1<<8 - 1, Two: 1<<16 - 1}[f]
	switch {
	case size < 1:
		return nil, fmt.Errorf("loadgen: message size %d: want at least 1", size)
	case limit > 0 && size > limit:
		return nil, fmt.Errorf("loadgen: message size %d does not fit {packet, %v}", size, f)
	case size > 16<<20:
		return nil, fmt.Errorf("loadgen: message size %d: want at most 16 MiB", size)
	}
	h := f.header()
	b := make([]byte, h+size)
	switch f {
	case One:
		b[0] = byte(size)
	case Two:
		binary.BigEndian.PutUint16(b, uint16(size))
	case Four:
		binary.BigEndian.PutUint32(b, uint32(size))
	}
	for i := range size {
		b[h+i] = 'a' + byte(i%26)
	}
	if f == Line {
		b[len(b)-1] = '\n'
	}
	return b, nil
}

// Config describes a run. The zero values of the optional fields pick the
// defaults given with them.
type Config struct {
	// Addr is the echo server's address, HOST:PORT. Only loopback
	// addresses are accepted: this is a load generator for one machine.
	Addr string
	// Conns is the number of connections.
	Conns int
	// Depth is the number of messages each connection keeps in flight in
	// the closed loop (default 1).
	Depth int
	// Size is the payload size of a message in bytes; frames add their
	// header (default 64).
	Size int
	// Framing delimits messages (default Raw).
	Framing Framing
	// Rate, when above zero, makes the run an open loop: Rate messages a
	// second over all connections, each timed from its scheduled send.
	// The pacer has a thread of its own: with GOMAXPROCS below 2, Run
	// raises it to 2 while it runs (Pollers defaulting to the old value).
	Rate float64
	// MaxOutstanding bounds the messages in flight on one connection in
	// the open loop (default 1024). Messages due past it are not sent and
	// are counted as Result.Overload.
	MaxOutstanding int
	// Warmup is how long traffic runs before the measured window (default
	// 1s).
	Warmup time.Duration
	// Duration is the measured window (default 3s).
	Duration time.Duration
	// Drain bounds the wait for echoes still in flight once sending stops
	// (default 5s). Echoes that do not come back are errors.
	Drain time.Duration
	// DialTimeout bounds the dial phase: every connection dialled and its
	// first message echoed (default 30s, plus 2ms a connection).
	DialTimeout time.Duration
	// DialConcurrency is how many connections may be dialled but not yet
	// have their first echo back (default 64). It keeps the server's
	// accept queue short.
	DialConcurrency int
	// ServerPID, when not zero, is the server's process: its CPU time per
	// message, RSS and threads are reported.
	ServerPID int
	// Pollers is the number of client pollers (default GOMAXPROCS).
	Pollers int
	// TLS, when not nil, makes every connection a TLS client with this
	// configuration (crypto/tls). A TLS connection has two goroutines, a
	// reader and a writer: the record layer is Go's, not the driver's.
	TLS *tls.Config
	// Log, if not nil, receives a line for each phase.
	Log io.Writer
}

// withDefaults returns c with defaults filled in, or an error for values
// no run can use.
func (c Config) withDefaults() (Config, error) {
	ap, err := netip.ParseAddrPort(c.Addr)
	if err != nil {
		return c, fmt.Errorf("loadgen: address: %w", err)
	}
	if !ap.Addr().IsLoopback() {
		return c, fmt.Errorf("loadgen: address %s is not a loopback address", c.Addr)
	}
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setD := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	set(&c.Depth, 1)
	set(&c.Size, 64)
	set(&c.MaxOutstanding, 1024)
	set(&c.DialConcurrency, 64)
	setD(&c.Warmup, time.Second)
	setD(&c.Duration, 3*time.Second)
	setD(&c.Drain, 5*time.Second)
	setD(&c.DialTimeout, 30*time.Second+time.Duration(c.Conns)*2*time.Millisecond)
	switch {
	case c.Conns < 1:
		return c, errors.New("loadgen: want at least 1 connection")
	case c.Depth < 1 || c.Depth > 1<<16:
		return c, fmt.Errorf("loadgen: depth %d: want 1 to 65536", c.Depth)
	case c.Rate < 0 || c.Rate > 1e8:
		return c, fmt.Errorf("loadgen: rate %v: want 0 (closed loop) to 1e8", c.Rate)
	case c.MaxOutstanding < 1:
		return c, errors.New("loadgen: max outstanding below 1")
	case c.DialConcurrency < 1:
		return c, errors.New("loadgen: dial concurrency below 1")
	case c.Warmup < 0 || c.Duration <= 0 || c.Drain < 0 || c.DialTimeout < 0:
		return c, errors.New("loadgen: negative duration")
	case c.Pollers < 0:
		return c, errors.New("loadgen: negative pollers")
	}
	if _, err := frame(c.Framing, c.Size); err != nil {
		return c, err
	}
	return c, nil
}
