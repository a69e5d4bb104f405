package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
)

// cpuTime returns a process's user and system CPU time, from
// /proc/PID/stat (in clock ticks of 10 ms).
func cpuTime(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	// The fields after the command's closing parenthesis: utime is the
	// 14th field of the line, stime the 15th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// BenchmarkRoomFanout measures a room's fan-out, within a node and
// across the network: two nodes, the room's grain and one speaker on n1,
// ten receivers on n1 (local) or n2 (remote, where each line said
// crosses from n1 to n2 once per receiver: protoactor's remote, protobuf
// over a gRPC stream, batched). It reports the lines delivered per
// second (to the receivers) and each node's CPU per delivered line
// (utime+stime of its process).
func BenchmarkRoomFanout(b *testing.B) {
	b.Run("local", func(b *testing.B) { benchmarkFanout(b, 0) })
	b.Run("remote", func(b *testing.B) { benchmarkFanout(b, 1) })
}

func benchmarkFanout(b *testing.B, at int) {
	const receivers = 10
	nodes := startNodes(b, "n1", "n2")
	speaker := connect(b, "s", nodes[0])
	var room string
	for i := 0; room == ""; i++ { // a room that runs on n1
		r := fmt.Sprintf("bench%d", i)
		speaker.send(b, "JOIN "+r)
		if speaker.hostOf(b, "JOINED", r) == "n1" {
			room = r
			break
		}
		speaker.send(b, "LEAVE "+r)
		speaker.expect(b, "LEFT "+r)
	}
	var rs []*client
	for i := range receivers {
		c := connect(b, fmt.Sprintf("r%d", i), nodes[at])
		c.send(b, "JOIN "+room)
		c.hostOf(b, "JOINED", room)
		rs = append(rs, c)
	}
	cpu0 := []time.Duration{cpuTime(b, nodes[0].cmd.Process.Pid), cpuTime(b, nodes[1].cmd.Process.Pid)}
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, receivers+1)
	for _, c := range append(rs, speaker) {
		go func() { done <- c.drain(b.N) }()
	}
	w := bufio.NewWriter(speaker.c)
	for i := range b.N {
		fmt.Fprintf(w, "SAY %s %d\n", room, i)
	}
	testkit.Must(b, w.Flush())
	for range receivers + 1 {
		testkit.Must(b, testkit.Result(b, "the lines", done))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	lines := float64(b.N * receivers)
	b.ReportMetric(lines/elapsed.Seconds(), "lines/s")
	for i, n := range nodes {
		used := cpuTime(b, n.cmd.Process.Pid) - cpu0[i]
		b.ReportMetric(float64(used.Microseconds())/lines, n.name+"-µs/line")
	}
}

// drain reads n MSG lines in order, the i-th ending in i.
func (c *client) drain(n int) error {
	c.c.SetReadDeadline(time.Now().Add(time.Minute))
	for i := range n {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("%s: line %d: %v", c.name, i, err)
		}
		if !strings.HasSuffix(l, " "+strconv.Itoa(i)+"\n") {
			return fmt.Errorf("%s: line %d: %q", c.name, i, l)
		}
	}
	return nil
}
