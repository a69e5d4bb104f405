//go:build unix

// The test sends the process its own SIGINT (syscall.Kill), which Windows
// has no way to do: Ctrl-C is a console event there.

package main

import (
	"bufio"
	"flag"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C with an idle client connected is the ordinary end of the
// program: the drain's time runs out, the client is cut, and the program
// says so at info level and returns (exit status 0), where it used to
// exit 1.
func TestCtrlCWithIdleClient(t *testing.T) {
	records := make(chan slog.Record, 64)
	old := slog.Default()
	slog.SetDefault(slog.New(recorder(records)))
	t.Cleanup(func() { slog.SetDefault(old) })
	flags := flag.CommandLine
	flag.CommandLine = flag.NewFlagSet("upcase", flag.ExitOnError) // for main's flags, defined each run
	t.Cleanup(func() { flag.CommandLine = flags })
	args := os.Args
	t.Cleanup(func() { os.Args = args })
	exited := run("-addr", "127.0.0.1:0", "-drain", "1ms")

	started, ok := next(records)
	if !ok {
		t.FailNow()
	}
	c, err := net.Dial("tcp", attr(started, "listener"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if accepted, ok := next(records); !ok || accepted.Message != "connection accepted" {
		t.Fatalf("%q, want connection accepted", accepted.Message)
	}
	// One line served: the handler runs, and counts as a connection (an
	// accept whose hand-off has not ended yet is not one for Drain).
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound on a failure
	if _, err := c.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "HI\n" {
		t.Fatalf("reply %q, %v; want HI", line, err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	<-exited
	for {
		rec, ok := next(records)
		if !ok {
			t.FailNow()
		}
		if strings.HasPrefix(rec.Message, "upcase") {
			if rec.Level != slog.LevelInfo || rec.Message != "upcase: connections cut" || !strings.Contains(attr(rec, "reason"), "1 connection left") {
				t.Fatalf("%v %q reason=%q, want INFO upcase: connections cut, 1 connection left", rec.Level, rec.Message, attr(rec, "reason"))
			}
			break
		}
	}
}
