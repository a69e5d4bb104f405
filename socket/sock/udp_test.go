package sock

import (
	"bytes"
	"testing"
)

func TestUDPSendtoRecvfrom(t *testing.T) {
	for _, d := range []Domain{Inet, Inet6} {
		t.Run(d.String(), func(t *testing.T) {
			a, b, aAddr, bAddr := udpPair(t, d)
			for i, n := range []int{0, 1, 100, 1472, 8192} {
				want := pattern(i, n)
				must(t, a.Sendto(want, bAddr, wait))
				from, got, err := b.Recvfrom(0, wait)
				if err != nil || from != aAddr || !bytes.Equal(got, want) {
					t.Fatalf("Recvfrom of %d bytes = %v, %d bytes, %v; want %v", n, from, len(got), err, aAddr)
				}
				if got == nil {
					t.Fatal("an empty datagram came back as nil")
				}
			}
			// Replies go to the address Recvfrom gave.
			must(t, b.Sendto([]byte("reply"), aAddr, wait))
			if got, err := a.Recv(0, wait); err != nil || string(got) != "reply" {
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
		must(t, a.Sendto(big, bAddr, wait))
		got, err := b.Recv(tc.length, wait)
		if err != nil || !bytes.Equal(got, big[:tc.want]) {
			t.Fatalf("Recv(%d) of 20000 bytes = %d bytes, %v; want the first %d", tc.length, len(got), err, tc.want)
		}
	}
	must(t, b.SetOpt(OptOTPRcvBuf, 65535))
	must(t, a.Sendto(big, bAddr, wait))
	if got, err := b.Recv(0, wait); err != nil || len(got) != len(big) {
		t.Fatalf("Recv(0) with rcvbuf 65535 = %d bytes, %v; want the whole datagram", len(got), err)
	}
	_, err := b.Recv(0, 0)
	wantReason(t, "Recv of an empty socket", err, "recv", "timeout")
}

func TestUDPTooBig(t *testing.T) {
	a, _, _, bAddr := udpPair(t, Inet)
	wantReason(t, "Sendto of 70000 bytes", a.Sendto(make([]byte, 70000), bAddr, wait), "sendto", "emsgsize")
}

// Close wakes a Recvfrom blocked on a datagram socket.
func TestUDPRecvClosed(t *testing.T) {
	u := open(t, Inet6, Dgram, UDP)
	closeWakes(t, u, 1, 1, "recvfrom", func() error {
		_, _, err := u.Recvfrom(0, Infinity)
		return err
	})
}
