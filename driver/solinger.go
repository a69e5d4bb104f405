//go:build !darwin

package driver

import "github.com/otpnet/otpnet/internal/unix"

// SOLinger is the option, at level SOL_SOCKET, that sets and gets a
// socket's linger (unix.Linger) with its time in seconds: SO_LINGER here,
// SO_LINGER_SEC on macOS, whose SO_LINGER counts clock ticks.
const SOLinger = unix.SO_LINGER
