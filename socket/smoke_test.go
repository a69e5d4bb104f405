package socket

import (
	"net/netip"
	"testing"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/internal/testkit"
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
	m := testkit.Next(t, p)
	tcp, ok := m.(*TCP)
	if !ok || tcp.Socket != s || string(tcp.Data) != "hello world" {
		t.Fatalf("got %#v", m)
	}
	c.Send([]byte("two"))
	data, err := s.Recv(0, testkit.WaitBound)
	if err != nil || string(data) != "two" {
		t.Fatalf("Recv = %q, %v", data, err)
	}
	testkit.None(t, p, nil) // "two" came to Recv, not as a message before it
}
