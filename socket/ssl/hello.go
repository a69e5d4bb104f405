package ssl

import (
	"crypto/tls"
	"errors"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket"
	"golang.org/x/sys/unix"
)

// errCanceled is the reason of a handshake HandshakeCancel ended.
var errCanceled = errors.New("handshake canceled")

// pausedHandshake runs a server's handshake that stops after the
// client's hello (HandshakeHello): crypto/tls asks for the configuration
// to go on with (GetConfigForClient), and the question waits for
// HandshakeContinue or HandshakeCancel, at most until the handshake's
// deadline. The handshake runs in a goroutine of its own, which ends by
// that deadline whatever comes, and closes the socket when it fails.
func (s *Socket) pausedHandshake(cfg *tls.Config, timeout time.Duration) error {
	hs := s.hs
	hs.hello = make(chan *tls.ClientHelloInfo, 1)
	hs.resume = make(chan *tls.Config, 1)
	hs.result = make(chan error, 1)
	c := cfg.Clone()
	c.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		hs.hello <- h
		var expired <-chan time.Time
		if !hs.deadline.IsZero() {
			t := time.NewTimer(time.Until(hs.deadline))
			defer t.Stop()
			expired = t.C
		}
		select {
		case next := <-hs.resume:
			if next == nil {
				return nil, errCanceled
			}
			return next, nil
		case <-expired:
			return nil, socket.ErrTimeout
		}
	}
	s.conn = tls.Server(&s.w, c)
	go func() { hs.result <- s.finish(s.conn.Handshake()) }()
	select {
	case h := <-hs.hello:
		hs.mu.Lock()
		hs.state, hs.info = hsPaused, h
		hs.mu.Unlock()
		return nil
	case err := <-hs.result:
		return err
	}
}

// Hello returns the client's hello of a handshake that HandshakeHello
// paused: its SNI name (ServerName), ALPN protocols, versions and cipher
// suites, OTP's {ok, S, Extensions}.
func (s *Socket) Hello() (*tls.ClientHelloInfo, error) {
	if s.hs == nil {
		return nil, &inet.Error{Op: "handshake", Err: unix.EINVAL}
	}
	s.hs.mu.Lock()
	defer s.hs.mu.Unlock()
	if s.hs.info == nil {
		return nil, &inet.Error{Op: "handshake", Err: unix.EINVAL}
	}
	return s.hs.info, nil
}

// HandshakeContinue is ssl:handshake_continue(Socket, Options, Timeout):
// it finishes a handshake that HandshakeHello paused, with opts added to
// Listen's (a certificate chosen for the hello's SNI name, ALPN, socket
// options, ...), within timeout. A paused socket on which neither it nor
// HandshakeCancel is called fails when Handshake's timeout passes.
func (s *Socket) HandshakeContinue(timeout time.Duration, opts ...Option) error {
	fail := func(err error) error { return &inet.Error{Op: "handshake_continue", Err: err} }
	if err := s.paused(); err != nil {
		return fail(err)
	}
	cf, err := makeConfig("handshake_continue", true, append([]Option{Config(s.cf.tls)}, opts...))
	if err != nil {
		s.resume(nil)
		return err
	}
	s.hs.post = cf.post
	if timeout >= 0 {
		s.w.hs.SetDeadline(time.Now().Add(timeout))
	} else {
		s.w.hs.SetDeadline(time.Time{})
	}
	if err := s.resume(cf.tls); err != nil {
		return fail(err)
	}
	return nil
}

// HandshakeCancel is ssl:handshake_cancel(Socket): it ends a handshake
// that HandshakeHello paused, and closes the socket.
func (s *Socket) HandshakeCancel() error {
	if err := s.paused(); err != nil {
		return &inet.Error{Op: "handshake_cancel", Err: err}
	}
	s.resume(nil)
	return nil
}

// paused reports why s is not a paused handshake, or nil, and marks it
// running again.
func (s *Socket) paused() error {
	if s.hs == nil {
		return unix.EINVAL
	}
	s.hs.mu.Lock()
	defer s.hs.mu.Unlock()
	if s.hs.state != hsPaused {
		return unix.EINVAL
	}
	s.hs.state = hsRunning
	return nil
}

// resume lets the paused handshake go on with cfg (nil: cancel it), and
// returns its result.
func (s *Socket) resume(cfg *tls.Config) error {
	s.hs.resume <- cfg
	return <-s.hs.result
}
