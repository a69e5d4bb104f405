// Command stdecho is the benchmark's baseline echo server: one goroutine
// per connection on Go's package net (see package peer).
//
//	stdecho [-addr 127.0.0.1:0] [-buf 32768] [-tls-cert FILE -tls-key FILE]
//
// With -tls-cert and -tls-key it serves TLS (crypto/tls, its defaults)
// with that certificate chain and key, PEM files: the benchmark's
// stdlib-tls, a goroutine per connection as before.
//
// Its first line on stdout is "listening on HOST:PORT". SIGINT or SIGTERM
// stops it; it exits 0.
package main

import (
	"context"
	"crypto/tls"
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
	certFile := flag.String("tls-cert", "", "serve TLS with the certificate chain in `FILE` (PEM), with -tls-key")
	keyFile := flag.String("tls-key", "", "the private key of -tls-cert, in `FILE` (PEM)")
	flag.Parse()
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(os.Stderr, "stdecho: flags -tls-cert and -tls-key go together")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stdecho:", err)
		os.Exit(1)
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "stdecho: -tls-cert %s -tls-key %s: %v\n", *certFile, *keyFile, err)
			os.Exit(1)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
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
