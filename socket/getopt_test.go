package socket

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/unix"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"
)

// The accessors, by name: each gives its type's zero value for an option
// of another type.
var accessors = map[string]func(Option) any{
	"Mode":     func(o Option) any { return o.Mode() },
	"Packet":   func(o Option) any { return o.Packet() },
	"Int":      func(o Option) any { return o.Int() },
	"Bool":     func(o Option) any { return o.Bool() },
	"Duration": func(o Option) any { return o.Duration() },
	"Backend":  func(o Option) any { return o.Backend() },
	"Linger":   func(o Option) any { return o.Linger() },
	"Text":     func(o Option) any { return o.Text() },
	"Addr":     func(o Option) any { return o.Addr() },
	"Family":   func(o Option) any { return o.Family() },
	"Raw":      func(o Option) any { return o.Raw() },
	"Options":  func(o Option) any { return o.Options() },
}

// checkAccessors checks that accessor gives want for o, and every other
// accessor its type's zero value.
func checkAccessors(t *testing.T, o Option, accessor string, want any) {
	t.Helper()
	for name, get := range accessors {
		got := get(o)
		if name == accessor {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v.%s() = %#v, want %#v", o, name, got, want)
			}
		} else if !reflect.ValueOf(got).IsZero() {
			t.Errorf("%v.%s() = %#v, want the zero value", o, name, got)
		}
	}
}

// Every option a constructor makes is read back by one accessor, and only
// by it.
func TestOptionAccessors(t *testing.T) {
	raw := RawValue{unix.SOL_SOCKET, unix.SO_KEEPALIVE, []byte{1, 0, 0, 0}}
	addr := netip.MustParseAddr("192.0.2.1")
	tests := []struct {
		opt      Option
		accessor string
		want     any
	}{
		{Active(N(3)), "Mode", N(3)},
		{Packet(framing.Four), "Packet", framing.Four},
		{PacketSize(99), "Int", 99},
		{LineDelimiter('$'), "Int", int('$')},
		{Buffer(7), "Int", 7},
		{Header(2), "Int", 2},
		{Binary(), "Text", "binary"},
		{ExitOnClose(true), "Bool", true},
		{ShowEconnreset(true), "Bool", true},
		{SendTimeout(time.Second), "Duration", time.Second},
		{SendTimeout(Infinity), "Duration", Infinity},
		{SendTimeoutClose(true), "Bool", true},
		{HighWatermark(9), "Int", 9},
		{LowWatermark(8), "Int", 8},
		{DelaySend(true), "Bool", true},
		{InetBackend(BackendSocket), "Backend", BackendSocket},
		{Nodelay(true), "Bool", true},
		{Keepalive(true), "Bool", true},
		{Reuseaddr(true), "Bool", true},
		{Reuseport(true), "Bool", true},
		{Recbuf(4096), "Int", 4096},
		{Sndbuf(4096), "Int", 4096},
		{Priority(3), "Int", 3},
		{Tos(16), "Int", 16},
		{Tclass(16), "Int", 16},
		{TTL(42), "Int", 42},
		{Linger(true, 5), "Linger", LingerValue{true, 5}},
		{Dontroute(true), "Bool", true},
		{BindToDevice("lo"), "Text", "lo"},
		{IPv6Only(true), "Bool", true},
		{RecvTos(true), "Bool", true},
		{RecvTTL(true), "Bool", true},
		{RecvTclass(true), "Bool", true},
		{Raw(raw.Level, raw.Opt, raw.Value), "Raw", raw},
		{Backlog(7), "Int", 7},
		{IP(addr), "Addr", addr},
		{IfAddrLocal("/tmp/sock"), "Text", "/tmp/sock"},
		{Port(80), "Int", 80},
		{Family(inet.Inet6), "Family", inet.Inet6},
		{Fd(3), "Int", 3},
		{Option{OptPktoptions, []Option{TTL(64)}}, "Options", []Option{TTL(64)}},
	}
	for _, tt := range tests {
		checkAccessors(t, tt.opt, tt.accessor, tt.want)
	}
}

