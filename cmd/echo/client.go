package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/ssl"
)

// replyTimeout is how long the client waits for each reply, as the
// article's EchoClient's recv(Socket, 0, 5000).
const replyTimeout = 5 * time.Second

// conn is what the client does with its socket, TCP's or TLS's.
type conn interface {
	Send(data ...[]byte) error
	Recv(length int, timeout time.Duration) ([]byte, error)
	Close() error
}

// dial connects to host:port, passive, with -packet's framing, over TLS
// with -tls.
func dial(self *actor.Process, host string, port int, c config) (conn, error) {
	opts := []socket.Option{socket.Packet(c.packet), socket.Active(socket.False)}
	if !c.tls {
		return socket.Connect(self, host, port, replyTimeout, opts...)
	}
	tlsOpts := []ssl.Option{ssl.SocketOptions(opts...)}
	if c.tlsCA != "" {
		tlsOpts = append(tlsOpts, ssl.CACertFile(c.tlsCA))
	}
	return ssl.Connect(self, host, port, replyTimeout, tlsOpts...)
}

// client is the article's EchoClient: it connects passive, with -packet's
// framing, sends each line of stdin (with its newline for raw and line,
// as a packet of its own for 1, 2 and 4) and prints each reply, one per
// line. It is a plain goroutine with an actor.Process of its own, the
// socket's owner.
func client(system *actor.ActorSystem, c config, stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintln(stderr, "echo:", err)
		return 1
	}
	host, p, err := net.SplitHostPort(c.connect)
	if err != nil {
		return fail(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return fail(fmt.Errorf("bad port %q", p))
	}
	self, err := actor.NewProcess(system)
	if err != nil {
		return fail(err)
	}
	defer self.Close()
	s, err := dial(self, host, port, c)
	if err != nil {
		return fail(err)
	}
	defer s.Close()
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	lines := bufio.NewScanner(stdin)
	lines.Buffer(make([]byte, 64*1024), 16<<20)
	for lines.Scan() {
		msg := lines.Bytes()
		framed := c.packet == framing.One || c.packet == framing.Two || c.packet == framing.Four
		if !framed {
			msg = append(msg, '\n')
		}
		if err := s.Send(msg); err != nil {
			return fail(err)
		}
		want := 0 // a packet, or a line
		if c.packet == framing.Raw {
			want = len(msg) // raw has no boundaries: read back as much as was sent
		}
		reply, err := s.Recv(want, replyTimeout)
		if err != nil {
			return fail(err)
		}
		out.Write(reply)
		if framed {
			out.WriteByte('\n')
		}
		if err := out.Flush(); err != nil {
			return fail(err)
		}
	}
	if err := lines.Err(); err != nil {
		return fail(err)
	}
	return 0
}
