package ranch

import (
	"testing"
	"unsafe"

	"github.com/otpnet/otpnet/inet/proxyproto"
)

// TestDetachCompact: detach keeps a TLV slice of the exact number, whose
// values are copies in one array, not the bytes read nor a slice with
// room to spare.
func TestDetachCompact(t *testing.T) {
	read := []byte("aabbbxyz")
	tlvs := make([]proxyproto.TLV, 0, 64)
	tlvs = append(tlvs,
		proxyproto.TLV{Type: 1, Value: read[0:2]},
		proxyproto.TLV{Type: 2},
		proxyproto.TLV{Type: 3, Value: read[2:5]})
	h := detach(&proxyproto.Header{Version: 2, TLVs: tlvs})
	if len(h.TLVs) != 3 || cap(h.TLVs) != 3 {
		t.Fatalf("TLVs len %d cap %d, want 3", len(h.TLVs), cap(h.TLVs))
	}
	copy(read, "XXXXXXXX")
	for i, want := range []string{"aa", "", "bbb"} {
		if got := h.TLVs[i]; got.Type != byte(i+1) || string(got.Value) != want || cap(got.Value) != len(got.Value) {
			t.Errorf("TLV %d = %d %q cap %d, want %d %q", i, got.Type, got.Value, cap(got.Value), i+1, want)
		}
	}
	if unsafe.SliceData(h.TLVs[2].Value) != (*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(h.TLVs[0].Value)), 2)) {
		t.Error("the values are not in one array")
	}
	if h := detach(&proxyproto.Header{Version: 2, TLVs: make([]proxyproto.TLV, 0, 8)}); h.TLVs != nil {
		t.Errorf("no TLVs kept as %d of cap %d, want nil", len(h.TLVs), cap(h.TLVs))
	}
}
