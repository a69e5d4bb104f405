package driver

import (
	"net"
	"os"
	"time"
)

// writerEnv, set in a child of the test binary, is the address the child
// dials; it then writes a byte each time it is told to (see lateWriter).
const writerEnv = "OTPNET_DRIVER_TEST_LATE_WRITER"

// writerIdle is how long lateWriter leaves its parent idle: ten times
// sysmon's longest short sleep (10 ms), after which sysmon, seeing every
// P idle, sleeps until the next timer. It is the idle period the test is
// about, not a wait for an event: the parent's own events (the guard
// disarmed, the byte read on the arming path) are synchronised and
// checked.
const writerIdle = 100 * time.Millisecond

// lateWriter is the child's side of TestRawCallsLeaveSysmonAwake (Linux's):
// it dials the parent and, for each go-ahead byte the parent writes,
// leaves it idle for writerIdle and writes one byte, until the parent
// closes.
func lateWriter() {
	addr := os.Getenv(writerEnv)
	if addr == "" {
		return
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		os.Exit(1)
	}
	var b [1]byte
	for {
		if _, err := c.Read(b[:]); err != nil {
			os.Exit(0) // the parent closed
		}
		time.Sleep(writerIdle)
		if _, err := c.Write([]byte{'x'}); err != nil {
			os.Exit(2)
		}
	}
}
