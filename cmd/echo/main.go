// Command echo is otpnet's echo server.
//
// Until the supervised acceptor pool lands it is a minimal echo server on
// the driver alone: each connection's bytes are written back from the
// poller that read them.
//
//	go run ./cmd/echo [-addr 127.0.0.1:4040]
//
// Its first line on stdout is "listening on HOST:PORT" (port 0 picks a free
// port). SIGINT or SIGTERM stops it; it exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program, less the process: it serves until ctx is done and
// returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4040", "address to listen on (port 0 picks a free port)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	srv, err := listen(*addr)
	if err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", srv.addr)
	go srv.serve()
	<-ctx.Done()
	srv.stop()
	return 0
}
