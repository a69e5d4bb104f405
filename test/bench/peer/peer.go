// Package peer is the Go standard library echo server of the benchmark:
// one goroutine per connection on package net, the baseline every other
// server is measured against. The stdecho command serves it, and the
// smoke test in test/ runs it in a child process.
package peer

import (
	"errors"
	"net"
	"sync"
)

// DefaultBuf is the read buffer of each connection: io.Copy's size.
const DefaultBuf = 32 << 10

// StdEcho is a goroutine-per-connection echo server. Close stops it.
type StdEcho struct {
	ln  net.Listener
	buf int

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewStdEcho returns a server for ln whose connections read into buffers
// of buf bytes (DefaultBuf if 0 or less).
func NewStdEcho(ln net.Listener, buf int) *StdEcho {
	if buf <= 0 {
		buf = DefaultBuf
	}
	return &StdEcho{ln: ln, buf: buf, conns: make(map[net.Conn]struct{})}
}

// Serve accepts connections until Close and echoes each in its own
// goroutine. It returns nil after Close.
func (s *StdEcho) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.echo(c)
	}
}

// echo writes back what it reads until the peer closes or an error.
func (s *StdEcho) echo(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	b := make([]byte, s.buf)
	for {
		n, err := c.Read(b)
		if n > 0 {
			if _, werr := c.Write(b[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Close closes the listener and every connection, and waits for their
// goroutines to return.
func (s *StdEcho) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
