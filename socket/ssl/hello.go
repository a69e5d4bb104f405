package ssl

import (
	"crypto/tls"
	"errors"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/unix"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/socket/internal/layer"
)

// errCanceled is the reason of a handshake HandshakeCancel ended.
var errCanceled = errors.New("handshake canceled")

// pausedHandshake runs a server's handshake that stops after the
// client's hello (HandshakeHello): crypto/tls asks for the configuration
// to go on with (GetConfigForClient), and the question waits for
// HandshakeContinue or HandshakeCancel, at most until the handshake's
// deadline or until the socket closes (Close, its owner's end). The
// handshake runs in a goroutine of its own, which ends by then whatever
// comes, and closes the socket when it fails.
//
// Whoever ends the pause first takes it, under hs.mu: HandshakeContinue
// or HandshakeCancel (paused), which then always answers it (resume), or
// the deadline or the close (expire). The handshake's conn and its
// deadline are the handshake goroutine's alone: HandshakeContinue's new
// deadline goes to it with the configuration.
func (s *Socket) pausedHandshake(cfg *tls.Config, timeout time.Duration) error {
	hs := s.hs
	hs.hello = make(chan struct{}, 1)
	hs.resume = make(chan resumption, 1)
	hs.result = make(chan error, 1)
	c := cfg.Clone()
	c.GetConfigForClient = func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		gone := make(chan struct{})
		stop := layer.OnExit(s.sock, func() { close(gone) })
		defer stop()
		hs.mu.Lock()
		hs.state, hs.info = hsPaused, h
		hs.mu.Unlock()
		hs.hello <- struct{}{}
		var expired <-chan time.Time
		if !hs.deadline.IsZero() {
			t := time.NewTimer(time.Until(hs.deadline))
			defer t.Stop()
			expired = t.C
		}
		var why error
		select {
		case r := <-hs.resume:
			return s.resumed(r)
		case <-expired:
			why = socket.ErrTimeout
		case <-gone:
			why = socket.ErrClosed
		}
		if !hs.expire() {
			// HandshakeContinue or HandshakeCancel took the pause
			// first: its answer is on its way.
			return s.resumed(<-hs.resume)
		}
		return nil, why
	}
	s.conn = tls.Server(&s.w, c)
	go func() { hs.result <- s.finish(s.conn.Handshake()) }()
	if testHookPausedWait != nil {
		testHookPausedWait(s)
	}
	select {
	case <-hs.hello:
		return nil
	case err := <-hs.result:
		select {
		case <-hs.hello:
			// The handshake paused before it ended: the pause was
			// reached, and whoever took it (HandshakeContinue,
			// HandshakeCancel, Close) waits for this result. Give it
			// back, and answer paused, as had the hello come first.
			hs.result <- err
			return nil
		default:
			return err // it failed before the hello
		}
	}
}

// testHookPausedWait and testHookResumed, when a test sets them, are
// called by pausedHandshake before it waits for the hello or the result,
// and by resume between its handing the pause on and its wait for the
// result: the places where a Close racing a paused Handshake's return
// can take its turn.
var testHookPausedWait, testHookResumed func(s *Socket)

// resumption is what HandshakeContinue gives a paused handshake to go on
// with (a nil cfg: cancel it), and the handshake's new deadline (zero:
// none).
type resumption struct {
	cfg      *tls.Config
	deadline time.Time
}

// resumed goes on with r, on the handshake's goroutine.
func (s *Socket) resumed(r resumption) (*tls.Config, error) {
	if r.cfg == nil {
		return nil, errCanceled
	}
	s.w.hs.SetDeadline(r.deadline)
	return r.cfg, nil
}

// expire takes the pause for its deadline or the socket's close, and
// reports false if HandshakeContinue or HandshakeCancel took it first.
func (hs *handshake) expire() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.state != hsPaused {
		return false
	}
	hs.state = hsRunning
	return true
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
		s.resume(resumption{})
		return err
	}
	s.hs.post = append(cf.post, s.hs.post...) // first wins: these, then the listener's
	r := resumption{cfg: cf.tls}
	if timeout >= 0 {
		r.deadline = time.Now().Add(timeout)
	}
	if err := s.resume(r); err != nil {
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
	s.resume(resumption{})
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

// resume lets the paused handshake, which paused took, go on with r (a
// nil cfg: cancel it), and returns its result.
func (s *Socket) resume(r resumption) error {
	s.hs.resume <- r
	if testHookResumed != nil {
		testHookResumed(s)
	}
	return <-s.hs.result
}
