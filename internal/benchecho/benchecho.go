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
	"runtime/debug"
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

// memProfileEnv, when set in the benchmark's environment, is a file for
// the server's allocation profile (every allocation since it started),
// written as it stops.
const memProfileEnv = "OTPNET_BENCHECHO_MEMPROFILE"

// heapProfileEnv, when set in the benchmark's environment, is a file for
// the server's heap profile, written after each full GC the parent asks
// for (Idle's last one: with its connections idle).
const heapProfileEnv = "OTPNET_BENCHECHO_HEAPPROFILE"

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
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fail(profileEnv, err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if path := os.Getenv(memProfileEnv); path != "" {
		defer func() {
			if err := writeMemProfile(path); err != nil {
				fail(memProfileEnv, err)
			}
		}()
	}
	fmt.Printf("listening on %s\n", addr)
	// The parent closes stdin to stop us; each line it sends asks for a
	// full GC, answered "gc", the count of goroutines and the bytes of
	// heap in use, before it reads the RSS (Idle). Two of them: a buffer
	// idle in a sync.Pool (the recycled packet buffers that all
	// connections share) outlives one GC in the pool's victim cache and
	// is freed by the second, so what is left is what connections hold.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		debug.FreeOSMemory()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if path := os.Getenv(heapProfileEnv); path != "" {
			if err := writeHeapProfile(path); err != nil {
				fail(heapProfileEnv, err)
			}
		}
		fmt.Printf("gc %d %d\n", runtime.NumGoroutine(), ms.HeapInuse)
	}
	stop()
}

// fail ends the server on a profile it cannot write, naming the variable
// that asked for it: the parent, which reads its answers, fails then.
func fail(variable string, err error) {
	fmt.Fprintf(os.Stderr, "benchecho: %s: %v\n", variable, err)
	os.Exit(1)
}

// writeHeapProfile writes the heap profile to the file path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Run measures a 64-byte (size) echo over conns connections, one message
// in flight on each, against the server named name in a child process. It
// reports msgs/s and the server's CPU time per message.
func Run(b *testing.B, name string, conns, size int) {
	RunDial(b, name, conns, size, func(addr string) (net.Conn, error) { return net.Dial("tcp", addr) })
}

// RunDial is Run with the clients' connections made by dial (a TLS
// client's, done with its handshake), before the timer starts.
func RunDial(b *testing.B, name string, conns, size int, dial func(addr string) (net.Conn, error)) {
	srv := start(b, name)
	cmd, addr := srv.cmd, srv.addr
	pin(1)
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := dial(addr)
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

// child is a server in a child process.
type child struct {
	cmd  *exec.Cmd
	addr string
	in   io.Writer
	out  *bufio.Reader
}

func start(b *testing.B, name string) *child {
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
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		b.Fatalf("server said %q", line)
	}
	return &child{cmd: cmd, addr: addr, in: stdin, out: out}
}

// rss has the server collect its garbage, and returns its resident set,
// its count of goroutines and its heap in use (runtime.MemStats's
// HeapInuse).
func (c *child) rss(b *testing.B) (rss int64, goroutines int, heap int64) {
	if _, err := io.WriteString(c.in, "gc\n"); err != nil {
		b.Fatal(err)
	}
	line, err := c.out.ReadString('\n')
	if _, serr := fmt.Sscanf(line, "gc %d %d\n", &goroutines, &heap); err != nil || serr != nil {
		b.Fatalf("server said %q (%v) to gc", line, err)
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, goroutines, heap
		}
	}
	b.Fatal("no VmRSS")
	return 0, 0, 0
}

// Idle measures the server's resident memory per idle connection: it
// opens conns connections with dial, echoes one size-byte message on
// each (so that each is established and has served), and reports the
// growth of the server's RSS, after a full GC, per connection
// ("server-B/idle-conn"), and of its heap in use
// ("server-heap-B/idle-conn"), and of its goroutines, and its threads.
// b.N is not used: run it with -benchtime 1x.
func Idle(b *testing.B, name string, conns, size int, dial func(addr string) (net.Conn, error)) {
	IdleAfter(b, name, conns, []int{size}, dial)
}

// IdleAfter is Idle with one echo of each of sizes on each connection,
// in turn, before it goes idle.
func IdleAfter(b *testing.B, name string, conns int, sizes []int, dial func(addr string) (net.Conn, error)) {
	srv := start(b, name)
	before, g0, h0 := srv.rss(b)
	msgs := make([][]byte, len(sizes))
	for i, size := range sizes {
		msgs[i] = make([]byte, size)
	}
	for range conns {
		c, err := dial(srv.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		for _, msg := range msgs {
			if _, err := c.Write(msg); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, msg); err != nil {
				b.Fatal(err)
			}
		}
	}
	after, g1, h1 := srv.rss(b)
	b.ReportMetric(float64(after-before)/float64(conns), "server-B/idle-conn")
	b.ReportMetric(float64(h1-h0)/float64(conns), "server-heap-B/idle-conn")
	b.ReportMetric(float64(g1-g0)/float64(conns), "server-goroutines/idle-conn")
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", srv.cmd.Process.Pid))
	b.ReportMetric(float64(len(tasks)), "server-threads")
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
	go Serve(ln, 64<<10)
	return ln.Addr().String(), func() { ln.Close() }, nil
}

// Serve echoes on each connection ln accepts, in a goroutine of its own
// that reads into a buffer of bufSize bytes, until ln is closed.
func Serve(ln net.Listener, bufSize int) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			buf := make([]byte, bufSize)
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
}

// writeMemProfile writes the allocation profile to the file path.
func writeMemProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
