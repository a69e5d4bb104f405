package ssl

import (
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// holdProxy forwards TCP between a client and a server, both ways; once
// hold is called it keeps what the client sends until the client closes,
// then sends it to the server in one write, and records what the server
// sends from then on.
type holdProxy struct {
	ln net.Listener

	mu       sync.Mutex
	holding  bool
	held     []byte // the client's bytes, held
	recorded []byte // the server's bytes, since hold

	done chan struct{} // closed when both directions have ended
}

// newHoldProxy listens on 127.0.0.1 and proxies one connection to the
// server at port.
func newHoldProxy(t *testing.T, port int) *holdProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &holdProxy{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		s, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return
		}
		defer s.Close()
		var wg sync.WaitGroup
		wg.Go(func() { p.fromClient(c, s) })
		p.fromServer(s, c)
		c.Close() // the server has closed: so does the client's side
		wg.Wait()
	}()
	t.Cleanup(func() {
		ln.Close()
		testkit.Recv(t, p.done, "the proxy's end")
	})
	return p
}

// port is the proxy's port.
func (p *holdProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// hold starts holding the client's bytes and recording the server's.
func (p *holdProxy) hold() {
	p.mu.Lock()
	p.holding = true
	p.mu.Unlock()
}

func (p *holdProxy) fromClient(c, s net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		p.mu.Lock()
		holding := p.holding
		if holding {
			p.held = append(p.held, buf[:n]...)
		}
		p.mu.Unlock()
		if !holding && n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			p.mu.Lock()
			held := p.held
			p.mu.Unlock()
			if len(held) > 0 {
				s.Write(held) // one write, so one read of the server's
			}
			return
		}
	}
}

func (p *holdProxy) fromServer(s, c net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		p.mu.Lock()
		if p.holding {
			p.recorded = append(p.recorded, buf[:n]...)
		}
		p.mu.Unlock()
		c.Write(buf[:n]) // the client may be gone: what counts is recorded
		if err != nil {
			return
		}
	}
}

// tlsRecords splits b into TLS records, and fails t if it ends inside one.
func tlsRecords(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var recs [][]byte
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("%d bytes after %d records: not a record header", len(b), len(recs))
		}
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if len(b) < n {
			t.Fatalf("record %d: %d bytes of %d", len(recs), len(b), n)
		}
		recs = append(recs, b[:n])
		b = b[n:]
	}
	return recs
}

// When one read brings the peer's key update, which the port must
// answer, and its close_notify, an active port that closes on it
// (exit_on_close) sends the answer once, then its own close_notify: two
// records. OTP's ssl client (testdata/ssl_keyupdate_close.escript) asks
// for the key update and closes at once; a proxy holds both and gives
// them to the port in one write.
func TestKeyUpdateThenCloseNotify(t *testing.T) {
	escript := erltest.Escript(t) // skips, or fails, without Erlang
	pk := testkit.NewPKI(t, false)
	p := newProc(t)
	l, port := listenLo(t, p, serverOpts(pk, SocketOptions(socket.Active(socket.True)))...)
	defer l.Close()
	proxy := newHoldProxy(t, port)

	cmd := exec.Command(escript, "testdata/ssl_keyupdate_close.escript", pk.Dir, strconv.Itoa(proxy.port()))
	stdin, err := cmd.StdinPipe()
	must(t, err)
	lines, stderr := testkit.Start(t, cmd)
	defer func() {
		if t.Failed() {
			cmd.Process.Kill()
		}
		stdin.Close()
		<-lines.Done()
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("escript: %v\n%s", err, stderr)
		}
	}()
	s, err := l.TransportAccept(p, testkit.WaitBound)
	if err == nil {
		err = s.Handshake(testkit.WaitBound)
	}
	if err != nil {
		t.Fatalf("accept: %v\n%s", err, stderr)
	}
	defer s.Close()
	m := testkit.ExpectOf(t, p, func(m *SSL) bool { return m.Socket == s })
	must(t, s.Send(m.Data))
	if got := lines.Next(t); got != "echoed" {
		t.Fatalf("the escript said %q\n%s", got, stderr)
	}
	proxy.hold()
	_, err = io.WriteString(stdin, "go\n")
	must(t, err)
	if got := lines.Next(t); got != "ok" {
		t.Fatalf("the escript said %q\n%s", got, stderr)
	}

	testkit.ExpectOf(t, p, func(m *Closed) bool { return m.Socket == s })
	testkit.Recv(t, proxy.done, "the proxy's end: the port's close")
	proxy.mu.Lock()
	recorded := proxy.recorded
	proxy.mu.Unlock()
	recs := tlsRecords(t, recorded)
	if len(recs) != 2 {
		t.Fatalf("after the key update and close_notify the port sent %d records (%v), want 2: the key update's answer and close_notify", len(recs), recordLens(recs))
	}
	for i, r := range recs {
		if r[0] != 23 { // TLS 1.3: all of them application_data on the wire
			t.Fatalf("record %d has type %d", i, r[0])
		}
	}
	if _, err := s.Recv(0, 0); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("recv after the close: %v, want closed", err)
	}
}

// recordLens are the lengths of recs.
func recordLens(recs [][]byte) []int {
	ns := make([]int, len(recs))
	for i, r := range recs {
		ns[i] = len(r)
	}
	return ns
}
