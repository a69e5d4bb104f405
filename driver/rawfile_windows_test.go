package driver

import (
	"errors"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/unix"
)

// TestAttachFileUnsupported: a raw socket cannot be registered on Windows,
// and the error says so, as EOPNOTSUPP.
func TestAttachFileUnsupported(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	s := &slot{fd: int32(fd)}
	err = attachFile(s)
	if !errors.Is(err, unix.EOPNOTSUPP) || !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "raw sockets do not run on Windows") {
		t.Fatalf("attachFile = %v, want EOPNOTSUPP saying raw sockets do not run on Windows", err)
	}
	if s.x != nil {
		t.Fatalf("attachFile left the slot a file: %+v", s.x)
	}
}
