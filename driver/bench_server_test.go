package driver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The echo benchmark runs its server in a child process (this test binary
// again, with serverEnv set) so that the server's CPU time can be read
// apart from the client's. On two or more cores the server is pinned to
// CPU 0 and the client to CPU 1.
const serverEnv = "OTPNET_DRIVER_BENCH_SERVER"

// BenchmarkEcho100 is a 64-byte echo over 100 loopback connections, each
// with one message in flight, against the driver and against a net
// goroutine-per-connection server. It reports msgs/s and the server's CPU
// time (utime+stime) per message.
func BenchmarkEcho100(b *testing.B) {
	for _, server := range []string{"driver", "stdlib"} {
		b.Run(server, func(b *testing.B) { benchEcho(b, server, 100, 64) })
	}
}

func benchEcho(b *testing.B, server string, conns, size int) {
	srv := startServer(b, server)
	pinSelf(b, 1)
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	msg := make([]byte, size)
	cpu0 := srv.cpu(b)
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
	cpu := srv.cpu(b) - cpu0
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "server-ns/msg")
}

type childServer struct {
	cmd  *exec.Cmd
	addr string
}

func startServer(b *testing.B, mode string) *childServer {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"="+mode)
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
		stdin.Close() // the server exits when its stdin closes
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
	return &childServer{cmd: cmd, addr: addr}
}

// cpu returns the server's user+system CPU time so far.
func (s *childServer) cpu(b *testing.B) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which ends with ')': state is the
	// first, utime the 12th, stime the 13th.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / hz
}

// pinSelf pins every thread of this process, and so the threads they
// start, to one CPU, when there are two or more.
func pinSelf(tb testing.TB, cpu int) {
	if runtime.NumCPU() < 2 {
		return
	}
	var set unix.CPUSet
	set.Set(cpu)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tasks {
		tid, _ := strconv.Atoi(t.Name())
		unix.SchedSetaffinity(tid, &set) // a thread may have exited: ignore
	}
}

// benchServerMain is the child process: an echo server of the kind named
// by serverEnv, on CPU 0, until its stdin closes.
func benchServerMain() int {
	pinSelf(nopTB{}, 0)
	var addr string
	var stop func()
	switch mode := os.Getenv(serverEnv); mode {
	case "driver":
		addr, stop = driverEchoServer()
	case "stdlib":
		addr, stop = stdlibEchoServer()
	default:
		fmt.Fprintln(os.Stderr, "unknown server", mode)
		return 2
	}
	fmt.Printf("listening on %s\n", addr)
	io.Copy(io.Discard, os.Stdin)
	stop()
	return 0
}

type nopTB struct{ testing.TB }

func (nopTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

func driverEchoServer() (string, func()) {
	pl, err := NewPool()
	if err != nil {
		panic(err)
	}
	l, err := pl.Listen(loopback4, 1024, reuseAddr)
	if err != nil {
		panic(err)
	}
	var sa unix.Sockaddr
	pl.Control(l, func(fd int) (err error) { sa, err = unix.Getsockname(fd); return })
	go func() {
		for {
			e := &echo{pl: pl}
			h, _, err := pl.Accept(l, time.Time{}, e)
			if err != nil {
				return
			}
			e.h = h
			pl.Resume(h)
		}
	}()
	return "127.0.0.1:" + strconv.Itoa(sa.(*unix.SockaddrInet4).Port), func() { pl.Stop() }
}

// echo writes back what it reads, from the poller.
type echo struct {
	pl *Pool
	h  Handle
}

func (e *echo) OnRead(b []byte) bool {
	if _, err := e.pl.Write(e.h, b); err != nil {
		e.pl.Close(e.h)
		return false
	}
	return true
}

func (e *echo) OnEOF()        { e.pl.Close(e.h) }
func (e *echo) OnError(error) { e.pl.Close(e.h) }
func (e *echo) OnFlush(int)   {}

func stdlibEchoServer() (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
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
	return ln.Addr().String(), func() { ln.Close() }
}
