package sock

import (
	"net"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/testkit"
)

// BenchmarkUDPPingPong is a 64-byte datagram and its answer between two
// goroutines over loopback: socket/sock's blocking calls, which wait in
// Go's netpoller on the socket's file, against Go's net.UDPConn. sock's
// calls have a timeout (testkit.WaitBound), sock-infinity's and net's
// none. cpu-µs/op is the process's CPU time (user and system) per round
// trip: on a loaded machine ns/op follows the scheduler, cpu-µs/op the
// work.
func BenchmarkUDPPingPong(b *testing.B) {
	msg := make([]byte, 64)
	for _, bench := range []struct {
		name    string
		timeout time.Duration
	}{{"sock", testkit.WaitBound}, {"sock-infinity", Infinity}} {
		b.Run(bench.name, func(b *testing.B) {
			x, y, _, yAddr := udpPair(b, Inet)
			pingPong(b, func() error {
				from, data, err := y.Recvfrom(0, bench.timeout)
				if err == nil {
					err = y.Sendto(data, from, bench.timeout)
				}
				return err
			}, func() error {
				if err := x.Sendto(msg, yAddr, bench.timeout); err != nil {
					return err
				}
				_, err := x.Recv(0, bench.timeout)
				return err
			})
		})
	}
	b.Run("net", func(b *testing.B) {
		x, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		testkit.Must(b, err)
		defer x.Close()
		y, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		testkit.Must(b, err)
		defer y.Close()
		yAddr := y.LocalAddr().(*net.UDPAddr).AddrPort()
		ybuf, xbuf := make([]byte, 8192), make([]byte, 8192)
		pingPong(b, func() error {
			n, from, err := y.ReadFromUDPAddrPort(ybuf)
			if err == nil {
				_, err = y.WriteToUDPAddrPort(ybuf[:n], from)
			}
			return err
		}, func() error {
			if _, err := x.WriteToUDPAddrPort(msg, yAddr); err != nil {
				return err
			}
			_, err := x.Read(xbuf)
			return err
		})
	})
}

// pingPong runs b.N round trips: ping on the benchmark's goroutine, pong
// answering on another, and reports the process's CPU time per round trip.
func pingPong(b *testing.B, pong, ping func() error) {
	done := make(chan error, 1)
	go func() {
		for range b.N {
			if err := pong(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	b.ReportAllocs()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for range b.N {
		if err := ping(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	testkit.Must(b, <-done)
	used := processCPU(b) - cpu0
	b.ReportMetric(float64(used.Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
