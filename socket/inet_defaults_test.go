package socket

import (
	"errors"
	"slices"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/internal/unix"
)

// These tests change process-wide state, so none of them is parallel:
// Go runs the parallel tests of the package only after the sequential
// ones, and each test here puts the defaults back before it ends.

// resetDefaults clears both defaults now and when t ends.
func resetDefaults(t *testing.T) {
	t.Helper()
	clear := func() {
		if err := SetDefaultConnectOptions(); err != nil {
			t.Error(err)
		}
		if err := SetDefaultListenOptions(); err != nil {
			t.Error(err)
		}
	}
	clear()
	t.Cleanup(clear)
}

// boolOpt is the value of the named bool option of s.
func boolOpt(t *testing.T, s *Socket, n OptName) bool {
	t.Helper()
	o, err := s.GetOpts(n)
	if err != nil {
		t.Fatal(err)
	}
	return o[0].Value().(bool)
}

// threeSockets is OTP's do_delay_send_1: a connected, an accepted (both
// made with no options of their own but the address) and the listening
// socket.
func threeSockets(t *testing.T, p proc, opts ...Option) (client, server, listener *Socket) {
	t.Helper()
	l := listen(t, p, append([]Option{IP(loopback)}, opts...)...)
	t.Cleanup(func() { l.Close() })
	port, err := l.Port()
	if err != nil {
		t.Fatal(err)
	}
	c := connect(t, p, "127.0.0.1", port, opts...)
	t.Cleanup(func() { c.Close() })
	s := accept(t, l, p)
	t.Cleanup(func() { s.Close() })
	return c, s, l
}

func TestDefaultOptionsDelaySend(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		set                    func(...Option) error
		client, server, listen bool
	}{
		{"connect", SetDefaultConnectOptions, true, false, false},
		{"listen", SetDefaultListenOptions, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resetDefaults(t)
			if err := tc.set(DelaySend(true)); err != nil {
				t.Fatal(err)
			}
			c, s, l := threeSockets(t, newProc(t))
			for _, x := range []struct {
				who  string
				s    *Socket
				want bool
			}{{"connected", c, tc.client}, {"accepted", s, tc.server}, {"listening", l, tc.listen}} {
				if got := boolOpt(t, x.s, OptDelaySend); got != x.want {
					t.Errorf("%s socket: delay_send %v, want %v", x.who, got, x.want)
				}
			}
		})
	}
}

func TestDefaultOptionsNodelay(t *testing.T) {
	resetDefaults(t)
	if err := SetDefaultConnectOptions(Nodelay(true)); err != nil {
		t.Fatal(err)
	}
	c, s, _ := threeSockets(t, newProc(t))
	if !boolOpt(t, c, OptNodelay) {
		t.Error("connected socket: nodelay false, want the default true")
	}
	if boolOpt(t, s, OptNodelay) {
		t.Error("accepted socket: nodelay true; connect defaults leaked to listen")
	}
	if err := SetDefaultConnectOptions(); err != nil {
		t.Fatal(err)
	}
	if err := SetDefaultListenOptions(Nodelay(true)); err != nil {
		t.Fatal(err)
	}
	c, s, _ = threeSockets(t, newProc(t))
	if boolOpt(t, c, OptNodelay) {
		t.Error("connected socket: nodelay true; listen defaults leaked to connect")
	}
	if !boolOpt(t, s, OptNodelay) {
		t.Error("accepted socket: nodelay false, want the listen default true")
	}
}

func TestDefaultOptionsCallerWins(t *testing.T) {
	resetDefaults(t)
	for _, set := range []func(...Option) error{SetDefaultConnectOptions, SetDefaultListenOptions} {
		if err := set(DelaySend(true), Nodelay(true), Buffer(777)); err != nil {
			t.Fatal(err)
		}
	}
	c, s, l := threeSockets(t, newProc(t), DelaySend(false), Nodelay(false))
	for _, x := range []*Socket{c, s, l} {
		o, err := x.GetOpts(OptDelaySend, OptNodelay, OptBuffer)
		if err != nil {
			t.Fatal(err)
		}
		if o[0].Value() != false || o[1].Value() != false || o[2].Value() != 777 {
			t.Errorf("got %v, want delay_send and nodelay false (the caller's), buffer 777 (the default)", o)
		}
	}
}

