package driver

import (
	"encoding/binary"
	"unsafe"

	"github.com/otpnet/otpnet/internal/unix"
	"golang.org/x/sys/windows"
)

// fionread is Winsock's FIONREAD.
const fionread = 0x4004667f

// recvQueued is how many bytes fd has received and not read (FIONREAD).
func recvQueued(fd int) (int, error) { return unix.IoctlGetInt(fd, fionread) }

// sioTCPInfo is WSAIoctl's SIO_TCP_INFO, which reads a TCP_INFO_v0 (its
// version, 0, the input).
const sioTCPInfo = 0xd8000027

// sendUnacked is how many bytes fd has sent that the peer has not
// acknowledged: TCP_INFO_v0's BytesInFlight, at offset 28.
func sendUnacked(fd int) (int, error) {
	var version uint32
	var info [128]byte
	var n uint32
	err := windows.WSAIoctl(windows.Handle(fd), sioTCPInfo, (*byte)(unsafe.Pointer(&version)), 4, &info[0], uint32(len(info)), &n, nil, 0)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint32(info[28:])), nil
}
