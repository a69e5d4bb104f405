package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// Listen returns a plain TCP listener on 127.0.0.1, at a port the kernel
// chooses, and that port: the peer of a socket under test. The listener
// closes when the test ends.
func Listen(t testing.TB) (*net.TCPListener, int) {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// Accept returns the next connection to ln, failing t if none comes
// within WaitBound. The connection closes when the test ends.
func Accept(t testing.TB, ln *net.TCPListener) net.Conn {
	t.Helper()
	ln.SetDeadline(time.Now().Add(WaitBound))
	defer ln.SetDeadline(time.Time{})
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept on %v: %v", ln.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Dial connects a plain TCP client to addr ("HOST:PORT"), failing t if it
// cannot within WaitBound. The connection closes when the test ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, WaitBound)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Echo sends msg on c and fails t unless it comes back, whole, within
// WaitBound.
func Echo(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	if err := TryEcho(c, msg); err != nil {
		t.Fatal(err)
	}
}

// TryEcho sends msg on c and reports why it did not come back, whole,
// within WaitBound, if it did not.
func TryEcho(c net.Conn, msg string) error {
	c.SetDeadline(time.Now().Add(WaitBound))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte(msg)); err != nil {
		return fmt.Errorf("write %q: %w", msg, err)
	}
	got := make([]byte, len(msg))
	if n, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("read the echo of %q: %w (got %q)", msg, err, got[:n])
	}
	if !bytes.Equal(got, []byte(msg)) {
		return fmt.Errorf("echo %q, want %q", got, msg)
	}
	return nil
}

// PeerClosed waits for the other end to close c: a read returns EOF or a
// reset. It returns what c read before that, and fails t if c is still
// open after WaitBound.
func PeerClosed(t testing.TB, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(WaitBound))
	defer c.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection %v still open after %v (read %d bytes)", c.LocalAddr(), WaitBound, len(got))
		}
		return got
	}
}
