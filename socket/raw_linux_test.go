package socket

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// The raw option examples of the inet manual (seed 001), on Linux, where
// IPPROTO_TCP is 6, TCP_LINGER2 8 and TCP_INFO 11.

// TestRawLinger2 is setopts(Sock, [{raw, 6, 8, <<30:32/native>>}]), then
// getopts(Sock, [{raw, 6, 8, 4}]).
func TestRawLinger2(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p)
	defer c.Close()
	defer s.Close()
	v := binary.NativeEndian.AppendUint32(nil, 30)
	if err := c.SetOpts(Raw(6, 8, v)); err != nil {
		t.Fatal(err)
	}
	b, err := c.GetRaw(6, 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4 || binary.NativeEndian.Uint32(b) != 30 {
		t.Errorf("TCP_LINGER2 = %v, want 30 as a native 32-bit integer", b)
	}
	// The constants are those of the manual.
	if unix.IPPROTO_TCP != 6 || unix.TCP_LINGER2 != 8 || unix.TCP_INFO != 11 {
		t.Errorf("IPPROTO_TCP %d, TCP_LINGER2 %d, TCP_INFO %d", unix.IPPROTO_TCP, unix.TCP_LINGER2, unix.TCP_INFO)
	}
}

// TestRawTCPInfo is getopts(Sock, [{raw, 6, 11, 92}]): struct tcp_info,
// whose first byte, tcpi_state, is TCP_ESTABLISHED (1) on a connected
// socket; and its tcpi_sacked, the manual's 32-bit field at offset 28.
func TestRawTCPInfo(t *testing.T) {
	p := newProc(t)
	c, s := pair(t, p)
	defer c.Close()
	defer s.Close()
	for _, x := range []*Socket{c, s} {
		b, err := x.GetRaw(6, 11, 92)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 92 {
			t.Fatalf("got %d bytes, want 92 (the kernel's tcp_info is larger)", len(b))
		}
		if b[0] != 1 { // TCP_ESTABLISHED
			t.Errorf("tcpi_state = %d, want ESTABLISHED (1)", b[0])
		}
		if sacked := binary.NativeEndian.Uint32(b[28:32]); sacked != 0 {
			t.Errorf("tcpi_sacked = %d on an idle loopback connection, want 0", sacked)
		}
	}
	// A larger buffer gets as much as the kernel has, no more.
	b, err := c.GetRaw(6, 11, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 92 || len(b) >= 1024 || b[0] != 1 {
		t.Errorf("TCP_INFO with 1024 bytes: %d bytes, state %d", len(b), b[0])
	}
}
