//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A server is one echo server of the matrix and the command that starts it.
type server struct {
	name string   // stdlib, gnet, erlang-once, ...
	lang string   // "go", "erlang" or "c": how its goroutines or processes are counted
	tls  bool     // serves TLS: the load generator connects with -tls
	argv []string // the command; flags a server rejected are dropped from it
	// dropped lists the flags the server rejected, in order.
	dropped []string
	// sameAs names an earlier server whose command this one turned out to
	// be (its distinguishing flags were rejected): it is not run again.
	sameAs string
}

// proc is a running server process, in its own process group, killed if
// the matrix dies (Pdeathsig).
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // stdout after the first line; closed at EOF
	addr  string
	log   string        // its stderr
	done  chan struct{} // closed when it has exited
}

// flagRejected matches the Go flag package's complaint, which erlecho
// copies.
var flagRejected = regexp.MustCompile(`flag provided but not defined: (-[\w-]+)`)

// start starts s, pinned to CPU 0 if pin, with its stderr in logPath, and
// waits for its "listening on HOST:PORT" line. A server that exits
// rejecting one of its flags is started again without it (and the flag's
// value), so that an older binary runs with the flags it has.
func start(ctx context.Context, s *server, pin bool, logPath string) (*proc, error) {
	for range 16 { // at most one try per flag
		p, err := spawn(ctx, s.argv, pin, logPath)
		if err == nil {
			return p, nil
		}
		log, _ := os.ReadFile(logPath)
		m := flagRejected.FindSubmatch(log)
		if m == nil || !s.drop(string(m[1])) {
			return nil, fmt.Errorf("%s: %w\n%s", s.name, err, tail(log, 800))
		}
		fmt.Fprintf(os.Stderr, "matrix: %s rejects %s: starting it without\n", s.name, m[1])
	}
	return nil, fmt.Errorf("%s: rejects too many flags", s.name)
}

// drop removes flag f and its value from s.argv, reporting whether it was
// there. Flags come as "-f value" pairs, or "-f=value".
func (s *server) drop(f string) bool {
	for i := 1; i < len(s.argv); i++ {
		a := s.argv[i]
		if a != f && !strings.HasPrefix(a, f+"=") {
			continue
		}
		n := 1
		if a == f && i+1 < len(s.argv) && !strings.HasPrefix(s.argv[i+1], "-") {
			n = 2
		}
		s.argv = slices.Delete(slices.Clone(s.argv), i, i+n)
		s.dropped = append(s.dropped, f)
		return true
	}
	return false
}

// spawn starts argv and reads its first line.
func spawn(ctx context.Context, argv []string, pin bool, logPath string) (*proc, error) {
	if pin {
		argv = append([]string{"taskset", "-c", "0"}, argv...)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = logf
	// GOTRACEBACK=all: SIGQUIT dumps every goroutine (countGoroutines).
	cmd.Env = append(os.Environ(), "GOTRACEBACK=all")
	cmd.SysProcAttr = dieWithParent(&syscall.SysProcAttr{Setpgid: true})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, stdin: stdin, lines: make(chan string, 64), log: logPath, done: make(chan struct{})}
	first := make(chan string, 1)
	go func() {
		// Ends at EOF, when the process has exited.
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		firstSent := false
		for sc.Scan() {
			if !firstSent {
				first <- sc.Text()
				firstSent = true
				continue
			}
			select {
			case p.lines <- sc.Text():
			default: // nobody asked: drop
			}
		}
		close(first)
		close(p.lines)
	}()
	go func() {
		cmd.Wait()
		close(p.done)
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case line, ok := <-first:
		if addr, found := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok && found {
			p.addr = addr
			return p, nil
		}
		p.stop(5 * time.Second)
		if !ok {
			return nil, errors.New("exited before it listened")
		}
		return nil, fmt.Errorf("first line %q, want listening on HOST:PORT", line)
	case <-t.C:
		p.stop(time.Second)
		return nil, errors.New("no listening line in 30s")
	case <-ctx.Done():
		p.stop(time.Second)
		return nil, ctx.Err()
	}
}

// pid is the server's process ID: taskset runs it in its own place.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the server's process group, then SIGKILL after
// grace, and waits for it to exit.
func (p *proc) stop(grace time.Duration) {
	defer p.stdin.Close()
	select {
	case <-p.done:
		return
	default:
	}
	syscall.Kill(-p.pid(), syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return
	case <-t.C:
	}
	syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
}

// countGoroutines ends a Go server with SIGQUIT and counts the
// goroutines in the stack dump it writes to stderr: a Go program's
// goroutines cannot be read from outside any other way.
func (p *proc) countGoroutines() (int, error) {
	syscall.Kill(p.pid(), syscall.SIGQUIT)
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.stop(time.Second)
		return 0, errors.New("no exit 30s after SIGQUIT")
	}
	p.stdin.Close()
	f, err := os.Open(p.log)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "goroutine ") && strings.HasSuffix(sc.Text(), ":") {
			n++
		}
	}
	if n == 0 {
		return 0, errors.New("no goroutine in the SIGQUIT dump")
	}
	return n, sc.Err()
}

// countProcesses asks erlecho for erlang:system_info(process_count).
func (p *proc) countProcesses() (int, error) {
	if _, err := io.WriteString(p.stdin, "stats\n"); err != nil {
		return 0, err
	}
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				return 0, errors.New("server exited")
			}
			if v, found := strings.CutPrefix(line, "processes "); found {
				return strconv.Atoi(strings.TrimSpace(v))
			}
		case <-t.C:
			return 0, errors.New("no answer to stats in 10s")
		}
	}
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
