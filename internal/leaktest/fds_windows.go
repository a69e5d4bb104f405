package leaktest

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

var getProcessHandleCount = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetProcessHandleCount")

// fds counts the open handles, sockets among them: Windows has no list
// of fds, and a socket is a handle there.
func fds() int {
	var n uint32
	if r, _, err := getProcessHandleCount.Call(uintptr(windows.CurrentProcess()), uintptr(unsafe.Pointer(&n))); r == 0 {
		panic(err)
	}
	return int(n)
}
