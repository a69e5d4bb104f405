package socket

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// Close of a listening socket returns once its port is free: a Listen on
// the same port right after succeeds, as gen_tcp:listen right after
// gen_tcp:close of a listening socket with accepts pending does in OTP 25.
// Without Reuseaddr nothing is accepted; with it, as Ranch listens,
// clients are accepted and queue in the backlog as the socket closes (the
// connections keep the port bound, which only Reuseaddr allows beside a
// new listener, but no listening socket may be left on it).
func TestListenRightAfterListenerClose(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		clients int
	}{
		{"accepts pending", nil, 0},
		{"clients coming with Reuseaddr", []Option{Reuseaddr(true)}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProc(t)
			opts := append([]Option{IP(loopback), Active(False)}, tc.opts...)
			l, port := listenLo(t, p, opts...)
			for range 50 {
				refs := make([]AsyncRef, 4)
				for i := range refs {
					ref, err := l.AsyncAccept(p, Infinity)
					if err != nil {
						t.Fatal(err)
					}
					refs[i] = ref
				}
				conns := make([]net.Conn, 0, tc.clients)
				for range tc.clients {
					c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					conns = append(conns, c)
				}

				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				next, err := Listen(p, port, opts...)
				if err != nil {
					t.Fatalf("Listen on %d right after Close = %v", port, err)
				}

				for _, ref := range refs {
					if s := acceptResultOf(t, p, ref).Socket; s != nil {
						s.Close()
					}
				}
				for _, c := range conns {
					c.Close()
				}
				l = next
			}
			l.Close()
		})
	}
}
