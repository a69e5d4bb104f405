package socket

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// drain reads n bytes from s with Recv.
func drain(t *testing.T, s *Socket, n int) []byte {
	t.Helper()
	var got []byte
	for len(got) < n {
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("after %d of %d bytes: %v", len(got), n, err)
		}
		got = append(got, data...)
	}
	return got
}

// gen_tcp_misc_SUITE:send_timeout: the peer does not read; a send that
// fills the queue past the high watermark times out, and what it queued
// still arrives, intact, when the peer reads.
func TestSendTimeout(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(SendTimeout(100*time.Millisecond), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	var sent []byte
	var err error
	for range 1000 {
		if err = c.Send(chunk); err != nil {
			break
		}
		sent = append(sent, chunk...)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send = %v, want timeout", err)
	}
	sent = append(sent, chunk...) // the timed-out send's data stays queued
	got := drain(t, s, len(sent))
	if !bytes.Equal(got, sent) {
		t.Fatal("bytes differ")
	}
	// The socket works again once the queue drained.
	if err := c.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, s, 5); string(got) != "after" {
		t.Fatalf("got %q", got)
	}
}

// A send made while another has made the socket busy waits for that one,
// with no timeout of its own, and goes on when it times out: it queues
// its data, makes the socket busy in turn and times out itself, and its
// data still arrives, after the first one's. OTP 25 answers so: with
// {send_timeout, 500}, a process that sends 64 KiB binaries until
// {error, timeout} times out after 0.5 s, another that sent a marker
// meanwhile after 1 s, and the peer reads the marker last.
func TestBusySendersGoOn(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(SendTimeout(100*time.Millisecond), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	type result struct {
		who string
		err error
	}
	done := make(chan result, 2)
	var sent []byte // the first sender's, read once it has returned
	go func() {
		var err error
		for range 1000 {
			if err = c.Send(chunk); err != nil {
				break
			}
			sent = append(sent, chunk...)
		}
		done <- result{"first", err}
	}()
	testkit.Until(t, "busy", func() bool { return busy(c) })
	go func() { done <- result{"second", c.Send([]byte("MARKER"))} }()
	for _, want := range []string{"first", "second"} {
		r := <-done
		if r.who != want || !errors.Is(r.err, ErrTimeout) {
			t.Fatalf("got %s's %v, want %s's timeout", r.who, r.err, want)
		}
	}
	sent = append(sent, chunk...) // the timed-out send's data stays queued
	sent = append(sent, "MARKER"...)
	got := drain(t, s, len(sent))
	if !bytes.Equal(got, sent) {
		t.Fatalf("the peer read %d bytes ending %q, want %d ending %q", len(got), got[max(0, len(got)-6):], len(sent), "MARKER")
	}
}

// On the socket backend a Send behind another waits until its own
// SendTimeout, as OTP 25's gen_tcp_socket's send does in its caller's
// process: here the first Send began with Infinity and waits for ever,
// and the second times out alone.
func TestSocketBackendSendersTimeOutAlone(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(InetBackend(BackendSocket), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	first := make(chan error, 1)
	go func() { first <- c.Send(make([]byte, 8<<20)) }()
	testkit.Until(t, "busy", func() bool { return busy(c) })
	c.SetOpts(SendTimeout(50 * time.Millisecond))
	second := make(chan error, 1)
	go func() { second <- c.Send([]byte("x")) }()
	if err := testkit.Result(t, "the second Send", second); !errors.Is(err, ErrTimeout) {
		t.Fatalf("the second Send = %v, want timeout", err)
	}
	select {
	case err := <-first:
		t.Fatalf("the first Send returned %v before the socket closed", err)
	default:
	}
	c.SetOpts(Linger(true, 0)) // its Close drops the queue the peer never reads
	c.Close()
	testkit.Result(t, "the first Send", first)
}

// gen_tcp_misc_SUITE:send_timeout_basic_w_autoclose: a send that times
// out with send_timeout_close closes the socket: the next send answers
// enotconn with the inet backend, closed with the socket backend. And what
// OTP 25 does after it (TestGenTCPSuitesOracle's timeout_close_*): with
// the inet backend every later send and recv answers enotconn, the owner
// hears nothing, active or not, until it sets an active mode, which brings
// one tcp_closed (no tcp_error) and, with exit_on_close, closes the port;
// without exit_on_close it stays, answering enotconn.
func TestSendTimeoutBasicWAutoclose(t *testing.T) {
	for _, tc := range []struct {
		name        string
		backend     Backend
		active      Mode
		exitOnClose bool
	}{
		{"inet_passive", BackendInet, False, true},
		{"inet_active", BackendInet, True, true},
		{"inet_passive_exit_on_close_false", BackendInet, False, false},
		{"socket_passive", BackendSocket, False, true},
		{"socket_active", BackendSocket, True, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProc(t)
			_, c, _ := apiPair(t, p, []Option{Active(False), Recbuf(4096)}, InetBackend(tc.backend), Active(tc.active),
				ExitOnClose(tc.exitOnClose), SendTimeout(50*time.Millisecond), SendTimeoutClose(true), Sndbuf(4096))
			chunk := make([]byte, 64<<10)
			err := sendUntilError(c)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Send = %v, want timeout", err)
			}
			if tc.backend == BackendSocket {
				for range 2 {
					if err := c.Send(chunk); !errors.Is(err, ErrClosed) {
						t.Fatalf("Send after the timeout = %v, want closed", err)
					}
				}
				if tc.active == False {
					if _, err := c.Recv(0, testkit.WaitBound); !errors.Is(err, ErrClosed) {
						t.Fatalf("Recv after the timeout = %v, want closed", err)
					}
				}
				return
			}
			notconn := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, unix.ENOTCONN) {
					t.Fatalf("%s after the timeout = %v, want enotconn", what, err)
				}
			}
			for range 2 {
				notconn("Send", c.Send(chunk))
			}
			if tc.active == False {
				for range 2 {
					_, err := c.Recv(0, testkit.WaitBound)
					notconn("Recv", err)
				}
			}
			_, err = c.Peername()
			notconn("Peername", err)
			if _, err := c.Sockname(); !errors.Is(err, unix.EBADF) {
				t.Fatalf("Sockname after the timeout = %v, want ebadf", err)
			}
			notconn("Shutdown", c.Shutdown(Write))
			testkit.None(t, p, nil) // not even an active owner hears of it
			if err := c.SetOpts(Active(True)); err != nil {
				t.Fatalf("SetOpts(active) = %v, want ok", err)
			}
			if m, ok := testkit.Next(t, p).(*TCPClosed); !ok || m.Socket != c {
				t.Fatalf("got %#v, want tcp_closed", m)
			}
			err = c.SetOpts(Active(True))
			testkit.None(t, p, nil) // one tcp_closed only: a second would have come before SetOpts returned
			if !tc.exitOnClose {
				if err != nil {
					t.Fatalf("SetOpts again = %v, want ok", err)
				}
				notconn("Send", c.Send(chunk))
				return
			}
			if !errors.Is(err, unix.EINVAL) {
				t.Fatalf("SetOpts on the closed port = %v, want einval", err)
			}
			if err := c.Send(chunk); !errors.Is(err, ErrClosed) {
				t.Fatalf("Send on the closed port = %v, want closed", err)
			}
		})
	}
}

