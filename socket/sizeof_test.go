package socket

import (
	"math"
	"testing"
	"unsafe"
)

// The port is in every connection: a field added to it costs each idle
// connection its size, rounded up to the allocator's size class. What few
// ports need goes in portExt.
func TestSizeof(t *testing.T) {
	if got, want := unsafe.Sizeof(Socket{}), uintptr(192); got > want {
		t.Errorf("Socket is %d bytes, more than %d", got, want)
	}
}

// A port's largest send is kept in 32 bits: one of 4 GiB or more sticks at
// the most it can hold, and the other counts go on.
func TestStatsMaxSticks(t *testing.T) {
	var st stats
	st.output(10)
	st.output(1 << 33)
	st.output(20)
	if st.sendMax != math.MaxUint32 || st.send.oct != 1<<33+30 || st.send.cnt != 3 {
		t.Errorf("max %d, oct %d, cnt %d", st.sendMax, st.send.oct, st.send.cnt)
	}
	st.input(7)
	st.input(3)
	if st.recvMax != 7 || st.recv.avg != 5 || st.recvDvi != 1 {
		t.Errorf("recv max %d, avg %v, dvi %v", st.recvMax, st.recv.avg, st.recvDvi)
	}
}
