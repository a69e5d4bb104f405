//go:build unix && !linux

package driver

import (
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"golang.org/x/sys/unix"
)

// Every socket the driver opens or accepts has SO_NOSIGPIPE: a write to
// a peer that has gone fails with EPIPE, and raises no SIGPIPE, which a
// c-archive or c-shared build would not ignore.
func TestSocketsRaiseNoSigpipe(t *testing.T) {
	leaktest.Check(t)
	pl := newPool(t)
	l, addr := listen(t, pl)
	accepted := make(chan Handle, 1)
	go func() {
		c, err := pl.Accept(l, time.Now().Add(testkit.WaitBound), newRecorder())
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	c, err := pl.Dial(nil, addr, time.Now().Add(testkit.WaitBound), nil, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	a := <-accepted
	for _, h := range []Handle{l, c, a} {
		var on int
		if err := pl.Control(h, func(fd int) (err error) {
			on, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if on == 0 {
			t.Errorf("socket %v: SO_NOSIGPIPE is off", h)
		}
	}
}
