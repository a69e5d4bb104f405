// Package loadgen is otpnet's echo load generator. It is built on driver/:
// a pool of epoll pollers (one per CPU the client may use) serves every
// client connection, so no goroutine is spent per connection and a message
// costs the client about what it costs the leanest echo server (one read
// and one write on an epoll loop). Result.ClientCPUUtil tells when the
// client, not the server, set the pace.
//
// With Config.TLS each connection is a crypto/tls client instead, with a
// reader and a writer goroutine of its own: TLS rows measure servers
// against this client, not against the plain driver one.
//
// # Loops
//
// Run drives connections to an echo server in one of two loops.
//
// Closed loop (Config.Rate == 0): each connection keeps Config.Depth
// messages in flight; every echo that comes back sends the next message.
// Throughput is whatever the server sustains; latency is measured from the
// time each message was written.
//
// Open loop (Config.Rate > 0): messages are scheduled at a fixed rate over
// all connections, round-robin, whether or not earlier echoes came back.
// Latency is measured from each message's scheduled send time, not from
// the time it was written, so a server that stalls is charged for every
// message it delayed (no coordinated omission).
//
// Every message is one frame of Config.Framing: raw bytes, a 1, 2 or
// 4-byte big-endian length header and a payload, or a payload ending in a
// newline. The client checks every echoed byte against what it sent.
//
// # Phases
//
// A run dials the connections (at most Config.DialConcurrency of them
// waiting for the echo of their first message at once, so that no listen
// backlog overflows), warms up, measures for Config.Duration, then stops sending
// and waits for the echoes still in flight. Only echoes received during
// the measured window count towards msgs/s and the latency histogram
// (github.com/HdrHistogram/hdrhistogram-go); every message sent in the run
// must come back for the run to report no errors.
//
// # Server metrics
//
// Given the server's PID, Run reads the server's CPU time (utime+stime
// from /proc/PID/stat) at both ends of the window and reports it per
// message, with its resident memory (VmRSS) and thread count from
// /proc/PID/status. Idle measures the server's resident memory as idle
// connections are added.
package loadgen
