//go:build race

package socket

// raceEnabled reports whether the race detector is on: released buffers
// are then poisoned (putData).
const raceEnabled = true
