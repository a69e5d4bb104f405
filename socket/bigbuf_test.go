package socket

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// bufState is what port s holds of a partial packet: the bytes buffered,
// the room reserved for them, and whether that room is mapped.
func bufState(s *Socket) (buffered, room int, mapped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buf), cap(s.buf), s.usesBig()
}

// holdsMapping reports whether port s still has a mapped buffer, in use
// or lent.
func holdsMapping(s *Socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ext != nil && s.ext.big != nil
}

// pattern returns n bytes that tell their place and seed apart.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i>>16) + seed
	}
	return b
}

// frame returns body with a header of hlen bytes giving its length.
func frame(hlen int, body []byte) []byte {
	h := make([]byte, 4)
	binary.BigEndian.PutUint32(h, uint32(len(body)))
	return append(h[4-hlen:], body...)
}

// writeChunks writes b to c in chunks of the sizes given, over and over.
func writeChunks(t *testing.T, c net.Conn, b []byte, sizes ...int) {
	testkit.Go(t, "the peer's writes", func() {
		for i := 0; len(b) > 0; i++ {
			n := min(len(b), sizes[i%len(sizes)])
			if _, err := c.Write(b[:n]); err != nil {
				t.Error(err)
				return
			}
			b = b[n:]
		}
	})
}

// writeHeld writes b, the start of a packet, to c and waits until port s
// holds it all.
func writeHeld(t *testing.T, c net.Conn, s *Socket, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, "the part buffered", func() bool {
		n, _, _ := bufState(s)
		return n == len(b)
	})
}

// chunkSizes cut a stream at sizes around every boundary the port knows:
// single bytes (headers cut anywhere), the driver's read buffer, a mapped
// buffer's first step.
var chunkSizes = []int{1, 3, 1000, directRead - 1, directRead + 1, 1 << 20, 3, growStep + 5}

// Every byte of packets of every size, on either side of the sizes the
// port reads into place and maps, comes out in order, cut into writes of
// every kind of size.
func TestBigPacketsInOrder(t *testing.T) {
	sizes := map[framing.Type][]int{
		framing.One:  {0, 1, 255, 17},
		framing.Two:  {65535, 1, directRead - 2, 65535, 0, 300},
		framing.Four: {5, directRead - 4, directRead, directRead + 1, mapMin - 4, mapMin, 3, growStep + 9, 9<<20 + 1, 2, 70000},
	}
	hlen := map[framing.Type]int{framing.One: 1, framing.Two: 2, framing.Four: 4}
	for typ, lens := range sizes {
		t.Run(typ.String(), func(t *testing.T) {
			p := newProc(t)
			s, c := netPair(t, p, Packet(typ), Active(False))
			defer c.Close()
			var stream []byte
			var want [][]byte
			for i, n := range lens {
				body := pattern(n, byte(i))
				want = append(want, body)
				stream = append(stream, frame(hlen[typ], body)...)
			}
			writeChunks(t, c, stream, chunkSizes...)
			for i, w := range want {
				got, err := s.Recv(0, Infinity)
				if err != nil {
					t.Fatalf("packet %d of %d bytes: %v", i, len(w), err)
				}
				if !bytes.Equal(got, w) {
					t.Fatalf("packet %d: %d bytes, want %d, differing", i, len(got), len(w))
				}
			}
			if holdsMapping(s) {
				t.Error("the port keeps a mapped buffer with no packet in it")
			}
		})
	}
	t.Run("line", func(t *testing.T) {
		p := newProc(t)
		s, c := netPair(t, p, Packet(framing.Line), Active(False), Buffer(8<<20))
		defer c.Close()
		var stream []byte
		for i, n := range []int{10, directRead + 3, 3 << 20, 0, 5} {
			stream = append(append(stream, bytes.Repeat([]byte{'a' + byte(i)}, n)...), '\n')
		}
		writeChunks(t, c, stream, chunkSizes...)
		var got []byte
		for len(got) < len(stream) {
			line, err := s.Recv(0, Infinity)
			if err != nil {
				t.Fatal(err)
			}
			if line[len(line)-1] != '\n' {
				t.Fatalf("a line of %d bytes with no newline", len(line))
			}
			got = append(got, line...)
		}
		if !bytes.Equal(got, stream) {
			t.Fatal("the lines differ from what was sent")
		}
	})
	t.Run("raw", func(t *testing.T) {
		p := newProc(t)
		s, c := netPair(t, p, Active(False))
		defer c.Close()
		lens := []int{3, directRead, 5 << 20, 1, mapMin + 1, growStep*2 + 1, 70000}
		var sum int
		for _, n := range lens {
			sum += n
		}
		stream := pattern(sum, 1)
		writeChunks(t, c, stream, chunkSizes...)
		at := 0
		for _, n := range lens {
			got, err := s.Recv(n, Infinity)
			if err != nil {
				t.Fatalf("Recv(%d): %v", n, err)
			}
			if !bytes.Equal(got, stream[at:at+n]) {
				t.Fatalf("Recv(%d) at %d: %d bytes, differing", n, at, len(got))
			}
			at += n
		}
	})
}

