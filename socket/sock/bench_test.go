package sock

import (
	"net"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
)

// BenchmarkUDPPingPong is a 64-byte datagram and its answer between two
// goroutines over loopback: socket/sock's blocking calls, which wait on
// the driver's pollers, against Go's net.UDPConn, which waits on the
// runtime's netpoller.
func BenchmarkUDPPingPong(b *testing.B) {
	msg := make([]byte, 64)
	b.Run("sock", func(b *testing.B) {
		x, y, xAddr, yAddr := udpPair(b, Inet)
		done := make(chan error, 1)
		go func() {
			for range b.N {
				from, data, err := y.Recvfrom(0, testkit.WaitBound)
				if err == nil {
					err = y.Sendto(data, from, testkit.WaitBound)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		b.ReportAllocs()
		for range b.N {
			testkit.Must(b, x.Sendto(msg, yAddr, testkit.WaitBound))
			if _, err := x.Recv(0, testkit.WaitBound); err != nil {
				b.Fatal(err)
			}
		}
		testkit.Must(b, <-done)
		_ = xAddr
	})
	b.Run("net", func(b *testing.B) {
		x, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		testkit.Must(b, err)
		defer x.Close()
		y, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		testkit.Must(b, err)
		defer y.Close()
		done := make(chan error, 1)
		go func() {
			buf := make([]byte, 8192)
			for range b.N {
				n, from, err := y.ReadFromUDPAddrPort(buf)
				if err == nil {
					_, err = y.WriteToUDPAddrPort(buf[:n], from)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		buf := make([]byte, 8192)
		b.ReportAllocs()
		for range b.N {
			if _, err := x.WriteToUDPAddrPort(msg, y.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				b.Fatal(err)
			}
			if _, err := x.Read(buf); err != nil {
				b.Fatal(err)
			}
		}
		testkit.Must(b, <-done)
	})
}
