package main

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/otpnet/otpnet/driver"
	"golang.org/x/sys/unix"
)

// server accepts connections on one listener and echoes them.
type server struct {
	pool *driver.Pool
	l    driver.Handle
	addr string
	done chan struct{} // closed when serve returns
}

func listen(addr string) (*server, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	pool, err := driver.NewPool()
	if err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	if ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	} else {
		sa = &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
	}
	l, err := pool.Listen(sa, 1024, func(fd int) error {
		return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	})
	if err != nil {
		pool.Stop()
		return nil, err
	}
	var port int
	pool.Control(l, func(fd int) error {
		sa, err := unix.Getsockname(fd)
		switch a := sa.(type) {
		case *unix.SockaddrInet4:
			port = a.Port
		case *unix.SockaddrInet6:
			port = a.Port
		}
		return err
	})
	return &server{pool: pool, l: l, addr: net.JoinHostPort(ap.Addr().String(), strconv.Itoa(port)), done: make(chan struct{})}, nil
}

// serve accepts until the listener closes.
func (s *server) serve() {
	defer close(s.done)
	for {
		c := &conn{pool: s.pool}
		h, _, err := s.pool.Accept(s.l, time.Time{}, c)
		switch {
		case errors.Is(err, driver.ErrClosed):
			return
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
			time.Sleep(100 * time.Millisecond) // out of fds: back off, don't spin
			continue
		case err != nil:
			continue
		}
		c.h = h
		s.pool.Resume(h)
	}
}

func (s *server) stop() {
	s.pool.Close(s.l)
	<-s.done
	s.pool.Stop()
}

// maxQueued is how far a connection's echo may fall behind a client that
// sends without reading before the server stops reading it.
const maxQueued = 1 << 20

// conn echoes what it reads, from the poller, and closes at EOF or error.
type conn struct {
	pool *driver.Pool
	h    driver.Handle
}

func (c *conn) OnRead(b []byte) bool {
	q, err := c.pool.Write(c.h, b)
	if err != nil {
		c.pool.Close(c.h)
		return false
	}
	return q < maxQueued // pause until the client reads its echo
}

func (c *conn) OnFlush(queued int) {
	if queued == 0 {
		c.pool.Resume(c.h)
	}
}

func (c *conn) OnEOF()        { c.pool.Close(c.h) }
func (c *conn) OnError(error) { c.pool.Close(c.h) }
