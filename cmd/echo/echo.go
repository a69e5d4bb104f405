package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// config is the command line.
type config struct {
	addr      string
	packet    framing.Type
	active    socket.Mode
	acceptors int
	maxConns  int
	drain     time.Duration
	verbose   bool   // log accepts and closes
	connect   string // client mode: the server's HOST:PORT
	tlsCert   string // serve TLS with this certificate chain (PEM)
	tlsKey    string // and its key
	tls       bool   // client mode: connect with TLS
	tlsCA     string // client mode: verify the server with these CA certificates (PEM)
	reuseport bool   // listen with SO_REUSEPORT, sharing the port with other processes
	listenN   int    // listening sockets in this process (ranch's num_listen_sockets)
	proxy     bool   // read a PROXY protocol header first on each connection
	// metricsAddr and debugAddr serve the metrics (/metrics) and the live
	// page (/) over HTTP when set.
	metricsAddr, debugAddr string
}

// packets are the -packet values.
var packets = map[string]framing.Type{
	"raw": framing.Raw, "0": framing.Raw, "1": framing.One, "2": framing.Two, "4": framing.Four, "line": framing.Line,
}

// description is the first line of the usage.
const description = "echo is a supervised TCP (or TLS) echo server on otpnet, and with -connect its line client."

// usage writes what -h prints: the description, the command lines and
// fs's flags.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "%s\n\nUsage:\n", description)
	fmt.Fprintln(w, "  echo [-addr HOST:PORT] [-packet raw|1|2|4|line] [-active once|true|false|N]")
	fmt.Fprintln(w, "       [-acceptors N] [-max-conns N|infinity] [-drain DURATION] [-v]")
	fmt.Fprintln(w, "       [-tls-cert FILE -tls-key FILE] [-reuseport] [-listen-sockets N] [-proxy-protocol]")
	fmt.Fprintln(w, "       [-metrics-addr HOST:PORT] [-debug-addr HOST:PORT]")
	fmt.Fprintln(w, "  echo -connect HOST:PORT [-packet raw|1|2|4|line] [-tls [-tls-ca FILE]]")
	fmt.Fprintf(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseFlags reads the command line. -h prints the usage on stdout and
// returns flag.ErrHelp; other errors have been printed on stderr.
func parseFlags(args []string, stdout, stderr io.Writer) (config, error) {
	c := config{packet: framing.Line, active: socket.Once, maxConns: 1024, listenN: 1}
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below, on stdout for -h
	fs.StringVar(&c.addr, "addr", "127.0.0.1:4040", "`HOST:PORT` to listen on (port 0 picks a free port)")
	fs.Func("packet", "framing: raw, 1, 2, 4 or line (default line)", func(v string) error {
		t, ok := packets[v]
		if !ok {
			return errors.New("want raw, 1, 2, 4 or line")
		}
		c.packet = t
		return nil
	})
	fs.Func("active", "active mode of the connections: once, true, false or N > 0 (default once)", func(v string) error {
		switch v {
		case "once":
			c.active = socket.Once
		case "true":
			c.active = socket.True
		case "false":
			c.active = socket.False
		default:
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 32767 {
				return errors.New("want once, true, false or a count from 1 to 32767")
			}
			c.active = socket.N(n)
		}
		return nil
	})
	fs.IntVar(&c.acceptors, "acceptors", 10, "number of acceptors")
	fs.Func("max-conns", "most connections served at once, or infinity (default 1024)", func(v string) error {
		if v == "infinity" {
			c.maxConns = ranch.Unlimited
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return errors.New("want a positive number or infinity")
		}
		c.maxConns = n
		return nil
	})
	fs.DurationVar(&c.drain, "drain", 5*time.Second, "on SIGINT or SIGTERM, how long to let connections finish")
	fs.BoolVar(&c.verbose, "v", false, "log the listener's events on stderr: its start and stop, each accept and each close")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve the metrics in Prometheus's text format at http://`HOST:PORT`/metrics")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "serve the live page of the listener, its ports, supervisors and metrics at http://`HOST:PORT`/")
	fs.StringVar(&c.connect, "connect", "", "client mode: send stdin's lines to the server at `HOST:PORT` and print the replies")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve TLS with the certificate chain in `FILE` (PEM), with -tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the private key of -tls-cert, in `FILE` (PEM)")
	fs.BoolVar(&c.tls, "tls", false, "client mode: connect with TLS, verifying the server's certificate and name")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "client mode: verify the server with the CA certificates in `FILE` (PEM; default: the system's)")
	fs.BoolVar(&c.reuseport, "reuseport", false, "listen with SO_REUSEPORT, so that other processes (another echo -reuseport) may listen on the same port")
	fs.IntVar(&c.listenN, "listen-sockets", 1, "number of listening sockets on the port, with SO_REUSEPORT (at most -acceptors)")
	fs.BoolVar(&c.proxy, "proxy-protocol", false, "read a PROXY protocol header (v1 or v2, HAProxy's send-proxy) first on each connection; with -v, log the client address it gives")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout, fs)
		} else {
			usage(stderr, fs)
		}
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(stderr, err)
		return c, err
	case c.connect == "" && !validAddr(c.addr):
		err := fmt.Errorf("invalid value %q for flag -addr: want HOST:PORT", c.addr)
		fmt.Fprintln(stderr, err)
		return c, err
	case c.metricsAddr != "" && !validAddr(c.metricsAddr):
		err := fmt.Errorf("invalid value %q for flag -metrics-addr: want HOST:PORT", c.metricsAddr)
		fmt.Fprintln(stderr, err)
		return c, err
	case c.debugAddr != "" && !validAddr(c.debugAddr):
		err := fmt.Errorf("invalid value %q for flag -debug-addr: want HOST:PORT", c.debugAddr)
		fmt.Fprintln(stderr, err)
		return c, err
	case c.acceptors <= 0:
		err := errors.New("invalid value for flag -acceptors: want a positive number")
		fmt.Fprintln(stderr, err)
		return c, err
	case c.listenN <= 0 || c.listenN > c.acceptors:
		err := errors.New("invalid value for flag -listen-sockets: want a number from 1 to -acceptors")
		fmt.Fprintln(stderr, err)
		return c, err
	case c.drain < 0:
		err := errors.New("invalid value for flag -drain: want a duration of 0 or more")
		fmt.Fprintln(stderr, err)
		return c, err
	case (c.tlsCert == "") != (c.tlsKey == ""):
		err := errors.New("flags -tls-cert and -tls-key go together")
		fmt.Fprintln(stderr, err)
		return c, err
	case c.connect == "" && (c.tls || c.tlsCA != ""):
		err := errors.New("flags -tls and -tls-ca are the client's: give -connect (the server takes -tls-cert and -tls-key)")
		fmt.Fprintln(stderr, err)
		return c, err
	case c.connect != "" && c.tlsCert != "":
		err := errors.New("flags -tls-cert and -tls-key are the server's: the client takes -tls")
		fmt.Fprintln(stderr, err)
		return c, err
	case c.tlsCA != "" && !c.tls:
		err := errors.New("flag -tls-ca needs -tls")
		fmt.Fprintln(stderr, err)
		return c, err
	}
	return c, nil
}

