package socket

import (
	"math"
	"testing"
	"unsafe"

	"github.com/otpnet/otpnet/driver"
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
	// The deviation is signed, as inet_drv keeps it: 3 is 2 below the
	// mean of 5, so the running mean of the distances is -1.
	st.input(7)
	st.input(3)
	if st.recvMax != 7 || st.recv.avg != 5 || st.recvDvi != -1 {
		t.Errorf("recv max %d, avg %v, dvi %v", st.recvMax, st.recv.avg, st.recvDvi)
	}
}

// The driver's callbacks are the port's, not the Socket's: no user can
// call OnRead on a Socket to inject bytes. Making a Socket the handler
// costs nothing: the port is the Socket, converted, and fits an interface
// without an allocation.
func TestDriverCallbacksHidden(t *testing.T) {
	var s any = new(Socket)
	if _, ok := s.(driver.Handler); ok {
		t.Fatal("*Socket has the driver's callbacks as methods")
	}
	sock := new(Socket)
	var h driver.Handler
	if n := testing.AllocsPerRun(100, func() { h = sock.handler() }); n != 0 {
		t.Errorf("making the handler allocates %v times", n)
	}
	if h.(*port) != (*port)(sock) || unsafe.Sizeof(port{}) != unsafe.Sizeof(Socket{}) {
		t.Error("the handler is not the socket itself")
	}
}
