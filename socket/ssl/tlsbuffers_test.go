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
	if sum, fields := tlsConnFingerprint(); sum != auditedTLSConn {
		t.Fatalf("tls.Conn's fields changed since tlsbuffers.go was audited: idle TLS connections keep their buffers. Re-audit crypto/tls's use of rawInput, input and hand against lendRecordBuf and releaseTLSBuffers, then set auditedTLSConn to %s; tls.Conn's fields now:\n%s", sum, fields)
	}
	if !tlsFields.ok {
		t.Fatal("tls.Conn no longer has rawInput bytes.Buffer, input bytes.Reader and hand bytes.Buffer: idle TLS connections keep their buffers (tlsbuffers.go)")
	}
	srv, cli := plainTLSPair(t, func(c net.Conn) net.Conn { return c }, func(c net.Conn) net.Conn { return c })
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
		raw, in, _, _ := tlsHeld(srv)
		if raw < 16<<10 || in == 0 {
			t.Fatalf("round %d: after a 64 KiB read rawInput holds %d bytes and input %d: not the record buffers", round, raw, in)
		}
		releaseTLSBuffers(srv)
		if raw, in, hand, _ := tlsHeld(srv); raw != 0 || in != 0 || hand != 0 {
			t.Fatalf("round %d: released, rawInput holds %d bytes, input %d, hand %d", round, raw, in, hand)
		}
	}
}

// heldBytes is the largest buffer l holds: crypto/tls's input buffers and
// the layer's own.
func heldBytes(l *tlsLayer) int {
	raw, in, hand, _ := tlsHeld(l.conn)
	return max(raw, in, hand, cap(l.plain), cap(l.pending), cap(l.w.out), cap(l.w.in))
}

