package sock

import (
	"bytes"
	"testing"

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