// The socket backend's send waits until written, and on timeout returns
// what it could not write.
func TestSocketBackendRest(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(InetBackend(BackendSocket), SendTimeout(100*time.Millisecond), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	big := bytes.Repeat([]byte("xyz"), 3<<20)
	err := c.Send(big)
	var te *inet.SendTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("Send = %v, want {timeout, Rest}", err)
	}
	if len(te.Rest) == 0 || len(te.Rest) >= len(big) {
		t.Fatalf("rest is %d of %d bytes", len(te.Rest), len(big))
	}
	written := len(big) - len(te.Rest)
	if !bytes.Equal(te.Rest, big[written:]) {
		t.Fatal("rest is not the tail of the data")
	}
	got := drain(t, s, written)
	if !bytes.Equal(got, big[:written]) {
		t.Fatal("what was written differs")
	}
}

// Watermarks are coupled as in OTP.
func TestWatermarks(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False))
	get := func() (int, int) {
		o, err := c.GetOpts(OptHighWatermark, OptLowWatermark)
		if err != nil {
			t.Fatal(err)
		}
		return o[0].Value().(int), o[1].Value().(int)
	}
	if h, l := get(); h != 8192 || l != 4096 {
		t.Fatalf("defaults %d/%d, want 8192/4096", h, l)
	}
	c.SetOpts(HighWatermark(100))
	if h, l := get(); h != 100 || l != 100 {
		t.Fatalf("high 100: %d/%d, want 100/100", h, l)
	}
	c.SetOpts(LowWatermark(200))
	if h, l := get(); h != 200 || l != 200 {
		t.Fatalf("low 200: %d/%d, want 200/200", h, l)
	}
}

