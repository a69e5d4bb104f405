package testkit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Lines reads a stream (a child process's output) line by line on a
// goroutine of its own, which queues every line and ends at the stream's
// end, so that the writer never blocks on the test.
type Lines struct {
	mu     sync.Mutex
	queued []string
	ended  bool
	more   chan struct{} // a token after each line and at the end
	done   chan struct{}
	stderr fmt.Stringer
}

// NewLines starts reading r. stderr, if not nil, is shown with a failure
// of Next: the writer's own account of why it stopped.
func NewLines(r io.Reader, stderr fmt.Stringer) *Lines {
	l := &Lines{more: make(chan struct{}, 1), done: make(chan struct{}), stderr: stderr}
	go func() {
		defer close(l.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			l.put(sc.Text(), false)
		}
		l.put("", true)
	}()
	return l
}

func (l *Lines) put(line string, end bool) {
	l.mu.Lock()
	if end {
		l.ended = true
	} else {
		l.queued = append(l.queued, line)
	}
	l.mu.Unlock()
	select {
	case l.more <- struct{}{}:
	default:
	}
}

// Next returns the next line, without its newline. It fails t if the
// stream ends first, or if no line comes within WaitBound.
func (l *Lines) Next(t testing.TB) string {
	t.Helper()
	timeout := time.After(WaitBound)
	for {
		l.mu.Lock()
		if len(l.queued) > 0 {
			line := l.queued[0]
			l.queued = l.queued[1:]
			l.mu.Unlock()
			return line
		}
		ended := l.ended
		l.mu.Unlock()
		if ended {
			t.Fatalf("the output ended%s", l.why())
		}
		select {
		case <-l.more:
		case <-timeout:
			t.Fatalf("no output line within %v%s", WaitBound, l.why())
		}
	}
}

// Done is closed once the stream has ended and every line is queued: then
// the writer's pipe may be closed (exec.Cmd.Wait).
func (l *Lines) Done() <-chan struct{} { return l.done }

func (l *Lines) why() string {
	if l.stderr == nil {
		return ""
	}
	return "; stderr:\n" + l.stderr.String()
}

// SyncBuffer is a bytes.Buffer that one goroutine writes (a child's
// stderr, a logger) while another reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what has been written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start starts cmd, its stdout read by a Lines and its stderr kept in a
// SyncBuffer (shown with Next's failures), and fails t if it cannot.
// Ending cmd and waiting for it, once the Lines are Done, is the caller's.
func Start(t testing.TB, cmd *exec.Cmd) (*Lines, *SyncBuffer) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	return NewLines(stdout, stderr), stderr
}
