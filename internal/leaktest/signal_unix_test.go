//go:build unix

package leaktest

import "syscall"

// quietSignal is a signal that nothing sends the tests: SIGWINCH.
var quietSignal = syscall.SIGWINCH
