package driver

import (
	"testing"

	"golang.org/x/sys/unix"
)

// The epoll backend passes the kernel's events on untranslated.
func TestEventsAreEpolls(t *testing.T) {
	for _, c := range []struct {
		name     string
		ev, want uint32
	}{
		{"IN", evIn, unix.EPOLLIN}, {"OUT", evOut, unix.EPOLLOUT}, {"ERR", evErr, unix.EPOLLERR},
		{"HUP", evHup, unix.EPOLLHUP}, {"RDHUP", evRdHup, unix.EPOLLRDHUP}, {"ET", evET, unix.EPOLLET},
	} {
		if c.ev != c.want {
			t.Errorf("ev%s = %#x, EPOLL%s = %#x", c.name, c.ev, c.name, c.want)
		}
	}
}
