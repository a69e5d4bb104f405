//go:build unix

package leaktest

import "os"

// fds counts the open fds: Linux lists them in /proc/self/fd, macOS and
// the BSDs in /dev/fd.
func fds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		ents, err = os.ReadDir("/dev/fd")
	}
	if err != nil {
		panic(err)
	}
	return len(ents) - 1 // the directory's own fd
}
