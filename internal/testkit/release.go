package testkit

import (
	"errors"
	"sync"
	"testing"
)

// PacketOf returns packet i of n bytes: bytes that differ from those of
// every other packet, so that a buffer two packets shared would show.
func PacketOf(i, n int) []byte {
	p := make([]byte, n)
	for j := range p {
		p[j] = byte(i*31 + j*7)
	}
	return p
}

// ReleaseAtOnce runs each of releases (the Release of copies of one
// message) on a goroutine of its own, all at once, and returns how many
// gave the buffer back (returned nil); one that returns an error other
// than released (socket.ErrReleased) fails t.
func ReleaseAtOnce(t testing.TB, released error, releases ...func() error) int {
	t.Helper()
	errs := make(chan error, len(releases))
	var wg sync.WaitGroup
	for _, r := range releases {
		wg.Go(func() { errs <- r() })
	}
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, released):
			t.Error(err)
		}
	}
	return n
}
