package socket

import (
	"encoding/binary"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// BenchmarkEchoBigPacket echoes one {packet, 4} message of 1 to 64 MiB
// at a time over one connection, to otpnet (a passive port that receives
// each message and sends it back) and to Erlang/OTP (the harness's
// erlecho.escript, {active, once}); the client, a net.Conn, writes while
// it reads the echo. Its MB/s counts the message once.
func BenchmarkEchoBigPacket(b *testing.B) {
	for _, mib := range []int{1, 4, 16, 64} {
		for _, server := range []string{"otpnet", "erlang"} {
			b.Run(server+"/"+strconv.Itoa(mib)+"MiB", func(b *testing.B) {
				var addr string
				if server == "otpnet" {
					addr = bigEchoOtpnet(b)
				} else {
					addr = bigEchoErlang(b)
				}
				c := testkit.Dial(b, addr)
				defer c.Close()
				bigEcho(b, c, mib<<20)
			})
		}
	}
}

// bigEcho sends b.N messages of size bytes to c, one at a time, and
// checks the last echo.
func bigEcho(b *testing.B, c net.Conn, size int) {
	out := make([]byte, 4+size)
	binary.BigEndian.PutUint32(out, uint32(size))
	for i := range size {
		out[4+i] = byte(i * 7)
	}
	in := make([]byte, len(out))
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
}

// bigEchoOtpnet serves one connection that echoes {packet, 4} messages,
// until the benchmark ends, and returns its address.
func bigEchoOtpnet(b *testing.B) string {
	p := newProc(b)
	l, port := listenLo(b, p, Packet(framing.Four), Active(False))
	testkit.Go(b, "the echo server", func() {
		defer l.Close()
		s, err := l.Accept(p, Infinity)
		if err != nil {
			b.Error(err)
			return
		}
		defer s.Close()
		for {
			data, err := s.Recv(0, Infinity)
			if err == nil {
				err = s.Send(data)
			}
			if err != nil {
				return // the client is done
			}
		}
	})
	return "127.0.0.1:" + strconv.Itoa(port)
}

// bigEchoErlang starts the harness's Erlang echo server with {packet, 4},
// stopped when the benchmark ends, and returns its address.
func bigEchoErlang(b *testing.B) string {
	cmd := exec.Command(erltest.Escript(b), "../test/bench/peers/erlecho.escript", "-addr", "127.0.0.1:0", "-packet", "4")
	stdin, err := cmd.StdinPipe() // its control loop reads it; kept open
	if err != nil {
		b.Fatal(err)
	}
	lines, _ := testkit.Start(b, cmd)
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		stdin.Close()
		<-lines.Done()
		cmd.Wait()
	})
	addr, ok := strings.CutPrefix(lines.Next(b), "listening on ")
	if !ok {
		b.Fatal("erlecho did not say where it listens")
	}
	return addr
}
