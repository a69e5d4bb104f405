package sock

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
)

func TestUDPSendtoRecvfrom(t *testing.T) {
	for _, d := range []Domain{Inet, Inet6} {
		t.Run(d.String(), func(t *testing.T) {
			a, b, aAddr, bAddr := udpPair(t, d)
			for i, n := range []int{0, 1, 100, 1472, 8192} {
				want := pattern(i, n)
				testkit.Must(t, a.Sendto(want, bAddr, testkit.WaitBound))
				from, got, err := b.Recvfrom(0, testkit.WaitBound)
				if err != nil || from != aAddr || !bytes.Equal(got, want) {
					t.Fatalf("Recvfrom of %d bytes = %v, %d bytes, %v; want %v", n, from, len(got), err, aAddr)
				}
				if got == nil {
					t.Fatal("an empty datagram came back as nil")
				}
			}
			// Replies go to the address Recvfrom gave.
			testkit.Must(t, b.Sendto([]byte("reply"), aAddr, testkit.WaitBound))
			if got, err := a.Recv(0, testkit.WaitBound); err != nil || string(got) != "reply" {
				t.Fatalf("Recv = %q, %v", got, err)
			}
		})
	}
}

// A datagram is cut to Length, or to {otp, rcvbuf} for Length 0, and the
// rest of it is gone; Length beyond the datagram takes it whole.
func TestUDPTruncation(t *testing.T) {
	a, b, _, bAddr := udpPair(t, Inet)
	big := pattern(4, 20000)
	for _, tc := range []struct {
		length, want int
	}{{3, 3}, {0, 8192}, {30000, 20000}, {20000, 20000}, {1 << 40, 20000}} {
		testkit.Must(t, a.Sendto(big, bAddr, testkit.WaitBound))
		got, err := b.Recv(tc.length, testkit.WaitBound)
		if err != nil || !bytes.Equal(got, big[:tc.want]) {
			t.Fatalf("Recv(%d) of 20000 bytes = %d bytes, %v; want the first %d", tc.length, len(got), err, tc.want)
		}
	}
	testkit.Must(t, b.SetOpt(OptOTPRcvBuf, 65535))
	testkit.Must(t, a.Sendto(big, bAddr, testkit.WaitBound))
	if got, err := b.Recv(0, testkit.WaitBound); err != nil || len(got) != len(big) {
		t.Fatalf("Recv(0) with rcvbuf 65535 = %d bytes, %v; want the whole datagram", len(got), err)
	}
	_, err := b.Recv(0, 0)
	wantReason(t, "Recv of an empty socket", err, "recv", "timeout")
}

func TestUDPTooBig(t *testing.T) {
	a, _, _, bAddr := udpPair(t, Inet)
	wantReason(t, "Sendto of 70000 bytes", a.Sendto(make([]byte, 70000), bAddr, testkit.WaitBound), "sendto", "emsgsize")
}

// Close wakes a Recvfrom blocked on a datagram socket.
func TestUDPRecvClosed(t *testing.T) {
	u := open(t, Inet6, Dgram, UDP)
	closeWakes(t, u, 1, 1, "recvfrom", func() error {
		_, _, err := u.Recvfrom(0, Infinity)
		return err
	})
}

// A Recvfrom that meets an empty socket waits, and takes the datagram
// that comes, with its sender.
func TestUDPWaitThenData(t *testing.T) {
	for _, d := range []Domain{Inet, Inet6} {
		a, b, aAddr, bAddr := udpPair(t, d)
		type result struct {
			from Addr
			data []byte
			err  error
		}
		done := make(chan result, 1)
		go func() {
			from, data, err := b.Recvfrom(0, testkit.WaitBound)
			done <- result{from, data, err}
		}()
		waitBlocked(t, b, false, 1)
		testkit.Must(t, a.Sendto([]byte("late"), bAddr, testkit.WaitBound))
		if r := <-done; r.err != nil || r.from != aAddr || string(r.data) != "late" {
			t.Fatalf("%v: Recvfrom = %v, %q, %v; want %v, late", d, r.from, r.data, r.err, aAddr)
		}
	}
}

// A timed-out Recvfrom leaves the socket as it was: the next one, with
// another timeout or none, waits for its own datagram.
func TestUDPTimeoutThenData(t *testing.T) {
	a, b, _, bAddr := udpPair(t, Inet)
	_, _, err := b.Recvfrom(0, 20*time.Millisecond)
	wantReason(t, "Recvfrom on an empty socket", err, "recvfrom", "timeout")
	_, _, err = b.Recvfrom(0, 0)
	wantReason(t, "Recvfrom(0, 0) on an empty socket", err, "recvfrom", "timeout")
	for i, timeout := range []time.Duration{Infinity, testkit.WaitBound} {
		done := make(chan error, 1)
		go func() {
			data, err := b.Recv(0, timeout)
			if err == nil && string(data) != "after" {
				err = fmt.Errorf("got %q, want after", data)
			}
			done <- err
		}()
		waitBlocked(t, b, false, 1)
		testkit.Must(t, a.Sendto([]byte("after"), bAddr, testkit.WaitBound))
		if err := <-done; err != nil {
			t.Fatalf("Recv %d with timeout %v after a timeout: %v", i, timeout, err)
		}
	}
}

// Close wakes the Recvfrom that waits for data and those waiting for
// their turn, and a Sendto after it is closed.
func TestUDPCloseWakesAll(t *testing.T) {
	u := open(t, Inet, Dgram, UDP)
	testkit.Must(t, u.Bind(Loopback(Inet, 0)))
	closeWakes(t, u, 3, 1, "recvfrom", func() error {
		_, _, err := u.Recvfrom(0, testkit.WaitBound)
		return err
	})
	wantReason(t, "Sendto after Close", u.Sendto([]byte("x"), Loopback(Inet, 9), Infinity), "sendto", "closed")
}

// Recvfrom cuts a datagram larger than Length and drops its rest, as
// OTP's socket does: the next Recvfrom has the next datagram.
func TestUDPRecvfromTruncates(t *testing.T) {
	a, b, aAddr, bAddr := udpPair(t, Inet6)
	big := pattern(7, 20000)
	testkit.Must(t, a.Sendto(big, bAddr, testkit.WaitBound))
	testkit.Must(t, a.Sendto([]byte("next"), bAddr, testkit.WaitBound))
	from, got, err := b.Recvfrom(3, testkit.WaitBound)
	if err != nil || from != aAddr || !bytes.Equal(got, big[:3]) {
		t.Fatalf("Recvfrom(3) of 20000 bytes = %v, %q, %v; want %v and the first 3", from, got, err, aAddr)
	}
	from, got, err = b.Recvfrom(0, testkit.WaitBound)
	if err != nil || from != aAddr || string(got) != "next" {
		t.Fatalf("Recvfrom after the cut datagram = %v, %q, %v; want next", from, got, err)
	}
	_, _, err = b.Recvfrom(0, 0)
	wantReason(t, "Recvfrom once both are read", err, "recvfrom", "timeout")
}