func TestPacketHeaderTooLong(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False), Packet(framing.One))
	if err := c.Send(make([]byte, 256)); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("Send of 256 bytes with packet 1 = %v, want emsgsize", err)
	}
	if err := c.Send(make([]byte, 255)); err != nil {
		t.Fatal(err)
	}
}

func TestDelaySend(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False), Packet(framing.Two))
	c.SetOpts(DelaySend(true))
	for i := range 100 {
		if err := c.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil || len(data) != 1 || data[0] != byte(i) {
			t.Fatalf("packet %d = %v, %v", i, data, err)
		}
	}
}

// A wait that ends as the socket stops being busy ends as not busy, even
// when the deadline or the stop has come too: the send is done.
func TestWaitPrefersDone(t *testing.T) {
	var s Socket
	done, stop := make(chan struct{}), make(chan struct{})
	close(done)
	close(stop)
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 64 { // select alone picks at random
		if err := s.waitUnlocked(done, time.Unix(1, 0), stop); err != nil {
			t.Fatalf("wait = %v, want nil: the channel was closed", err)
		}
	}
}

// A socket-backend send whose wait is stopped (a deadline, a context)
// when its queue has emptied has sent everything: it succeeds, rather
// than reporting a timeout with no rest.
func TestSocketBackendNothingLeft(t *testing.T) {
	p := newProc(t)
	c, _ := pair(t, p, Active(False))
	c.SetOpts(InetBackend(BackendSocket))
	stop := make(chan struct{})
	close(stop)
	c.mu.Lock()
	err := c.sendAll(time.Time{}, stop)
	busy := c.busyChan()
	c.mu.Unlock()
	if err != nil || busy != nil {
		t.Fatalf("sendAll with an empty queue = %v (busy %v), want nil and not busy", err, busy != nil)
	}
}

// A socket-backend send that times out with send_timeout_close answers
// timeout alone, as OTP 25's gen_tcp_socket: the socket closes, and the
// rest is lost, not reported as an empty rest.
func TestSocketBackendTimeoutClose(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	c.SetOpts(InetBackend(BackendSocket), SendTimeout(50*time.Millisecond), SendTimeoutClose(true), Sndbuf(4096))
	s.SetOpts(Recbuf(4096))
	err := c.Send(bytes.Repeat([]byte("xyz"), 1<<20))
	var te *inet.SendTimeoutError
	if !errors.Is(err, ErrTimeout) || errors.As(err, &te) {
		t.Fatalf("Send = %v, want timeout alone", err)
	}
	if err := c.Send([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after = %v, want closed", err)
	}
}
