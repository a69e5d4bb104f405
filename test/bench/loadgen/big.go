package loadgen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// BigConfig describes a big-packet echo measurement: one connection to a
// {packet, 4} echo server sends one message of Size bytes at a time and
// waits for all of it to come back.
type BigConfig struct {
	// Addr is the echo server's address (loopback only).
	Addr string
	// Size is the message's payload in bytes, 1 to 1 GiB.
	Size int
	// Duration is how long the timed round trips go on, at least
	// MinRounds of them (defaults 3s and 3). One round trip before them
	// is not timed.
	Duration  time.Duration
	MinRounds int
	// ServerPID, when not zero, is the server's process: its RSS before
	// the first message, its peak RSS and its CPU time are reported.
	ServerPID int
}

// BigResult is what BigEcho measured.
type BigResult struct {
	// Addr is the server's address and Size the payload in bytes.
	Addr string `json:"addr"`
	Size int    `json:"size"`
	// Rounds is the number of timed round trips and Seconds their time.
	Rounds  int     `json:"rounds"`
	Seconds float64 `json:"seconds"`
	// RoundTrip is the mean round trip in milliseconds, from the first
	// byte written to the last echoed.
	RoundTrip float64 `json:"round_trip_ms"`
	// MiBPerSec is the payload echoed a second, each byte counted once.
	MiBPerSec float64 `json:"mib_per_sec"`
	// Server is the server process's cost, when its PID was given.
	Server *BigServer `json:"server,omitempty"`
}

// BigServer is the server's memory and CPU in a big-packet run.
type BigServer struct {
	PID int `json:"pid"`
	// RSSBefore is the server's RSS with the connection open and no
	// message sent yet, PeakRSS its largest RSS (VmHWM, since it
	// started) and RSS its RSS after the last round trip, in bytes.
	RSSBefore int64 `json:"rss_before_bytes"`
	PeakRSS   int64 `json:"peak_rss_bytes"`
	RSS       int64 `json:"rss_bytes"`
	// CPUPerMiB is the server's CPU time per MiB echoed in the timed
	// round trips, in milliseconds.
	CPUPerMiB float64 `json:"cpu_ms_per_mib"`
}

// BigEcho measures the round trip of messages of cfg.Size bytes through
// the {packet, 4} echo server at cfg.Addr, checking every echoed byte.
func BigEcho(ctx context.Context, cfg BigConfig) (*BigResult, error) {
	if _, err := (Config{Addr: cfg.Addr, Conns: 1}).withDefaults(); err != nil {
		return nil, err
	}
	if cfg.Size < 1 || cfg.Size > 1<<30 {
		return nil, fmt.Errorf("loadgen: big message of %d bytes: want 1 to 1 GiB", cfg.Size)
	}
	if cfg.Duration == 0 {
		cfg.Duration = 3 * time.Second
	}
	if cfg.MinRounds == 0 {
		cfg.MinRounds = 3
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()

	out := make([]byte, 4+cfg.Size)
	binary.BigEndian.PutUint32(out, uint32(cfg.Size))
	for i := range cfg.Size {
		out[4+i] = byte(i * 7)
	}
	in := make([]byte, len(out))
	r := &BigResult{Addr: cfg.Addr, Size: cfg.Size}
	var s0 Sample
	if cfg.ServerPID != 0 {
		if s0, err = ReadProc(cfg.ServerPID); err != nil {
			return nil, fmt.Errorf("loadgen: server: %w", err)
		}
		r.Server = &BigServer{PID: cfg.ServerPID, RSSBefore: s0.RSS}
	}
	var timed time.Duration
	for round := 0; round == 0 || r.Rounds < cfg.MinRounds || timed < cfg.Duration; round++ {
		if round == 1 && cfg.ServerPID != 0 { // after the untimed one
			if s0, err = ReadProc(cfg.ServerPID); err != nil {
				return nil, fmt.Errorf("loadgen: server: %w", err)
			}
		}
		t := time.Now()
		if err := roundTrip(c, out, in); err != nil {
			return nil, fmt.Errorf("loadgen: %d-byte message, round trip %d: %w", cfg.Size, round+1, err)
		}
		if round > 0 {
			timed += time.Since(t)
			r.Rounds++
		}
		if !bytes.Equal(in, out) {
			return nil, fmt.Errorf("loadgen: %d-byte message, round trip %d: the echo differs", cfg.Size, round+1)
		}
	}
	r.Seconds = timed.Seconds()
	r.RoundTrip = r.Seconds * 1e3 / float64(r.Rounds)
	mib := float64(cfg.Size) * float64(r.Rounds) / (1 << 20)
	r.MiBPerSec = mib / r.Seconds
	if cfg.ServerPID != 0 {
		s1, err := ReadProc(cfg.ServerPID)
		if err != nil {
			return nil, fmt.Errorf("loadgen: server: %w", err)
		}
		r.Server.PeakRSS, r.Server.RSS = s1.PeakRSS, s1.RSS
		r.Server.CPUPerMiB = float64(s1.CPU-s0.CPU) / 1e6 / mib
	}
	return r, nil
}

// roundTrip writes out while it reads len(in) bytes back.
func roundTrip(c net.Conn, out, in []byte) error {
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(out)
		errc <- err
	}()
	_, rerr := io.ReadFull(c, in)
	if rerr != nil {
		c.SetWriteDeadline(time.Now()) // end the write too
	}
	return errors.Join(rerr, <-errc)
}
