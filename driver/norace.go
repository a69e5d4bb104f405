//go:build !race

package driver

// raceEnabled reports whether the race detector is on: the driver's
// system calls are then made the ordinary way (see fastIO).
const raceEnabled = false
