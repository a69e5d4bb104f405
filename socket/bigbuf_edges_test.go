package socket

import (
	"bytes"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket/internal/layer"
)

// xorLayer "decrypts" by flipping every bit, and counts what it saw.
type xorLayer struct{ seen int }

func (l *xorLayer) Input(w []byte) ([]byte, []byte, error) {
	l.seen += len(w)
	out := make([]byte, len(w))
	for i, b := range w {
		out[i] = b ^ 0xff
	}
	return out, nil, nil
}
func (l *xorLayer) Append([]byte)         {}
func (l *xorLayer) Seal() ([]byte, error) { return nil, nil }
func (l *xorLayer) CloseNotify() []byte   { return nil }
func (l *xorLayer) Done()                 {}
func (l *xorLayer) Data(p []byte, _ framing.HTTPPacket) any {
	return &TCP{Data: append([]byte(nil), p...)}
}
func (l *xorLayer) Closed() any     { return &TCPClosed{} }
func (l *xorLayer) Error(error) any { return &TCPError{} }
func (l *xorLayer) Passive() any    { return &TCPPassive{} }

// The driver lends room (ReadBuffer) while the port is active; before the
// read returns, the owner goes passive and attaches a layer (a TLS
// upgrade). The bytes of that read go through the layer, as OnRead's do,
// not around it into the port's buffer as plaintext.
func TestLayerAttachedDuringLentRead(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Packet(framing.Four), Active(Once))
	defer c.Close()
	f := frame(4, pattern(2<<20, 9))
	writeHeld(t, c, s, f[:100000])
	room := s.handler().ReadBuffer() // what the poller does before read(2)
	if room == nil {
		t.Fatal("no room lent")
	}
	// The owner, meanwhile:
	if err := s.SetOpts(Active(False)); err != nil {
		t.Fatal(err)
	}
	xl := &xorLayer{}
	if err := layer.Attach(s, xl); err != nil {
		t.Fatal(err)
	}
	// read(2) returns 1000 bytes into the room.
	n := copy(room, f[100000:101000])
	s.handler().OnReadInto(n)
	if xl.seen != 101000 {
		t.Errorf("the layer saw %d bytes of the %d read: %d went around it", xl.seen, 101000, 101000-xl.seen)
	}
	s.mu.Lock()
	got := append([]byte(nil), s.buf...)
	s.mu.Unlock()
	if len(got) != 101000 || !bytes.Equal(got[100000:], flip(f[100000:101000])) {
		t.Errorf("the port holds %d bytes; the last 1000 not as the layer gave them", len(got))
	}
	s.Close()
}

func flip(b []byte) []byte {
	o := make([]byte, len(b))
	for i := range b {
		o[i] = b[i] ^ 0xff
	}
	return o
}

// packet_size bounds what a packet's header may announce, not a raw
// Recv's length: a Recv of 8 GiB on a socket with packet_size 1 MiB grows
// its room a step at a time, as without packet_size, and does not reserve
// the 8 GiB at once.
func TestRawRecvHugeWithPacketSize(t *testing.T) {
	p := newProc(t)
	s, c := netPair(t, p, Active(False), PacketSize(1<<20))
	defer c.Close()
	done := make(chan error, 1)
	testkit.Go(t, "recv", func() {
		_, err := s.Recv(8<<30, Infinity)
		done <- err
	})
	testkit.Until(t, "the Recv waiting", func() bool { return recvWaiting(s) })
	writeHeld(t, c, s, pattern(200000, 1))
	n, room, _ := bufState(s)
	if room > 64<<20 {
		t.Errorf("a raw Recv(8 GiB) with packet_size 1 MiB reserved %d MiB for %d bytes", room>>20, n)
	}
	s.Close()
	<-done
}