// validAddr reports whether addr reads as HOST:PORT.
func validAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// run is the program, less the process: it serves until ctx is done (or,
// with -connect, runs the client) and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	}
	level := slog.LevelWarn
	if c.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	system := actor.NewSystem(actor.WithLogger(logger))
	if c.connect != "" {
		return client(system, c, stdin, stdout, stderr)
	}
	return serve(ctx, system, c, stdout, stderr)
}

// serve runs the server until ctx is done, then drains it.
func serve(ctx context.Context, system *actor.ActorSystem, c config, stdout, stderr io.Writer) int {
	opts := ranch.ListenerOptions{
		Addr:           c.addr,
		SocketOptions:  []socket.Option{socket.Packet(c.packet), socket.Active(c.active)},
		NumAcceptors:   c.acceptors,
		MaxConnections: c.maxConns,
	}
	opts.NumListenSockets, opts.ProxyHeader = c.listenN, c.proxy
	if c.reuseport {
		opts.SocketOptions = append(opts.SocketOptions, socket.Reuseport(true))
	}
	if c.verbose {
		opts.Events = ranch.SlogEvents(nil) // to the system's logger
	}
	if c.tlsCert != "" {
		opts.TLS = []ssl.Option{ssl.CertFile(c.tlsCert), ssl.KeyFile(c.tlsKey)}
	}
	var proxyLog *slog.Logger
	if c.verbose && c.proxy {
		proxyLog = system.Logger()
	}
	obs, err := newObserver(c)
	if err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	defer obs.close()
	opts.Events = obs.events(opts.Events)
	l, err := ranch.StartListener(system.Root, echoProtocol(c.active, proxyLog), opts)
	if err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", l.Addr())
	if err := obs.serve(c, system, l, stdout); err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		_ = l.Stop()
		return 1
	}
	select {
	case <-ctx.Done():
	case <-l.Done(): // its supervisor gave up: nothing left to serve
		fmt.Fprintln(stderr, "echo: listener stopped:", l.Ref().Err())
		return 1
	}
	// Stop accepting first, so that clients are refused from now on.
	if err := l.Suspend(); err != nil {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "draining %s for up to %v\n", connections(l.Info().AllConnections), c.drain)
	err = l.Drain(c.drain)
	fmt.Fprintln(stdout, "stopped")
	if err != nil { // the drain ran out, and closed the connections left
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	return 0
}

