package main

import (
	"os"
	"os/signal"
	"testing"

	"github.com/otpnet/otpnet/driver"
	"github.com/otpnet/otpnet/internal/leaktest"
)

// TestMain fails the run if the tests leave an fd or a goroutine behind.
// What lives as long as the process is started first: the sockets'
// driver pool, and os/signal's watcher, which the first signal.Notify
// starts for good.
func TestMain(m *testing.M) {
	leaktest.Main(m, startDriver, watchSignals)
}

func startDriver() error {
	_, err := driver.Default()
	return err
}

func watchSignals() error {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	signal.Stop(c)
	return nil
}
