package driver

import "github.com/otpnet/otpnet/internal/unix"

// udpPair makes two non-blocking UDP sockets on the loopback, each
// connected to the other: the wake-up fds of the poll backend on
// Windows, where WSAPoll takes only sockets (no pipe, no eventfd). It
// builds on every system, so that its logic is tested on Linux too. A
// wake is a datagram from w to r; r, connected to w, takes datagrams
// from w only.
func udpPair() (r, w int, err error) {
	r, w = -1, -1
	fail := func(e error) (int, int, error) {
		for _, fd := range [2]int{r, w} {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
		return -1, -1, e
	}
	loop := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	for _, fd := range []*int{&r, &w} {
		if *fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0); err != nil {
			*fd = -1
			return fail(err)
		}
		unix.CloseOnExec(*fd)
		if err = unix.SetNonblock(*fd, true); err != nil {
			return fail(err)
		}
		if err = unix.Bind(*fd, loop); err != nil {
			return fail(err)
		}
	}
	ra, err := unix.Getsockname(r)
	if err != nil {
		return fail(err)
	}
	wa, err := unix.Getsockname(w)
	if err != nil {
		return fail(err)
	}
	if err = unix.Connect(w, ra); err != nil {
		return fail(err)
	}
	if err = unix.Connect(r, wa); err != nil {
		return fail(err)
	}
	return r, w, nil
}
