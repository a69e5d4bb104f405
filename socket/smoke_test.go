package socket

import (
	"net/netip"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
)

var loopback = netip.MustParseAddr("127.0.0.1")

func TestSmokeActiveOnce(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p, Active(False), Packet(framing.Four))
	if err := s.SetOpts(Active(Once)); err != nil {
		t.Fatal(err)
	}
	if err := c.Send([]byte("hello"), []byte(" world")); err != nil {
		t.Fatal(err)
	}
	m := p.expect(t)
	tcp, ok := m.(*TCP)
	if !ok || tcp.Socket != s || string(tcp.Data) != "hello world" {
		t.Fatalf("got %#v", m)
	}
	c.Send([]byte("two"))
	p.none(t, 50*time.Millisecond)
	data, err := s.Recv(0, time.Second)
	if err != nil || string(data) != "two" {
		t.Fatalf("Recv = %q, %v", data, err)
	}
}
