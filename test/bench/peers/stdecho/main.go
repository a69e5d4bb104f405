// Command stdecho is the benchmark's baseline echo server: one goroutine
// per connection on Go's package net (see package peer).
//
//	stdecho [-addr 127.0.0.1:0] [-buf 32768]
//
// Its first line on stdout is "listening on HOST:PORT". SIGINT or SIGTERM
// stops it; it exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/otpnet/otpnet/test/bench/peer"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
	buf := flag.Int("buf", peer.DefaultBuf, "read buffer per connection, bytes")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stdecho:", err)
		os.Exit(1)
	}
	srv := peer.NewStdEcho(ln, *buf)
	fmt.Printf("listening on %s\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	select {
	case <-ctx.Done():
		srv.Close()
		<-done
	case err := <-done:
		srv.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "stdecho:", err)
			os.Exit(1)
		}
	}
}
