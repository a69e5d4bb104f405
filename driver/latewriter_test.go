package driver

import (
	"net"
	"os"
	"time"
)

// writerEnv, set in a child of the test binary, is the address the child
// dials; it then writes one byte (see lateWriter).
const writerEnv = "OTPNET_DRIVER_TEST_LATE_WRITER"

// lateWriter is the child's side of TestRawCallsLeaveSysmonAwake (Linux's): it
// dials the parent, waits long enough for the parent to be idle, writes
// one byte and waits for the parent to close.
func lateWriter() {
	addr := os.Getenv(writerEnv)
	if addr == "" {
		return
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		os.Exit(1)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := c.Write([]byte{'x'}); err != nil {
		os.Exit(1)
	}
	var b [1]byte
	c.Read(b[:])
	os.Exit(0)
}
