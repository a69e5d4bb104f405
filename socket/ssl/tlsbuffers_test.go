package ssl

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// tlsbuffers.go reaches three unexported fields of tls.Conn: this fails
// when a Go release moves them, and shows on a plain tls.Conn that they
// are the buffers that grow with a large record and that letting them go
// loses nothing of the stream.
func TestTLSFields(t *testing.T) {
	if !tlsFields.ok {
		t.Fatal("tls.Conn no longer has rawInput bytes.Buffer, input bytes.Reader and hand bytes.Buffer: idle TLS connections keep their buffers (tlsbuffers.go)")
	}
	p := testkit.NewPKI(t, false)
	cert, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	b, err := net.Dial("tcp", ln.Addr().String())
	must(t, err)
	a, err := ln.Accept()
	must(t, err)
	srv := tls.Server(a, &tls.Config{Certificates: []tls.Certificate{cert}})
	cli := tls.Client(b, &tls.Config{InsecureSkipVerify: true})
	defer srv.Close()
	defer cli.Close()
	msg := pattern(64<<10, 3)
	for round := range 3 {
		errc := make(chan error, 1)
		go func() { _, err := cli.Write(msg); errc <- err }()
		got := make([]byte, len(msg))
		_, err := io.ReadFull(srv, got)
		must(t, err)
		must(t, testkit.Result(t, "the client's write", errc))
		if !bytes.Equal(got, msg) {
			t.Fatalf("round %d: the data differs", round)
		}
		raw, in, _ := tlsHeld(srv)
		if raw < 16<<10 || in == 0 {
			t.Fatalf("round %d: after a 64 KiB read rawInput holds %d bytes and input %d: not the record buffers", round, raw, in)
		}
		releaseTLSBuffers(srv)
		if raw, in, hand := tlsHeld(srv); raw != 0 || in != 0 || hand != 0 {
			t.Fatalf("round %d: released, rawInput holds %d bytes, input %d, hand %d", round, raw, in, hand)
		}
	}
}

// heldBytes is the largest buffer l holds: crypto/tls's input buffers and
// the layer's own.
func heldBytes(l *tlsLayer) int {
	raw, in, hand := tlsHeld(l.conn)
	return max(raw, in, hand, cap(l.plain), cap(l.pending), cap(l.w.out), cap(l.w.in))
}

// idleBound is the largest buffer an idle TLS port may hold.
const idleBound = 1 << 10

// idleSizes are the messages the idle tests send: full records, larger
// than one, and small ones, in turn.
var idleSizes = []int{16 << 10, 64 << 10, 100, 64 << 10, 1, 16<<10 + 1}

// watchHeld has each TLS layer's Done record the largest buffer it holds
// (crypto/tls's input buffers and the layer's own) while the port uses
// them and once it is done, until the test ends. It returns how to read
// them for s: the one at the end of its last Done and the largest at any
// Done, once the port is done with what it read (its lock, which GetOpts
// takes, is free).
func watchHeld(t *testing.T) func(s *Socket) (last, peak int) {
	var mu sync.Mutex
	lasts, peaks := map[*tlsLayer]int{}, map[*tlsLayer]int{}
	testHookDone = func(l *tlsLayer, done bool) {
		raw, in, hand := tlsHeld(l.conn)
		n := max(raw, in, hand, cap(l.plain), cap(l.pending), cap(l.w.out), cap(l.w.in))
		mu.Lock()
		if done {
			lasts[l] = n
		}
		peaks[l] = max(peaks[l], n)
		mu.Unlock()
	}
	t.Cleanup(func() { testHookDone = nil })
	return func(s *Socket) (last, peak int) {
		t.Helper()
		_, err := s.sock.GetOpts(socket.OptActive)
		must(t, err)
		mu.Lock()
		defer mu.Unlock()
		l := (*tlsLayer)(s)
		if _, ok := lasts[l]; !ok {
			t.Fatalf("%v: the layer was never done", s)
		}
		return lasts[l], peaks[l]
	}
}

// checkIdle fails t unless s, idle after a size-byte message, holds no
// buffer larger than idleBound.
func checkIdle(t *testing.T, held func(*Socket) (int, int), s *Socket, size int) {
	t.Helper()
	if n, _ := held(s); n > idleBound {
		t.Fatalf("after a %d-byte message %v holds a buffer of %d bytes idle, want at most %d", size, s, n, idleBound)
	}
}

// checkPeak fails t unless the hook saw s's buffers grow while records
// went through: what it measures is what an idle port lets go.
func checkPeak(t *testing.T, held func(*Socket) (int, int), s *Socket) {
	t.Helper()
	if _, n := held(s); n < 16<<10 {
		t.Fatalf("%v held at most %d bytes at any Done: the hook does not see the record buffers", s, n)
	}
}

