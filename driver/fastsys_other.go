//go:build !linux

package driver

import "github.com/otpnet/otpnet/internal/unix"

// fastRead is read(2): raw system calls are Linux's (fastsys_linux.go).
func fastRead(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// fastWrite is write(2): raw system calls are Linux's (fastsys_linux.go).
func fastWrite(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
