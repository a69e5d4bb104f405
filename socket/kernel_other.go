//go:build !linux

package socket

import (
	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/unix"
)

// The kernel options that only Linux has. Where the system has no
// SO_PRIORITY inet_drv ignores a priority set, and so does setPriority;
// the others, and reading the priority, answer enotsup naming the option.

func linuxOnly(name OptName) error {
	return &OptionError{Option: Option{name: name}, Why: "Linux only", Err: unix.ENOTSUP}
}

func setPriority(int, int) error { return nil }

func getPriority(int) (int, error) { return 0, linuxOnly(OptPriority) }

func setTos(fd, tos int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TOS, tos)
}

func bindToDevice(int, string) error { return linuxOnly(OptBindToDevice) }

func boundDevice(int) (string, error) { return "", linuxOnly(OptBindToDevice) }

// copyPriority does nothing: there is no priority to copy.
func (l *Socket) copyPriority(driver.Handle) {}

// pktOptions answers enotsup: IP_PKTOPTIONS is Linux's.
func pktOptions(int) ([]Option, error) { return nil, linuxOnly(OptPktoptions) }
