package unix

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain checks that the tests leave no fd and no goroutine behind.
func TestMain(m *testing.M) {
	leaktest.Main(m)
}

// socket is a new TCP socket, closed when t ends.
func socket(t *testing.T) int {
	t.Helper()
	fd, err := Socket(AF_INET, SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Close(fd); err != nil {
			t.Error(err)
		}
	})
	return fd
}

// An option set as raw bytes reads back as an int and as bytes, and one
// set as an int reads back as bytes: SetsockoptBytes and GetsockoptBytes
// pass the bytes as they are.
func TestSockoptBytes(t *testing.T) {
	fd := socket(t)
	var one [4]byte
	binary.NativeEndian.PutUint32(one[:], 1)
	if err := SetsockoptBytes(fd, SOL_SOCKET, SO_KEEPALIVE, one[:]); err != nil {
		t.Fatal(err)
	}
	if v, err := GetsockoptInt(fd, SOL_SOCKET, SO_KEEPALIVE); err != nil || v == 0 {
		t.Fatalf("SO_KEEPALIVE = %d, %v after setting it as bytes; want on", v, err)
	}
	if err := SetsockoptInt(fd, IPPROTO_TCP, TCP_NODELAY, 1); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := GetsockoptBytes(fd, IPPROTO_TCP, TCP_NODELAY, buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || binary.NativeEndian.Uint32(buf[:4]) == 0 {
		t.Fatalf("TCP_NODELAY as bytes = %x, want 4 bytes, not zero", buf[:n])
	}
}

// A bind to an address that is not this host's fails with
// EADDRNOTAVAIL, which errors.Is finds under its POSIX name.
func TestErrnoName(t *testing.T) {
	fd := socket(t)
	err := Bind(fd, &SockaddrInet4{Addr: [4]byte{192, 0, 2, 1}})
	if !errors.Is(err, EADDRNOTAVAIL) {
		t.Fatalf("bind to 192.0.2.1 = %v, want EADDRNOTAVAIL", err)
	}
}
