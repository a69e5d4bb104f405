// Package benchecho is the echo benchmark shared by otpnet's packages: a
// server in a child process (the test binary run again), pinned to CPU 0,
// and a goroutine-per-connection client pinned to CPU 1, so that the
// server's CPU time per message can be read apart from the client's.
package benchecho

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// env names the server a child process runs.
const env = "OTPNET_BENCHECHO_SERVER"

// profileEnv, when set in the benchmark's environment, is a file for the
// server's CPU profile.
const profileEnv = "OTPNET_BENCHECHO_CPUPROFILE"

// A Server starts an echo server on 127.0.0.1 and returns its address and
// how to stop it.
type Server func() (addr string, stop func(), err error)

// Main runs the child's server when this process is one, and exits; it
// returns at once in the parent. Call it first in TestMain.
func Main(servers map[string]Server) {
	if os.Getenv(env) != "" {
		serve(servers)
		os.Exit(0)
	}
}

func serve(servers map[string]Server) {
	name := os.Getenv(env)
	if name == "" {
		return
	}
	pin(0)
	srv, ok := servers[name]
	if !ok {
		fmt.Fprintln(os.Stderr, "benchecho: no server", name)
		os.Exit(2)
	}
	addr, stop, err := srv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchecho:", err)
		os.Exit(1)
	}
	if path := os.Getenv(profileEnv); path != "" {
		f, err := os.Create(path)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	fmt.Printf("listening on %s\n", addr)
	io.Copy(io.Discard, os.Stdin) // the parent closes stdin to stop us
	stop()
}

// Run measures a 64-byte (size) echo over conns connections, one message
// in flight on each, against the server named name in a child process. It
// reports msgs/s and the server's CPU time per message.
func Run(b *testing.B, name string, conns, size int) {
	cmd, addr := start(b, name)
	pin(1)
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	msg := make([]byte, size)
	cpu0, sw0 := cpu(b, cmd.Process.Pid), switches(cmd.Process.Pid)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range cs {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, size)
			for range n {
				if _, err := c.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	used := cpu(b, cmd.Process.Pid) - cpu0
	sw := switches(cmd.Process.Pid) - sw0
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "server-ns/msg")
	b.ReportMetric(float64(sw)/float64(b.N), "server-ctxsw/msg")
}

func start(b *testing.B, name string) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+name)
	if runtime.NumCPU() >= 2 {
		// The server runs on CPU 0 alone: one P, as taskset -c 0 would give it.
		cmd.Env = append(cmd.Env, "GOMAXPROCS=1")
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		b.Fatalf("server said %q", line)
	}
	return cmd, addr
}

// cpu returns a process's user+system CPU time so far.
func cpu(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// After the command name, which ends with ')': state is field 1,
	// utime 12, stime 13.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ
	return time.Duration(ut+st) * time.Second / hz
}

// switches returns the context switches of all of a process's threads so
// far: every time one of them gave up or lost the CPU.
func switches(pid int) int64 {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var n int64
	for _, t := range tasks {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(st), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				x, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += x
			}
		}
	}
	return n
}

// Stdlib is a goroutine-per-connection echo server on package net, the
// baseline.
func Stdlib() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() { ln.Close() }, nil
}
