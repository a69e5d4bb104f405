package driver

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// DriverEnv is the environment variable that chooses the default pool's
// backend (see Backend): "epoll", "portable" or "poll"; unset or empty, the
// platform's default. It is read once, when the default pool starts.
const DriverEnv = "OTPNET_DRIVER"

var defaultPool = sync.OnceValues(func() (*Pool, error) {
	opts, err := envOptions(os.Getenv(DriverEnv))
	if err != nil {
		return nil, err
	}
	return NewPool(opts...)
})

// envOptions are the default pool's options for DriverEnv's value.
func envOptions(name string) ([]Option, error) {
	if name == "" {
		return nil, nil
	}
	if err := checkBackend(name); err != nil {
		return nil, fmt.Errorf("driver: %s=%q: %w", DriverEnv, name, err)
	}
	return []Option{Backend(name)}, nil
}

// Default returns the process-wide pool, started with the default options
// on first use and never stopped: the one the socket packages share, as
// every port of a BEAM shares its inet driver. Its pollers and their fds
// live as long as the process. Its backend is the platform's default, or
// the one DriverEnv names.
func Default() (*Pool, error) { return defaultPool() }

// checkBackend reports whether this system has the backend name, and
// why not.
func checkBackend(name string) error {
	if slices.Contains(backends, name) {
		return nil
	}
	if why, ok := unavailable[name]; ok {
		return errors.New(why)
	}
	return errors.New(`want "` + strings.Join(backends, `", "`) + `"`)
}