// A packet cut at each kind of boundary, the port having buffered the
// first part before the second is sent: in the header, just after it,
// around the driver's read buffer, at the mapped buffer's first step,
// one byte short, and at its end with the next packet's header.
func TestBigPacketSplit(t *testing.T) {
	body := pattern(growStep+directRead*3, 2)
	next := pattern(10, 3)
	stream := append(frame(4, body), frame(4, next)...)
	end := 4 + len(body)
	for _, cut := range []int{1, 3, 4, 5, 4 + directRead - 1, 4 + directRead, 4 + directRead + 1, growStep, growStep + 4, end - 1, end, end + 2} {
		p := newProc(t)
		s, c := netPair(t, p, Packet(framing.Four), Active(False))
		got := make(chan []byte, 2)
		testkit.Go(t, "the receiver", func() {
			defer close(got)
			for range 2 {
				b, err := s.Recv(0, Infinity)
				if err != nil {
					t.Errorf("cut at %d: %v", cut, err)
					return
				}
				got <- b
			}
		})
		if _, err := c.Write(stream[:cut]); err != nil {
			t.Fatal(err)
		}
		var first []byte
		want := cut
		if cut >= end { // the first packet is out; the next one's start waits
			first, want = <-got, cut-end
		}
		testkit.Until(t, "the first part buffered", func() bool {
			n, _, _ := bufState(s)
			return n == want
		})
		if _, err := c.Write(stream[cut:]); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = <-got
		}
		if second := <-got; !bytes.Equal(first, body) || !bytes.Equal(second, next) {
			t.Fatalf("cut at %d: the packets differ", cut)
		}
		c.Close()
		s.Close()
	}
}

// packet_size is the hard cap: a packet of that size is read, into room
// reserved whole at once, and one a byte larger closes the port with
// emsgsize, as before.
func TestBigPacketSize(t *testing.T) {
	const limit = 3 << 20
	warmCache(t, 64<<20) // a new mapping, of the size reserved, not the cached larger one
	defer dropMaps()
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False), PacketSize(limit))
	defer c.Close()
	body := pattern(limit, 4)
	f := frame(4, body)
	done := make(chan []byte, 1)
	testkit.Go(t, "the receiver", func() {
		b, err := s.Recv(0, Infinity)
		if err != nil {
			t.Error(err)
		}
		done <- b
	})
	if _, err := c.Write(f[:directRead*2]); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, "part of the packet read", func() bool {
		n, room, mapped := bufState(s)
		return n >= directRead && room >= 4+limit && room < 4+limit+hugePage && mapped
	})
	if _, err := c.Write(f[directRead*2:]); err != nil {
		t.Fatal(err)
	}
	if b := <-done; !bytes.Equal(b, body) {
		t.Fatal("the packet at packet_size differs")
	}
	if _, err := c.Write(frame(4, pattern(limit+1, 5))[:8]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(0, Infinity); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("a packet over packet_size: %v, want emsgsize", err)
	}
}

