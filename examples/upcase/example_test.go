//go:build unix

// The example sends the process its own SIGINT (syscall.Kill), which
// Windows has no way to do: Ctrl-C is a console event there.

package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"
)

// Example runs the program as the README shows it: it serves on a free
// port, upper-cases a client's lines, logs the accept and the close, and
// drains and stops on SIGINT. The log's records come to the example
// through slog's default logger, which the program logs to.
func Example() {
	records := make(chan slog.Record, 64)
	slog.SetDefault(slog.New(recorder(records)))
	exited := run("-addr", "127.0.0.1:0")

	started, ok := next(records)
	if !ok {
		return
	}
	fmt.Println(started.Message)
	c, err := net.Dial("tcp", attr(started, "listener"))
	if err != nil {
		fmt.Println(err)
		return
	}
	c.SetDeadline(time.Now().Add(10 * time.Second)) // a bound on a failure
	if accepted, ok := next(records); ok {
		fmt.Println(accepted.Message)
	}
	fmt.Fprint(c, "hello\nworld\n")
	r := bufio.NewReader(c)
	for range 2 {
		line, _ := r.ReadString('\n')
		fmt.Print(line)
	}
	c.Close()
	if closed, ok := next(records); ok {
		fmt.Println(closed.Message)
	}

	syscall.Kill(os.Getpid(), syscall.SIGINT) // what Ctrl-C sends
	<-exited
	if stopped, ok := next(records); ok {
		fmt.Println(stopped.Message)
	}
	// Output:
	// listener started
	// connection accepted
	// HELLO
	// WORLD
	// connection closed
	// listener stopped
}

// run runs the program with args on a goroutine of its own: the channel
// it returns is closed when main has returned.
func run(args ...string) <-chan struct{} {
	os.Args = append([]string{"upcase"}, args...)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		main()
	}()
	return exited
}

// recorder is a slog.Handler that sends the records at info level and
// above to a channel.
type recorder chan<- slog.Record

func (r recorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	r <- rec.Clone()
	return nil
}
func (r recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r recorder) WithGroup(string) slog.Handler      { return r }

// next returns the next record, or says that none came within 10s (a
// bound on a failure, not a wait for one).
func next(records <-chan slog.Record) (slog.Record, bool) {
	select {
	case rec := <-records:
		return rec, true
	case <-time.After(10 * time.Second):
		fmt.Println("no record within 10s")
		return slog.Record{}, false
	}
}

// attr returns the value of a record's attribute key.
func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
		}
		return true
	})
	return v
}
