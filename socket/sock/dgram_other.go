//go:build !linux

package sock

import "github.com/otpnet/otpnet/internal/unix"

// fromAddr is where recvfrom puts a datagram's sender. Linux's reads it
// into a buffer the socket keeps (dgram_linux.go); here Recvfrom
// allocates it.
type fromAddr struct {
	sa unix.Sockaddr
}

// recvfrom reads a datagram into p, and its sender into f: recvfrom(2).
func (f *fromAddr) recvfrom(fd int, p []byte) (n int, err error) {
	n, f.sa, err = unix.Recvfrom(fd, p, 0)
	return n, err
}

// addr returns the sender as an Addr; the zero Addr when the kernel gave
// none of inet and inet6.
func (f *fromAddr) addr() Addr { return addrOf(f.sa) }

// sendto sends datagram p to to.
func sendto(fd int, p []byte, to unix.Sockaddr) error {
	_, err := unix.SendmsgN(fd, p, nil, to, 0)
	return err
}
