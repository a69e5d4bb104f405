package sock

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// A send bigger than the kernel's buffers waits for the peer to read.
func TestSendWaitsForRoom(t *testing.T) {
	c, s := tcpPair(t)
	testkit.Must(t, c.SetOpt(OptSndBuf, 4096))
	want := pattern(2, 1<<20)
	sent := make(chan error, 1)
	go func() { sent <- c.Send(want, Infinity) }()
	waitBlocked(t, c, true, 1)
	got := recvAll(t, s, len(want))
	testkit.Must(t, <-sent)
	if !bytes.Equal(got, want) {
		t.Fatal("bytes differ")
	}
}

// A send that times out returns the bytes not sent, OTP's {error,
// {timeout, RestData}}; what was sent plus the rest is the whole.
func TestSendTimeoutRest(t *testing.T) {
	c, s := tcpPair(t)
	data := pattern(3, 16<<20) // more than both kernel buffers hold
	err := c.Send(data, 50*time.Millisecond)
	wantReason(t, "Send of 16 MiB to a peer that does not read", err, "send", "timeout")
	var te *inet.SendTimeoutError
	if !errors.As(err, &te) || len(te.Rest) == 0 || len(te.Rest) >= len(data) {
		t.Fatalf("Send = %v, want a SendTimeoutError with part of the data", err)
	}
	sent := len(data) - len(te.Rest)
	if got := recvAll(t, s, sent); !bytes.Equal(got, data[:sent]) {
		t.Fatal("the bytes sent differ")
	}
	if !bytes.Equal(te.Rest, data[sent:]) {
		t.Fatal("Rest is not the end of the data")
	}
}

// Once the peer is gone a send may still succeed (the kernel takes it and
// the peer answers with a reset); the next ones are epipe.
func TestSendAfterPeerClose(t *testing.T) {
	c, s := tcpPair(t)
	testkit.Must(t, c.Close())
	_, err := s.Recv(0, testkit.WaitBound) // the FIN is here
	wantReason(t, "Recv", err, "recv", "closed")
	for i := 0; ; i++ {
		err := s.Send([]byte("x"), testkit.WaitBound)
		if err != nil {
			wantReason(t, "Send after the peer closed", err, "send", "epipe")
			return
		}
		if i == 1000 {
			t.Fatal("Send still succeeds long after the peer closed")
		}
	}
}

func TestSendErrors(t *testing.T) {
	l, _ := listener(t, Inet)
	wantReason(t, "Send on a listener", l.Send([]byte("a"), testkit.WaitBound), "send", "epipe")
	u := open(t, Inet, Dgram, UDP)
	wantReason(t, "Send on an unconnected udp", u.Send([]byte("a"), testkit.WaitBound), "send", "edestaddrreq")
	wantReason(t, "Sendto of an inet6 address on inet", u.Sendto([]byte("a"), Loopback(Inet6, 9), testkit.WaitBound), "sendto", "eafnosupport")
	wantReason(t, "Sendto of a bad address", u.Sendto([]byte("a"), Addr{Family: Inet6}, testkit.WaitBound), "sendto", "badarg")
	wantReason(t, "Sendto on an unconnected stream", open(t, Inet, Stream, TCP).Sendto([]byte("a"), Loopback(Inet, 9), testkit.WaitBound), "sendto", "epipe")
	wantReason(t, "Send with timeout -2", u.Send(nil, -2), "send", "badarg")
}
