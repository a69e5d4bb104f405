// Command echo is otpnet's echo server, and its client.
//
// As a server it listens on -addr and echoes every packet of every
// connection, each served by its own actor, the owner of its socket,
// under a supervised acceptor pool (ranch.StartListener):
//
//	echo [-addr 127.0.0.1:4040] [-packet raw|1|2|4|line] [-active once|true|false|N]
//	     [-acceptors 10] [-max-conns 1024|infinity] [-drain 5s] [-v]
//	     [-tls-cert FILE -tls-key FILE] [-reuseport] [-listen-sockets N] [-proxy-protocol]
//	     [-metrics-addr HOST:PORT] [-debug-addr HOST:PORT]
//
// Each connection is a ranch.Handler (see echo.go): the behaviour re-arms
// the active mode for it. With -v the listener logs its events on stderr
// (ranch.SlogEvents): its start and stop, each accept and each close,
// with the peer and how long the connection lasted.
//
// -reuseport listens with SO_REUSEPORT, so that several processes (each
// an echo -reuseport) serve one port, the kernel spreading the
// connections over them; -listen-sockets N opens N listening sockets on
// the port in this process, Ranch's num_listen_sockets. -proxy-protocol
// reads a PROXY protocol header (version 1 or 2, as HAProxy's send-proxy
// and send-proxy-v2 send it) first on each connection, and closes a
// connection without one; with -v each header is logged ("proxy header",
// with the client's address it gives and the proxy's).
//
// With -metrics-addr it serves otpnet's metrics (package metrics) in
// Prometheus's text format at http://HOST:PORT/metrics; with -debug-addr,
// the live page (package metrics/debugpage) at http://HOST:PORT/: the
// listener, every port, the supervision tree and the metrics, refreshing
// itself. Each prints its URL on stdout after the "listening on" line
// ("metrics on http://...", "debug page on http://...").
//
// Its first line on stdout is "listening on HOST:PORT" (port 0 picks a
// free port). On SIGINT or SIGTERM it stops accepting (new clients are
// refused) and lets the connections finish for up to -drain: it exits 0
// once they have, or, when -drain runs out, closes the ones left and
// exits 1, saying how many on stderr. With no flags it is the server of "gen_tcp
// Basics" (Elixir's EchoServer): 127.0.0.1:4040, {packet, line},
// {active, once}.
//
// As a client, the article's EchoClient, it sends each line of its
// standard input to the server and prints each reply:
//
//	echo -connect HOST:PORT [-packet raw|1|2|4|line]
//
// echo -h prints this usage and exits 0. Exit codes: 0 done, 1 could not
// serve (the address is in use, ...), connect, or drain in time, 2 bad
// flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
