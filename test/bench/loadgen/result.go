package loadgen

import (
	"fmt"
	"strings"
)

// Result is what Run measured. Rates, latencies and CPU times cover the
// measured window only; Sent and Received the whole run.
type Result struct {
	// Loop is "closed" or "open".
	Loop string `json:"loop"`
	// Addr is the server's address.
	Addr string `json:"addr"`
	// Conns is the number of connections asked for, Live the number that
	// dialled and echoed their first message.
	Conns int `json:"conns"`
	Live  int `json:"live"`
	// Depth is the closed loop's messages in flight per connection (0 in
	// the open loop).
	Depth int `json:"depth"`
	// Size is the payload size and Framing its framing (Framing.String).
	Size    int    `json:"size"`
	Framing string `json:"framing"`
	// Rate is the open loop's scheduled msgs/s (0 in the closed loop).
	Rate float64 `json:"rate,omitempty"`
	// Seconds is the length of the measured window.
	Seconds float64 `json:"seconds"`
	// Msgs is the number of echoes received in the window.
	Msgs       int64   `json:"msgs"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	// Latency is the distribution of the window's echoes, in
	// microseconds: from the write (closed loop) or the scheduled send
	// time (open loop) to the echo's last byte.
	Latency Latency `json:"latency_us"`
	// Sent and Received count messages over the whole run, dialling and
	// warm-up included. With no errors they are equal.
	Sent     int64 `json:"sent"`
	Received int64 `json:"received"`
	// Overload counts open-loop messages not sent because the connection
	// already had MaxOutstanding in flight.
	Overload int64 `json:"overload,omitempty"`
	// Errors counts failed dials, connection errors, corrupt echoes and
	// messages never echoed, by reason in ErrorKinds.
	Errors     int64            `json:"errors"`
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
	// Server is the server process's cost, when its PID was given.
	Server *ServerStats `json:"server,omitempty"`
	// ClientCPUPerMsg is this process's CPU time per message in the
	// window, in microseconds: to show the client costs less than the
	// server.
	ClientCPUPerMsg float64 `json:"client_cpu_us_per_msg"`
	// ClientCPUUtil is this process's CPU time over the window's wall
	// time: near 1.0 on a client pinned to one CPU, the client, not the
	// server, set the pace.
	ClientCPUUtil float64 `json:"client_cpu_util"`
}

// Latency summarises a latency histogram, in microseconds: the 50th,
// 99th and 99.9th percentiles, the maximum and the mean.
type Latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// ServerStats is the server process's cost over the measured window.
type ServerStats struct {
	// PID is the server's process ID.
	PID int `json:"pid"`
	// CPUPerMsg is the server's utime+stime in the window per echoed
	// message, in microseconds. /proc counts in 10 ms ticks: over a
	// window of a few seconds the error is below one percent.
	CPUPerMsg float64 `json:"cpu_us_per_msg"`
	// CPUUtil is the server's CPU time over the window's wall time: 1.0
	// is one core busy.
	CPUUtil float64 `json:"cpu_util"`
	// RSS is the server's resident memory at the end of the window, in
	// bytes, and Threads its OS threads then.
	RSS     int64 `json:"rss_bytes"`
	Threads int   `json:"threads"`
}

// String formats r on one line for people.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s loop, %d/%d conns", r.Loop, r.Live, r.Conns)
	if r.Rate > 0 {
		fmt.Fprintf(&b, ", %.0f msgs/s scheduled", r.Rate)
	} else {
		fmt.Fprintf(&b, ", depth %d", r.Depth)
	}
	fmt.Fprintf(&b, ", %d B %s", r.Size, r.Framing)
	fmt.Fprintf(&b, ": %.0f msgs/s; latency p50 %.1f p99 %.1f p99.9 %.1f max %.1f µs",
		r.MsgsPerSec, r.Latency.P50, r.Latency.P99, r.Latency.P999, r.Latency.Max)
	if s := r.Server; s != nil {
		fmt.Fprintf(&b, "; server %.2f µs/msg (%.0f%% CPU), RSS %.1f MiB, %d threads",
			s.CPUPerMsg, 100*s.CPUUtil, float64(s.RSS)/(1<<20), s.Threads)
	}
	fmt.Fprintf(&b, "; client %.2f µs/msg (%.0f%% CPU); sent %d, received %d", r.ClientCPUPerMsg, 100*r.ClientCPUUtil, r.Sent, r.Received)
	if r.Overload > 0 {
		fmt.Fprintf(&b, ", overload %d", r.Overload)
	}
	fmt.Fprintf(&b, ", errors %d", r.Errors)
	if r.Errors > 0 {
		fmt.Fprintf(&b, " (%v)", strings.ReplaceAll(errSummary(r.ErrorKinds).Error(), "\n", "; "))
	}
	return b.String()
}