// An idle TLS port holds no buffer larger than a small bound, whatever
// records it read or sent before, and the stream goes on byte for byte
// after it let its buffers go: large and small messages, both ways, in
// turn, with the bound checked on both ports each time they go idle.
func TestIdlePortHoldsNoBuffers(t *testing.T) {
	held := watchHeld(t)
	p := testkit.NewPKI(t, false)
	srv, cli := newProc(t), newProc(t)
	passive := []Option{SocketOptions(socket.Active(socket.False))}
	server, client := pair(t, p, srv, cli, passive, passive)

	// send sends msg from one to the other, which receives it whole.
	send := func(from, to *Socket, msg []byte) {
		t.Helper()
		must(t, from.Send(msg))
		var got []byte
		for len(got) < len(msg) {
			data, err := to.Recv(0, testkit.WaitBound)
			must(t, err)
			got = append(got, data...)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes sent, %d received, or they differ", len(msg), len(got))
		}
		checkIdle(t, held, from, len(msg))
		checkIdle(t, held, to, len(msg))
	}
	for i, size := range idleSizes {
		send(client, server, pattern(size, i))
		send(server, client, pattern(size, i+7))
	}
	checkPeak(t, held, server)
	checkPeak(t, held, client)
}

// The same against OTP's ssl ({packet, 4}, testdata/ssl_big.escript),
// both ways: after each echo the Erlang end asks for a key update, which
// the port answers after it has let its buffers go.
func TestIdlePortErlangPeers(t *testing.T) {
	escript := erltest.Escript(t) // skips, or fails, without Erlang
	pk := testkit.NewPKI(t, false)
	opts := SocketOptions(socket.Packet(framing.Four), socket.Active(socket.False))
	sizes := make([]string, len(idleSizes))
	for i, n := range idleSizes {
		sizes[i] = strconv.Itoa(n)
	}

	t.Run("ErlangClient", func(t *testing.T) {
		held := watchHeld(t)
		p := newProc(t)
		l, port := listenLo(t, p, serverOpts(pk, opts)...)
		defer l.Close()
		cmd := exec.Command(escript, "testdata/ssl_big.escript", "client", pk.Dir, strconv.Itoa(port), strings.Join(sizes, ","))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		must(t, cmd.Start())
		defer func() {
			if t.Failed() {
				cmd.Process.Kill()
				cmd.Wait()
			}
		}()
		s, err := l.TransportAccept(p, testkit.WaitBound)
		if err == nil {
			err = s.Handshake(testkit.WaitBound)
		}
		if err != nil {
			t.Fatalf("accept: %v\n%s", err, out.String())
		}
		defer s.Close()
		for i, size := range idleSizes {
			data, err := s.Recv(0, testkit.WaitBound)
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if !bytes.Equal(data, pattern(size, i)) {
				t.Fatalf("message %d: %d bytes, or they differ, want %d", i, len(data), size)
			}
			must(t, s.Send(data))
			checkIdle(t, held, s, size)
		}
		if _, err := s.Recv(0, testkit.WaitBound); !errors.Is(err, socket.ErrClosed) {
			t.Fatalf("recv after the last message: %v, want closed", err)
		}
		if err := cmd.Wait(); err != nil || !strings.HasPrefix(out.String(), "ok\n") {
			t.Fatalf("escript: %v\n%s", err, out.String())
		}
		checkPeak(t, held, s)
	})

	t.Run("ErlangServer", func(t *testing.T) {
		held := watchHeld(t)
		line := erltest.Lines(t, "testdata/ssl_big.escript", "server", pk.Dir, strconv.Itoa(len(idleSizes)))
		port, _ := strconv.Atoi(line())
		p := newProc(t)
		c, err := Connect(p, "localhost", port, testkit.WaitBound, clientOpts(pk, opts)...)
		must(t, err)
		defer c.Close()
		for i, size := range idleSizes {
			msg := pattern(size, i)
			must(t, c.Send(msg))
			data, err := c.Recv(0, testkit.WaitBound)
			must(t, err)
			if !bytes.Equal(data, msg) {
				t.Fatalf("message %d: %d bytes, or they differ, want %d", i, len(data), size)
			}
			checkIdle(t, held, c, size)
		}
		checkPeak(t, held, c)
		must(t, c.Close())
		if got := line(); got != "ok" {
			t.Fatalf("the escript said %q", got)
		}
	})
}

// pattern is n bytes that differ from one message (seed) to the next.
func pattern(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + seed)
	}
	return b
}
