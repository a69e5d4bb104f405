package loadgen

import (
	"time"

	"golang.org/x/sys/unix"
)

// ticker returns a function that waits for the next tick of period, and
// one that releases it. Go's timers wake about a millisecond late on an
// idle Linux process (the runtime's epoll_wait counts in milliseconds),
// which would add up to a millisecond of the client's own lateness to
// every open-loop latency; a timerfd read in a blocking system call wakes
// within microseconds. time.Ticker is the fallback.
func ticker(period time.Duration) (wait, done func()) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err == nil {
		ts := unix.NsecToTimespec(int64(period))
		if err = unix.TimerfdSettime(fd, 0, &unix.ItimerSpec{Interval: ts, Value: ts}, nil); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		t := time.NewTicker(period)
		return func() { <-t.C }, t.Stop
	}
	var buf [8]byte // the count of expirations
	return func() {
		for {
			if _, err := unix.Read(fd, buf[:]); err != unix.EINTR {
				return
			}
		}
	}, func() { unix.Close(fd) }
}