func TestDefaultOptionsActiveIgnored(t *testing.T) {
	resetDefaults(t)
	for _, set := range []func(...Option) error{SetDefaultConnectOptions, SetDefaultListenOptions} {
		if err := set(Active(False), DelaySend(true), Active(Once)); err != nil {
			t.Fatal(err)
		}
	}
	if got := DefaultConnectOptions(); len(got) != 1 || got[0].Name() != OptDelaySend {
		t.Errorf("DefaultConnectOptions() = %v, want [{delay_send,true}]", got)
	}
	p := newProc(t)
	c, s, _ := threeSockets(t, p)
	for _, x := range []*Socket{c, s} {
		o, err := x.GetOpts(OptActive)
		if err != nil {
			t.Fatal(err)
		}
		if o[0].Value() != True {
			t.Errorf("active %v, want true: active in the defaults is ignored", o[0])
		}
	}
	// Active, so the data arrives as a message.
	if err := c.Send([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Next(t, p); m == nil {
		t.Fatal("no tcp message")
	}
	// The caller's own active still counts.
	c2, _, _ := threeSockets(t, p, Active(False))
	if o, _ := c2.GetOpts(OptActive); o[0].Value() != False {
		t.Errorf("caller's active: got %v, want false", o[0])
	}
}

func TestDefaultOptionsRefused(t *testing.T) {
	resetDefaults(t)
	if err := SetDefaultConnectOptions(DelaySend(true)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Option{TTL(0), Buffer(0), Fd(3), {OptNodelay, 7}} {
		for _, set := range []func(...Option) error{SetDefaultConnectOptions, SetDefaultListenOptions} {
			err := set(Keepalive(true), bad)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Option != bad || !errors.Is(err, unix.EINVAL) {
				t.Errorf("default %v: got %v, want an einval naming it", bad, err)
			}
		}
	}
	if got := DefaultConnectOptions(); !slices.Equal(got, []Option{DelaySend(true)}) {
		t.Errorf("after refusals: %v, want the old [{delay_send,true}]", got)
	}
	if got := DefaultListenOptions(); got != nil {
		t.Errorf("after refusals: %v, want none", got)
	}
}

func TestDefaultOptionsReset(t *testing.T) {
	resetDefaults(t)
	raw := []byte{30, 0, 0, 0}
	if err := SetDefaultConnectOptions(DelaySend(true), Raw(unix.IPPROTO_IP, unix.IP_TTL, raw)); err != nil {
		t.Fatal(err)
	}
	raw[0] = 99 // the stored default keeps its own copy
	got := DefaultConnectOptions()
	if len(got) != 2 || got[1].Value().(RawValue).Value[0] != 30 {
		t.Fatalf("DefaultConnectOptions() = %v", got)
	}
	got[1].Value().(RawValue).Value[0] = 99 // and gives out copies
	if DefaultConnectOptions()[1].Value().(RawValue).Value[0] != 30 {
		t.Fatal("DefaultConnectOptions gave out its own slice")
	}
	c, _, _ := threeSockets(t, newProc(t))
	if !boolOpt(t, c, OptDelaySend) {
		t.Error("delay_send default not applied")
	}
	if b, err := c.GetRaw(unix.IPPROTO_IP, unix.IP_TTL, 4); err != nil || b[0] != 30 {
		t.Errorf("raw IP_TTL default: %v %v, want 30", b, err)
	}
	if err := SetDefaultConnectOptions(); err != nil {
		t.Fatal(err)
	}
	if got := DefaultConnectOptions(); got != nil {
		t.Errorf("after reset: %v, want none", got)
	}
	c, _, _ = threeSockets(t, newProc(t))
	if boolOpt(t, c, OptDelaySend) {
		t.Error("delay_send still on after the defaults were reset")
	}
}

func TestDefaultOptionsConcurrent(t *testing.T) {
	resetDefaults(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if err := SetDefaultConnectOptions(DelaySend(i%2 == 0), Nodelay(true)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		if d := DefaultConnectOptions(); d != nil && len(d) != 2 {
			t.Errorf("torn defaults %v", d)
		}
	}
	<-done
}
