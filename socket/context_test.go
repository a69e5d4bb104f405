package socket

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/testkit"
)

// isContextEnd reports whether err is the error of a call that a context
// ended, with cause: its reason is timeout and the context's error.
func isContextEnd(err, cause error) bool {
	var e *inet.Error
	return errors.As(err, &e) && errors.Is(err, cause) && errors.Is(err, ErrTimeout) && inet.Reason(err) == "timeout"
}

// A context that ends while the call waits ends it as its timeout would,
// with timeout and the context's error, and leaves the socket as a
// timeout leaves it: an Accept, a Recv, a Connect under way, a Send
// waiting on a busy socket, and one of the socket backend waiting to
// write it all, which reports what it did not send.
func TestContextEndsItsCalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// start sets up the call, and returns it with a test of whether
		// it is blocked and a check of the socket after.
		start func(t *testing.T, p proc) (call func(ctx context.Context) error, blocked func() bool, after func(err error))
	}{
		{"accept", func(t *testing.T, p proc) (func(context.Context) error, func() bool, func(error)) {
			l, port := listenLo(t, p)
			t.Cleanup(func() { l.Close() })
			return func(ctx context.Context) error { _, err := l.AcceptContext(ctx, p); return err },
				func() bool { return accepting(l) == 1 },
				func(error) {
					if accepting(l) != 0 {
						t.Error("the Accept a context ended still waits")
					}
					c, err := Connect(p, "127.0.0.1", port, 5*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					s, err := l.Accept(p, 5*time.Second)
					if err != nil {
						t.Fatalf("Accept after = %v", err)
					}
					s.Close()
				}
		}},
		{"recv", func(t *testing.T, p proc) (func(context.Context) error, func() bool, func(error)) {
			c, s := pair(t, p, Active(False))
			return func(ctx context.Context) error { _, err := s.RecvContext(ctx, 4); return err },
				func() bool { return recvWaiting(s) },
				func(error) {
					if recvWaiting(s) {
						t.Error("the Recv a context ended still waits")
					}
					through(t, c, s, "next")
				}
		}},
		{"connect", func(t *testing.T, p proc) (func(context.Context) error, func() bool, func(error)) {
			port := fullBacklog(t, p)
			return func(ctx context.Context) error {
					s, err := ConnectContext(ctx, p, "127.0.0.1", port)
					if err == nil {
						s.Close()
					}
					return err
				},
				func() bool { return synSent(t, port) == 1 },
				func(error) { testkit.Until(t, "the connect called off", func() bool { return synSent(t, port) == 0 }) }
		}},
		{"send", func(t *testing.T, p proc) (func(context.Context) error, func() bool, func(error)) {
			c, s := pair(t, p, Active(False), SendTimeoutClose(true))
			c.SetOpts(Sndbuf(4096))
			s.SetOpts(Recbuf(4096))
			chunk := make([]byte, 64<<10)
			return func(ctx context.Context) error {
					for {
						if err := c.SendContext(ctx, chunk); err != nil {
							return err
						}
					}
				},
				func() bool { return busy(c) },
				func(error) {
					// Unlike SendTimeout's, the context's end closes nothing.
					if err := c.Shutdown(Write); err != nil {
						t.Fatalf("the socket after: %v", err)
					}
					c.SetOpts(Linger(true, 0)) // its Close drops the queue the peer never reads

				}
		}},
		{"send_socket_backend", func(t *testing.T, p proc) (func(context.Context) error, func() bool, func(error)) {
			c, s := pair(t, p, Active(False))
			c.SetOpts(InetBackend(BackendSocket), Sndbuf(4096))
			s.SetOpts(Recbuf(4096))
			big := make([]byte, 8<<20)
			return func(ctx context.Context) error { return c.SendContext(ctx, big) },
				func() bool { return busy(c) },
				func(err error) {
					var rest *inet.SendTimeoutError
					if !errors.As(err, &rest) || len(rest.Rest) == 0 || len(rest.Rest) >= len(big) {
						t.Fatalf("%v: want the bytes not sent", err)
					}
				}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProc(t)
			call, blocked, after := tc.start(t, p)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res := make(chan error, 1)
			go func() { res <- call(ctx) }()
			testkit.Until(t, "the call blocked", blocked)
			cancel()
			err := testkit.Result(t, "the call", res)
			if !isContextEnd(err, context.Canceled) {
				t.Fatalf("the call a context ended = %v, want timeout and context.Canceled", err)
			}
			after(err)
		})
	}
}

// A context's deadline ends a call as its cancel does, with
// context.DeadlineExceeded; a context done already fails the call at
// once; a nil one is badarg.
func TestContextDeadlineAndDone(t *testing.T) {
	t.Parallel()
	p := newProc(t)
	c, s := pair(t, p, Active(False))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.RecvContext(ctx, 0); !isContextEnd(err, context.DeadlineExceeded) {
		t.Fatalf("RecvContext past its deadline = %v", err)
	}
	port := fullBacklog(t, p)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := ConnectContext(ctx2, p, "127.0.0.1", port); !isContextEnd(err, context.DeadlineExceeded) {
		t.Fatalf("ConnectContext past its deadline = %v", err)
	}

	done, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if err := c.SendContext(done, []byte("not sent")); !isContextEnd(err, context.Canceled) {
		t.Fatalf("SendContext with its context done = %v", err)
	}
	c.Send([]byte("sent"))
	if got, err := s.Recv(0, 5*time.Second); err != nil || string(got) != "sent" {
		t.Fatalf("Recv = %q, %v; want only what Send sent", got, err)
	}
	c.Send([]byte("there"))
	testkit.Until(t, "the bytes there", func() bool { return inq(t, s) > 0 })
	if _, err := s.RecvContext(done, 0); !isContextEnd(err, context.Canceled) {
		t.Fatalf("RecvContext with its context done = %v", err)
	}
	if _, err := ConnectContext(done, p, "127.0.0.1", port); !isContextEnd(err, context.Canceled) {
		t.Fatalf("ConnectContext with its context done = %v", err)
	}

	//lint:ignore SA1012 the test checks that a nil context is refused
	if _, err := s.RecvContext(nil, 0); !errors.Is(err, ErrBadArg) || err.Error() != "socket: recv: badarg: nil context" {
		t.Fatalf("RecvContext(nil) = %v, want badarg", err)
	}
	if got, err := s.RecvContext(context.Background(), 0); err != nil || string(got) != "there" {
		t.Fatalf("RecvContext = %q, %v", got, err)
	}
}
