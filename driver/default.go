package driver

import "sync"

var defaultPool = sync.OnceValues(func() (*Pool, error) { return NewPool() })

// Default returns the process-wide pool, started with the default options
// on first use and never stopped: the one the socket packages share, as
// every port of a BEAM shares its inet driver. Its pollers and their fds
// live as long as the process.
func Default() (*Pool, error) { return defaultPool() }
