package sock

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// Length 0 waits for data, then returns what is there without waiting for
// more.
func TestRecvLengthZero(t *testing.T) {
	c, s := tcpPair(t)
	got := make(chan []byte, 1)
	go func() {
		data, err := s.Recv(0, Infinity)
		if err != nil {
			t.Error(err)
		}
		got <- data
	}()
	waitBlocked(t, s, false, 1)
	testkit.Must(t, c.Send([]byte("hello"), testkit.WaitBound))
	if data := <-got; string(data) != "hello" {
		t.Fatalf("Recv(0) = %q, want hello", data)
	}
}

// Length 0 returns at most {otp, rcvbuf} bytes, 8192 by default.
func TestRecvLengthZeroTakesRcvBuf(t *testing.T) {
	c, s := tcpPair(t)
	want := pattern(1, 20000)
	testkit.Must(t, c.Send(want, testkit.WaitBound))
	testkit.Must(t, c.Shutdown(Write))
	var got []byte
	for len(got) < len(want) {
		data, err := s.Recv(0, testkit.WaitBound)
		if err != nil {
			t.Fatalf("after %d bytes: %v", len(got), err)
		}
		if len(data) > 8192 {
			t.Fatalf("Recv(0) returned %d bytes, more than rcvbuf", len(data))
		}
		got = append(got, data...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

// Length N waits for N bytes, however they come.
func TestRecvExactLength(t *testing.T) {
	c, s := tcpPair(t)
	got := make(chan []byte, 1)
	go func() {
		data, err := s.Recv(10, Infinity)
		if err != nil {
			t.Error(err)
		}
		got <- data
	}()
	for _, part := range []string{"01", "234", "56789ab"} {
		waitBlocked(t, s, false, 1)
		testkit.Must(t, c.Send([]byte(part), testkit.WaitBound))
	}
	if data := <-got; string(data) != "0123456789" {
		t.Fatalf("Recv(10) = %q", data)
	}
	if data := recvAll(t, s, 2); string(data) != "ab" {
		t.Fatalf("the rest is %q, want ab", data)
	}
}

func TestRecvTimeout(t *testing.T) {
	c, s := tcpPair(t)
	start := time.Now()
	data, err := s.Recv(0, 30*time.Millisecond)
	wantReason(t, "Recv(0) with no data", err, "recv", "timeout")
	if data != nil || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("Recv(0) = %q after %v", data, time.Since(start))
	}
	_, err = s.Recv(5, 0)
	wantReason(t, "Recv(5, 0) with no data", err, "recv", "timeout")

	// Fewer bytes than asked: they come back with timeout, OTP's
	// {error, {timeout, <<"abc">>}}, and are gone from the socket.
	testkit.Must(t, c.Send([]byte("abc"), testkit.WaitBound))
	data, err = s.Recv(5, 50*time.Millisecond)
	wantReason(t, "Recv(5) with 3 bytes", err, "recv", "timeout")
	if string(data) != "abc" {
		t.Fatalf("Recv(5) returned %q with its timeout, want abc", data)
	}
	_, err = s.Recv(0, 0)
	wantReason(t, "Recv(0, 0) after that", err, "recv", "timeout")

	// A Length far beyond what comes allocates only what comes.
	testkit.Must(t, c.Send([]byte("xyz"), testkit.WaitBound))
	data, err = s.Recv(1<<40, 50*time.Millisecond)
	if string(data) != "xyz" || inet.Reason(err) != "timeout" {
		t.Fatalf("Recv(1<<40) = %q, %v; want xyz and timeout", data, err)
	}

	// A zero timeout still takes what is there.
	testkit.Must(t, c.Send([]byte("data"), testkit.WaitBound))
	if data := recvAll(t, s, 4); string(data) != "data" {
		t.Fatalf("Recv(4) = %q", data)
	}
}

func TestRecvClosed(t *testing.T) {
	c, s := tcpPair(t)
	testkit.Must(t, c.Send([]byte("abc"), testkit.WaitBound))
	testkit.Must(t, c.Close())
	// OTP's {error, {closed, <<"abc">>}}, then {error, closed}.
	data, err := s.Recv(5, testkit.WaitBound)
	wantReason(t, "Recv(5) of 3 bytes and the end", err, "recv", "closed")
	if string(data) != "abc" {
		t.Fatalf("Recv(5) returned %q with closed, want abc", data)
	}
	_, err = s.Recv(0, testkit.WaitBound)
	wantReason(t, "Recv(0) after the end", err, "recv", "closed")
	_, _, err = s.Recvfrom(0, testkit.WaitBound)
	wantReason(t, "Recvfrom(0) after the end", err, "recvfrom", "closed")
}

// Closing a socket wakes its blocked Recv calls with closed, those waiting
// for their turn too.
func TestRecvClosedBySelf(t *testing.T) {
	_, s := tcpPair(t)
	closeWakes(t, s, 3, 1, "recv", func() error {
		_, err := s.Recv(4, Infinity)
		return err
	})
}

// A reset is econnreset once, then closed, as in OTP.
func TestRecvReset(t *testing.T) {
	c, s := tcpPair(t)
	testkit.Must(t, c.SetOpt(OptLinger, Linger{OnOff: true, Linger: 0}))
	testkit.Must(t, c.Close())
	_, err := s.Recv(0, testkit.WaitBound)
	wantReason(t, "Recv after a reset", err, "recv", "econnreset")
	_, err = s.Recv(0, testkit.WaitBound)
	wantReason(t, "second Recv after a reset", err, "recv", "closed")
}

// Concurrent Recv calls take their turns in order: a second Recv does not
// take bytes of the message the first is waiting for.
func TestRecvInTurn(t *testing.T) {
	c, s := tcpPair(t)
	// Each call answers on its own channel: the second may return
	// before the first has sent what it got.
	first, second := make(chan string, 1), make(chan string, 1)
	recv := func(got chan<- string) {
		data, err := s.Recv(3, Infinity)
		if err != nil {
			t.Error(err)
		}
		got <- string(data)
	}
	go recv(first)
	waitBlocked(t, s, false, 1)
	testkit.Must(t, c.Send([]byte("ab"), testkit.WaitBound))
	go recv(second)
	testkit.Must(t, c.Send([]byte("cdef"), testkit.WaitBound))
	if a, b := <-first, <-second; a != "abc" || b != "def" {
		t.Fatalf("the first Recv got %q and the second %q, want abc and def", a, b)
	}
}

func TestRecvBadArgs(t *testing.T) {
	_, s := tcpPair(t)
	_, err := s.Recv(-1, 0)
	wantReason(t, "Recv(-1)", err, "recv", "badarg")
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Arg != "length" || !errors.Is(err, inet.ErrBadArg) {
		t.Fatalf("Recv(-1) = %#v, want an ArgError for length", err)
	}
	_, _, err = s.Recvfrom(0, -2)
	wantReason(t, "Recvfrom(0, -2)", err, "recvfrom", "badarg")
	_, err = open(t, Inet, Stream, TCP).Recv(0, 0)
	wantReason(t, "Recv on an unconnected socket", err, "recv", "enotconn")
}

// On a stream socket Recvfrom's address is OTP's #{family => unspec,
// addr => <<>>}.
func TestRecvfromStream(t *testing.T) {
	c, s := tcpPair(t)
	testkit.Must(t, c.Send([]byte("hey"), testkit.WaitBound))
	from, data, err := s.Recvfrom(0, testkit.WaitBound)
	if err != nil || string(data) != "hey" || from != (Addr{}) {
		t.Fatalf("Recvfrom = %v, %q, %v", from, data, err)
	}
	if got := from.String(); got != "#{addr => <<>>,family => unspec}" {
		t.Fatalf("the address prints %s", got)
	}
}
