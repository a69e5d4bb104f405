package driver

import (
	"fmt"

	"github.com/otpnet/otpnet/internal/unix"
)

// attachFile fails on Windows: a raw socket waits in Go's netpoller
// through an os.File's RawConn, which cannot wait for a SOCKET there.
// os.NewFile takes the SOCKET for a file handle, not a socket, so the file
// has no deadlines and its Close would be CloseHandle's; and a RawConn's
// Write answers EWINDOWS when its callback asks to wait for writability,
// which Windows' netpoller (IOCP completions) cannot tell. The error
// wraps EOPNOTSUPP (errors.ErrUnsupported matches it); the register that
// called closes the socket.
func attachFile(s *slot) error {
	return fmt.Errorf("driver: raw sockets do not run on Windows: "+
		"they wait in Go's netpoller through an os.File's RawConn, which cannot wait for a SOCKET to be ready there (socket %d): %w",
		s.fd, unix.EOPNOTSUPP)
}
