package erltest

// SetSkipped sets the count of skipped tests, so that a test of the
// count leaves it as it found it.
func SetSkipped(n int) { skipped.Store(int64(n)) }

// Line is Report's line.
var Line = line