// connections says "1 connection", "2 connections".
func connections(n int) string {
	if n == 1 {
		return "1 connection"
	}
	return strconv.Itoa(n) + " connections"
}

// echo serves one connection: it sends back every packet. The behaviour
// re-arms {active, once} after each, and {active, N} at each TCPPassive,
// as the article's server does by hand; passive, the handler asks for
// each packet with AsyncRecv, whose result comes to HandleData as well.
type echo struct {
	ranch.BaseHandler
	passive bool
	proxies *slog.Logger // logs each connection's PROXY header, if not nil
}

// echoProtocol returns the protocol of connections in mode, whose PROXY
// headers are logged to proxies if it is not nil. An echo has no state:
// one serves every connection.
func echoProtocol(mode socket.Mode, proxies *slog.Logger) ranch.Protocol {
	h := &echo{passive: mode == socket.False, proxies: proxies}
	return ranch.HandlerProtocol(func() ranch.Handler { return h })
}

// HandleConnection logs the PROXY header, and asks for the first packet
// of a passive socket.
func (e *echo) HandleConnection(c *ranch.Conn) ranch.Action {
	if hdr := c.Proxy(); e.proxies != nil && hdr != nil {
		client, _ := c.Peername()
		proxy, _ := c.Socket().Peername()
		e.proxies.Info("proxy header", "client", client, "proxy", proxy, "version", hdr.Version, "header", hdr.String())
	}
	return e.next(c)
}

// HandleData echoes, and hands data back to the socket for a later
// packet once Send has written or copied it.
func (e *echo) HandleData(c *ranch.Conn, data []byte) ranch.Action {
	err := c.Send(data)
	c.ReleaseData()
	if err != nil {
		return ranch.Close
	}
	return e.next(c)
}

// next asks for the next packet of a passive socket.
func (e *echo) next(c *ranch.Conn) ranch.Action {
	if e.passive {
		if _, err := c.Socket().AsyncRecv(c.Context(), 0, socket.Infinity); err != nil {
			return ranch.Close
		}
	}
	return ranch.Continue
}