// warmCache leaves one mapping of n bytes in the cache, resident, as a
// packet of that size would.
func warmCache(t *testing.T, n int) {
	t.Helper()
	dropMaps()
	b, _, _, err := getMap(n, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	putMap(b, false)
}

// A header that lies about its length costs the bytes received plus a
// step, however warm the cache: a mapped buffer that grows with them,
// not a larger cached mapping, resident already, and it is unmapped as
// soon as the peer closes, with no GC.
func TestBigPacketLyingHeader(t *testing.T) {
	warmCache(t, 64<<20)
	defer dropMaps()
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(False))
	recvd := make(chan error, 1)
	testkit.Go(t, "the receiver", func() {
		_, err := s.Recv(0, Infinity)
		recvd <- err
	})
	const sent = 20 << 20
	f := make([]byte, 4+sent)
	binary.BigEndian.PutUint32(f, 1<<31-5)
	for _, upTo := range []int{4 + 200<<10, len(f)} {
		n0, _, _ := bufState(s)
		if _, err := c.Write(f[n0:upTo]); err != nil {
			t.Fatal(err)
		}
		testkit.Until(t, "the part sent buffered", func() bool {
			n, _, _ := bufState(s)
			return n == upTo
		})
		if n, room, mapped := bufState(s); !mapped || room > 2*n+growStep+hugePage {
			t.Errorf("%d bytes buffered in %d of room (mapped %v): want a mapping of at most %d", n, room, mapped, 2*n+growStep+hugePage)
		}
	}
	if cachedLen() != 1 {
		t.Error("the liar took the cached mapping")
	}
	c.Close()
	if err := <-recvd; !errors.Is(err, ErrClosed) {
		t.Errorf("Recv after the peer closed: %v, want closed", err)
	}
	if holdsMapping(s) {
		t.Error("the port holds its mapped buffer after the peer closed")
	}
}

// Closing a port mid-packet unmaps its buffer.
func TestBigPacketCloseMidPacket(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	defer c.Close()
	f := frame(4, pattern(8<<20, 6))
	writeHeld(t, c, s, f[:3<<20])
	if _, _, mapped := bufState(s); !mapped {
		t.Fatal("3 MiB of a packet held unmapped")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if holdsMapping(s) {
		t.Error("the closed port holds its mapped buffer")
	}
	testkit.None(t, p, testkit.OfType(func(*TCP) bool { return true }))
}

// A packet half read when its port changes owner goes whole to the new
// owner.
func TestBigPacketControllingProcess(t *testing.T) {
	p, q := newProc(t), newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	defer c.Close()
	body := pattern(5<<20, 7)
	f := frame(4, body)
	writeHeld(t, c, s, f[:2<<20])
	if err := s.ControllingProcess(p, q.Self()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(f[2<<20:]); err != nil {
		t.Fatal(err)
	}
	m := testkit.ExpectOf(t, q, func(*TCP) bool { return true })
	if !bytes.Equal(m.Data, body) {
		t.Fatalf("the new owner got %d bytes, differing", len(m.Data))
	}
	testkit.None(t, p, testkit.OfType(func(*TCP) bool { return true }))
	if holdsMapping(s) {
		t.Error("the port keeps its mapped buffer after delivering the packet")
	}
}

// Unrecv in front of a partial packet held in a mapped buffer, on a port
// gone passive, moves the bytes to the heap and unmaps the buffer;
// nothing is lost or reordered.
func TestBigPacketUnrecv(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	defer c.Close()
	body := pattern(3<<20, 8)
	f := frame(4, body)
	writeHeld(t, c, s, f[:2<<20])
	if !holdsMapping(s) {
		t.Fatal("2 MiB of a packet held unmapped")
	}
	if err := s.SetOpts(Active(False)); err != nil {
		t.Fatal(err)
	}
	if err := s.Unrecv(frame(4, []byte("ab"))); err != nil {
		t.Fatal(err)
	}
	if holdsMapping(s) {
		t.Error("the passive port keeps a mapped buffer that Unrecv replaced")
	}
	if _, err := c.Write(f[2<<20:]); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{[]byte("ab"), body} {
		if err := s.SetOpts(Active(Once)); err != nil {
			t.Fatal(err)
		}
		if m := testkit.ExpectOf(t, p, func(*TCP) bool { return true }); !bytes.Equal(m.Data, want) {
			t.Fatalf("a packet of %d bytes, want %d", len(m.Data), len(want))
		}
	}
}
