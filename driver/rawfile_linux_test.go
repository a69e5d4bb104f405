package driver

import (
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/unix"
	sysunix "golang.org/x/sys/unix"
)

// heldFd returns the fd of a UDP socket that a net.UDPConn holds in Go's
// netpoller, which cannot take the same fd again (epoll_ctl's EEXIST), as
// it cannot take any fd past the epoll watch limit. The conn is closed
// when the test ends.
func heldFd(t *testing.T) (int, *net.UDPConn) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	return fd, c
}

// recordCloses makes hooks.close record the fds it closes, until the test
// ends.
func recordCloses(t *testing.T) func() []int {
	var mu sync.Mutex
	var fds []int
	real := hooks.close
	hooks.close = func(fd int) error {
		mu.Lock()
		fds = append(fds, fd)
		mu.Unlock()
		return real(fd)
	}
	t.Cleanup(func() { hooks.close = real })
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(fds)
	}
}

// swapDup makes hooks.dup dup until the test ends.
func swapDup(t *testing.T, dup func(int) (int, error)) {
	real := hooks.dup
	hooks.dup = dup
	t.Cleanup(func() { hooks.dup = real })
}

// assertClosed fails t unless fd is closed. The held conns own the fds
// still: no fd is opened between attachFile's close and the test's end,
// so their Close meets EBADF.
func assertClosed(t *testing.T, fd int) {
	t.Helper()
	if _, err := sysunix.FcntlInt(uintptr(fd), sysunix.F_GETFD, 0); err != unix.EBADF {
		t.Fatalf("fd %d: F_GETFD = %v, want EBADF: the fd is open", fd, err)
	}
}

// A raw socket whose dup fails is not registered, and its fd, which
// attachFile closed, is not closed again.
func TestRawRegisterDupFails(t *testing.T) {
	leaktest.Check(t)
	swapDup(t, func(int) (int, error) { return -1, unix.EMFILE })
	closes := recordCloses(t)
	pl := newPool(t)
	fd, _ := heldFd(t)
	if _, err := pl.registerRaw(fd); !errors.Is(err, unix.EMFILE) || !strings.Contains(err.Error(), "dup failed") {
		t.Fatalf("registerRaw = %v, want dup's EMFILE", err)
	}
	assertClosed(t, fd)
	if slices.Contains(closes(), fd) {
		t.Fatalf("registerRaw closed fd %d again after attachFile closed it", fd)
	}
}

// A raw socket that Go's netpoller refuses, and its dup too, is not
// registered: no Do could wait on it.
func TestRawRegisterNetpollerRefuses(t *testing.T) {
	leaktest.Check(t)
	closes := recordCloses(t)
	pl := newPool(t)
	fd, _ := heldFd(t)
	dup, _ := heldFd(t)
	swapDup(t, func(int) (int, error) { return dup, nil })
	_, err := pl.registerRaw(fd)
	if !errors.Is(err, os.ErrNoDeadline) || !strings.Contains(err.Error(), "netpoller refused") {
		t.Fatalf("registerRaw = %v, want the netpoller's refusal", err)
	}
	assertClosed(t, fd)
	assertClosed(t, dup)
	if c := closes(); slices.Contains(c, fd) || slices.Contains(c, dup) {
		t.Fatalf("registerRaw closed fd %d or its dup %d again after attachFile closed them: %v", fd, dup, c)
	}
}