// GetOpt reads every readable option back, with the type its accessor
// takes; an option that cannot be read is einval naming it.
func TestGetOptEveryOption(t *testing.T) {
	p := newProc(t)
	_, s := pair(t, p, Active(False))
	l6 := listen(t, p, IP(netip.IPv6Loopback()), Active(False))
	defer l6.Close()
	tests := []struct {
		set      []Option // applied first, to read back something not the default
		name     OptName
		accessor string
		want     any // nil: any value will do, of the accessor's type
		s        *Socket
	}{
		{[]Option{Active(N(5))}, OptActive, "Mode", N(5), s},
		{[]Option{Packet(framing.Two)}, OptPacket, "Packet", framing.Two, s},
		{[]Option{PacketSize(1000)}, OptPacketSize, "Int", 1000, s},
		{[]Option{LineDelimiter('$')}, OptLineDelimiter, "Int", int('$'), s},
		{[]Option{Buffer(3000)}, OptBuffer, "Int", 3000, s},
		{[]Option{Header(3)}, OptHeader, "Int", 3, s},
		{nil, OptMode, "Text", "binary", s},
		{[]Option{ExitOnClose(false)}, OptExitOnClose, "Bool", false, s},
		{[]Option{ShowEconnreset(true)}, OptShowEconnreset, "Bool", true, s},
		{[]Option{SendTimeout(1500 * time.Millisecond)}, OptSendTimeout, "Duration", 1500 * time.Millisecond, s},
		{[]Option{SendTimeoutClose(true)}, OptSendTimeoutClose, "Bool", true, s},
		{[]Option{HighWatermark(20000)}, OptHighWatermark, "Int", 20000, s},
		{[]Option{LowWatermark(10000)}, OptLowWatermark, "Int", 10000, s},
		{[]Option{DelaySend(true)}, OptDelaySend, "Bool", true, s},
		{[]Option{InetBackend(BackendSocket)}, OptInetBackend, "Backend", BackendSocket, s},
		{[]Option{Nodelay(true)}, OptNodelay, "Bool", true, s},
		{[]Option{Keepalive(true)}, OptKeepalive, "Bool", true, s},
		{[]Option{Reuseaddr(true)}, OptReuseaddr, "Bool", true, s},
		{[]Option{Reuseport(true)}, OptReuseport, "Bool", true, s},
		{[]Option{Recbuf(8192)}, OptRecbuf, "Int", nil, s}, // the kernel doubles it
		{[]Option{Sndbuf(8192)}, OptSndbuf, "Int", nil, s},
		{[]Option{Priority(3)}, OptPriority, "Int", 3, s},
		{[]Option{Tos(16)}, OptTos, "Int", 16, s},
		{[]Option{Tclass(32)}, OptTclass, "Int", 32, l6},
		{[]Option{TTL(42)}, OptTTL, "Int", 42, s},
		{[]Option{Linger(true, 5)}, OptLinger, "Linger", LingerValue{true, 5}, s},
		{[]Option{Dontroute(true)}, OptDontroute, "Bool", true, s},
		{nil, OptBindToDevice, "Text", "", s},
		{nil, OptIPv6Only, "Bool", nil, l6}, // set at open only
		{[]Option{RecvTos(true)}, OptRecvTos, "Bool", true, s},
		{[]Option{RecvTTL(true)}, OptRecvTTL, "Bool", true, s},
		{[]Option{RecvTclass(true)}, OptRecvTclass, "Bool", true, l6},
		{nil, OptPktoptions, "Options", nil, s},
	}
	tested := make(map[OptName]bool)
	for _, tt := range tests {
		tested[tt.name] = true
		if err := tt.s.SetOpts(tt.set...); err != nil {
			t.Errorf("SetOpts(%v): %v", tt.set, err)
			continue
		}
		o, err := tt.s.GetOpt(tt.name)
		if err != nil || o.Name() != tt.name {
			t.Errorf("GetOpt(%v) = %v, %v", tt.name, o, err)
			continue
		}
		want := tt.want
		if want == nil { // the accessor's own value, which must be of its type
			want = accessors[tt.accessor](o)
			if reflect.TypeOf(o.Value()) != reflect.TypeOf(want) {
				t.Errorf("GetOpt(%v) holds a %T, want a %T", tt.name, o.Value(), want)
			}
		}
		checkAccessors(t, o, tt.accessor, want)
		if all, err := tt.s.GetOpts(tt.name); err != nil || !reflect.DeepEqual(all, []Option{o}) {
			t.Errorf("GetOpts(%v) = %v, %v; GetOpt gave %v", tt.name, all, err, o)
		}
	}
	// Every other name is refused, with an error naming it.
	for n := OptName(0); n <= numOpts; n++ {
		if tested[n] {
			continue
		}
		_, err := s.GetOpt(n)
		var oe *OptionError
		if !errors.Is(err, unix.EINVAL) || !errors.As(err, &oe) || oe.Option.Name() != n || !strings.Contains(err.Error(), n.String()) {
			t.Errorf("GetOpt(%v) = %v, want einval naming it", n, err)
		}
	}
	if b, err := s.GetRaw(unix.SOL_SOCKET, unix.SO_KEEPALIVE, 4); err != nil || len(b) != 4 || b[0] != 1 {
		t.Errorf("GetRaw(SO_KEEPALIVE) = %v, %v; want keepalive on", b, err)
	}
	s.Close()
	if _, err := s.GetOpt(OptActive); !errors.Is(err, unix.EINVAL) {
		t.Errorf("GetOpt on a closed socket = %v, want einval", err)
	}
}
