//go:build race

package recycle

// raceEnabled reports whether the race detector is on: released buffers
// are then poisoned (Put).
const raceEnabled = true
