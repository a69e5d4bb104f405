package leaktest

import "os"

// quietSignal is a signal that nothing sends the tests: Windows has no
// SIGWINCH, and its Ctrl-C, os.Interrupt, comes from no test.
var quietSignal = os.Interrupt