// setHookDone sets testHookDone to f until the test ends.
func setHookDone(t *testing.T, f func(l *tlsLayer, done bool)) {
	testHookDone.Store(&f)
	t.Cleanup(func() { testHookDone.Store(nil) })
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
	setHookDone(t, func(l *tlsLayer, done bool) {
		n := heldBytes(l)
		mu.Lock()
		if done {
			lasts[l] = n
		}
		peaks[l] = max(peaks[l], n)
		mu.Unlock()
	})
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

// holdConn is a crypto/tls peer's net.Conn whose writes, while hold is
// set, are kept in held instead of sent: the test sends them itself, cut
// where it likes.
type holdConn struct {
	net.Conn
	hold bool
	held []byte
}

func (c *holdConn) Write(b []byte) (int, error) {
	if c.hold {
		c.held = append(c.held, b...)
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// doneState is what a TLS layer holds at the end of a Done.
type doneState struct {
	l             *tlsLayer
	lent          int // rawInput's capacity at the start of the Done
	held, partial int // the largest buffer left, and the bytes of a partial record
}

// A port that goes idle in the middle of a record (its peer sent part of
// it and stopped) keeps the bytes it has in a buffer of at most 4 times
// their size,
// not the record buffer crypto/tls read them into: a peer that sends a
// few bytes of a record and waits pins a few bytes. The rest of the
// record, when it comes, completes it: the data arrives intact. Records
// of 1000 bytes and of 16 KiB (a full one), cut in the header, just after
// it, and one byte short of the end.
func TestIdlePortPartialRecord(t *testing.T) {
	var mu sync.Mutex
	var states []doneState
	var lent int
	changed := make(chan struct{}, 1)
	setHookDone(t, func(l *tlsLayer, done bool) {
		raw, _, _, partial := tlsHeld(l.conn)
		mu.Lock()
		defer mu.Unlock()
		if !done {
			lent = raw
			return
		}
		states = append(states, doneState{l: l, lent: lent, held: heldBytes(l), partial: partial})
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	// doneWith waits for a Done of l that leaves partial bytes of a record.
	doneWith := func(l *tlsLayer, partial int) doneState {
		t.Helper()
		for {
			mu.Lock()
			for i, st := range states {
				if st.l == l && st.partial == partial {
					states = states[i+1:]
					mu.Unlock()
					return st
				}
			}
			mu.Unlock()
			testkit.Recv(t, changed, "a Done of the layer")
		}
	}

	pk := testkit.NewPKI(t, false)
	p := newProc(t)
	l, port := listenLo(t, p, serverOpts(pk, SocketOptions(socket.Active(socket.True)))...)
	defer l.Close()
	tcp, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
	must(t, err)
	peer := &holdConn{Conn: tcp}
	cli := tls.Client(peer, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, DynamicRecordSizingDisabled: true})
	defer cli.Close()
	hs := make(chan error, 1)
	go func() { hs <- cli.Handshake() }()
	s, err := l.TransportAccept(p, testkit.WaitBound)
	if err == nil {
		err = s.Handshake(testkit.WaitBound)
	}
	must(t, err)
	defer s.Close()
	must(t, testkit.Result(t, "the client's handshake", hs))
	layer := (*tlsLayer)(s)

	for i, size := range []int{1000, 16 << 10} {
		overhead := 5 + 1 + 16 // header, content type, AEAD tag (TLS 1.3)
		for _, k := range []int{3, 5, 6, size + overhead - 1} {
			msg := pattern(size, i*10+k)
			peer.hold = true
			_, err := cli.Write(msg)
			peer.hold = false
			must(t, err)
			record := peer.held
			peer.held = nil
			if len(record) != size+overhead {
				t.Fatalf("a %d-byte message made %d bytes of records, want one record of %d", size, len(record), size+overhead)
			}

			_, err = tcp.Write(record[:k])
			must(t, err)
			st := doneWith(layer, k)
			if st.lent != recordBufSize {
				t.Errorf("%d of %d bytes: crypto/tls read them into a buffer of %d bytes, want a record buffer (%d)", k, len(record), st.lent, recordBufSize)
			}
			if st.held > 4*k {
				t.Fatalf("%d of %d bytes: the idle port holds a buffer of %d bytes, want at most 4 times them", k, len(record), st.held)
			}

			_, err = tcp.Write(record[k:])
			must(t, err)
			var got []byte
			for len(got) < len(msg) {
				m := testkit.ExpectOf(t, p, func(m *SSL) bool { return m.Socket == s })
				got = append(got, m.Data...)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("cut after %d bytes: %d bytes arrived, or they differ, want %d", k, len(got), len(msg))
			}
			if st := doneWith(layer, 0); st.held != 0 {
				t.Fatalf("cut after %d bytes: once the record is read the idle port holds a buffer of %d bytes", k, st.held)
			}
		}
	}

	// A stream of full records, read many at a time and cut anywhere,
	// stays in the record buffer: crypto/tls never needs to grow one.
	mu.Lock()
	states = nil
	mu.Unlock()
	msg := pattern(256<<10, 99)
	wrote := make(chan error, 1)
	go func() { _, err := cli.Write(msg); wrote <- err }()
	var got []byte
	for len(got) < len(msg) {
		m := testkit.ExpectOf(t, p, func(m *SSL) bool { return m.Socket == s })
		got = append(got, m.Data...)
	}
	must(t, testkit.Result(t, "the client's write", wrote))
	if !bytes.Equal(got, msg) {
		t.Fatalf("%d bytes arrived, or they differ, want %d", len(got), len(msg))
	}
	_, err = s.sock.GetOpts(socket.OptActive) // the port's lock: its last Done has run
	must(t, err)
	mu.Lock()
	defer mu.Unlock()
	for i, st := range states {
		if st.l == layer && st.lent != recordBufSize {
			t.Fatalf("read %d of the stream: crypto/tls read into a buffer of %d bytes, not the record buffer (%d)", i, st.lent, recordBufSize)
		}
	}
}

// feedConn is a crypto/tls server's net.Conn that, once fed, reads only
// the bytes the test gives it (in), and answers errWouldBlock when they
// are used up, as wire does for an established port.
type feedConn struct {
	net.Conn
	fed bool
	in  []byte
}

func (c *feedConn) Read(b []byte) (int, error) {
	if !c.fed {
		return c.Conn.Read(b)
	}
	if len(c.in) == 0 {
		return 0, errWouldBlock
	}
	n := copy(b, c.in)
	c.in = c.in[n:]
	return n, nil
}

// moreToRead tells Input when another Read may give more than
// errWouldBlock: after a record that ends the bytes read, no; with a
// second record behind it, or its header, yes; with less than a header,
// no, until the rest of the record comes.
func TestMoreToRead(t *testing.T) {
	var feed *feedConn
	var peer *holdConn
	srv, cli := plainTLSPair(t,
		func(c net.Conn) net.Conn { feed = &feedConn{Conn: c}; return feed },
		func(c net.Conn) net.Conn { peer = &holdConn{Conn: c}; return peer })
	errc := make(chan error, 1)
	go func() { errc <- cli.Handshake() }()
	must(t, srv.Handshake())
	must(t, testkit.Result(t, "the client's handshake", errc))
	feed.fed, peer.hold = true, true

	records := func(msgs ...string) []byte {
		peer.held = nil
		for _, m := range msgs {
			_, err := cli.Write([]byte(m))
			must(t, err)
		}
		return peer.held
	}
	read := func(want string, more bool) {
		t.Helper()
		buf := make([]byte, 100)
		n, err := srv.Read(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("read %q, %v; want %q", buf[:n], err, want)
		}
		if got := moreToRead(srv); got != more {
			t.Fatalf("after %q: moreToRead %v, want %v", want, got, more)
		}
	}
	feed.in = records("one", "two")
	read("one", true)
	read("two", false)
	if _, err := srv.Read(make([]byte, 100)); err != errWouldBlock {
		t.Fatalf("a Read with nothing left: %v, want errWouldBlock", err)
	}
	three := records("three")
	for _, cut := range []int{3, recordHeaderLen} {
		feed.in = three[:cut]
		if _, err := srv.Read(make([]byte, 100)); err != errWouldBlock {
			t.Fatalf("a Read of %d bytes of a record: %v, want errWouldBlock", cut, err)
		}
		if got, want := moreToRead(srv), cut >= recordHeaderLen; got != want {
			t.Fatalf("with %d bytes of a record: moreToRead %v, want %v", cut, got, want)
		}
		feed.in = three[cut:]
		read("three", false)
		three = records("three")
	}
}

// plainTLSPair returns a crypto/tls server and client over a loopback TCP
// connection, each side's net.Conn wrapped by srvConn and cliConn, their
// handshakes to come; the test's cleanup closes them.
func plainTLSPair(t *testing.T, srvConn, cliConn func(net.Conn) net.Conn) (srv, cli *tls.Conn) {
	t.Helper()
	p := testkit.NewPKI(t, false)
	cert, err := tls.LoadX509KeyPair(p.ServerCert, p.ServerKey)
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	b, err := net.Dial("tcp", ln.Addr().String())
	must(t, err)
	a, err := ln.Accept()
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	srv = tls.Server(srvConn(a), &tls.Config{Certificates: []tls.Certificate{cert}})
	cli = tls.Client(cliConn(b), &tls.Config{InsecureSkipVerify: true})
	t.Cleanup(func() { srv.Close(); cli.Close() })
	return srv, cli
}
