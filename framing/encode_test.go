package framing

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestAppendHeader(t *testing.T) {
	tests := []struct {
		typ  Type
		n    int
		want string
		err  error
	}{
		{One, 0, "\x00", nil},
		{One, 255, "\xff", nil},
		{One, 256, "", ErrMsgSize}, // OTP would send a header of 0
		{Two, 65535, "\xff\xff", nil},
		{Two, 65536, "", ErrMsgSize},
		{Four, 0x01020304, "\x01\x02\x03\x04", nil},
		{Four, math.MaxInt32 - 4, "\x7f\xff\xff\xfb", nil},
		{Four, math.MaxInt32 - 3, "", ErrMsgSize}, // OTP cannot receive it
		{Four, -1, "", ErrBadArg},
		{Raw, 1 << 40, "", nil},
		{Line, 10, "", nil},
		{HTTP, 10, "", nil},
	}
	for _, tt := range tests {
		got, err := AppendHeader([]byte("pre"), tt.typ, tt.n)
		if string(got) != "pre"+tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("AppendHeader(pre, %s, %d) = %q, %v; want %q, %v", tt.typ, tt.n, got, err, "pre"+tt.want, tt.err)
		}
	}
}

func TestAppendPacketRoundTrip(t *testing.T) {
	for _, typ := range []Type{One, Two, Four} {
		d, err := New(typ)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 255, 256, 65535, 65536} {
			payload := bytes.Repeat([]byte{'x'}, n)
			wire, err := AppendPacket(nil, typ, payload)
			if n > MaxPayload(typ) {
				if !errors.Is(err, ErrMsgSize) || wire != nil {
					t.Errorf("%s, %d bytes: %v, %d bytes written; want emsgsize and nothing", typ, n, err, len(wire))
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s, %d bytes: %v", typ, n, err)
			}
			r, err := d.Decode(wire)
			if err != nil || !r.Complete() || !bytes.Equal(r.Packet, payload) || len(r.Rest) != 0 {
				t.Errorf("%s, %d bytes: decode(encode(x)) = %+v, %v", typ, n, r, err)
			}
		}
	}
}
