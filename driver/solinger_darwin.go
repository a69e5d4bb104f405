package driver

import "golang.org/x/sys/unix"

// SOLinger is the option, at level SOL_SOCKET, that sets and gets a
// socket's linger (unix.Linger) with its time in seconds: SO_LINGER_SEC
// on macOS, whose SO_LINGER counts clock ticks (SO_LINGER elsewhere).
const SOLinger = unix.SO_LINGER_SEC
