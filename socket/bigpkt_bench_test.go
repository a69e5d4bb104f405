package socket

import (
	"encoding/binary"
	"io"
	"strconv"
	"testing"

	"github.com/otpnet/otpnet/framing"
)

// BenchmarkEchoBigPacket echoes one {packet, 4} message of 1 to 64 MiB
// at a time: a passive port receives it and sends it back to a net.Conn
// client, which checks the bytes. Its MB/s counts the message once.
func BenchmarkEchoBigPacket(b *testing.B) {
	for _, mib := range []int{1, 4, 16, 64} {
		b.Run(strconv.Itoa(mib)+"MiB", func(b *testing.B) {
			size := mib << 20
			p := newProc(b)
			s, c := netPair(b, p, Packet(framing.Four), Active(False))
			defer s.Close()
			out := make([]byte, 4+size)
			binary.BigEndian.PutUint32(out, uint32(size))
			for i := range size {
				out[4+i] = byte(i * 7)
			}
			in := make([]byte, len(out))
			done := make(chan error, 1)
			go func() {
				for {
					data, err := s.Recv(0, Infinity)
					if err == nil {
						err = s.Send(data)
					}
					if err != nil {
						done <- err
						return
					}
				}
			}()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				errc := make(chan error, 1)
				go func() { _, err := c.Write(out); errc <- err }()
				if _, err := io.ReadFull(c, in); err != nil {
					b.Fatal(err)
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if string(in) != string(out) {
				b.Fatal("the echo differs")
			}
			c.Close()
			<-done
		})
	}
}
