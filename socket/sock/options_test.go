package sock

import (
	"errors"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
)

func TestSetoptGetopt(t *testing.T) {
	for _, tc := range []struct {
		opt       Option
		def, set  any
		typ       Type
		protocols Protocol
	}{
		{OptReuseAddr, false, true, Stream, TCP},
		{OptReusePort, false, true, Dgram, UDP},
		{OptKeepAlive, false, true, Stream, TCP},
		{OptBroadcast, false, true, Dgram, UDP},
		{OptNoDelay, false, true, Stream, TCP},
		{OptLinger, Linger{}, Linger{OnOff: true, Linger: 5}, Stream, TCP},
		{OptOTPRcvBuf, 8192, 100, Stream, TCP},
		{OptOTPRcvBuf, 8192, 65535, Dgram, UDP},
	} {
		s := open(t, Inet, tc.typ, tc.protocols)
		if v, err := s.GetOpt(tc.opt); err != nil || v != tc.def {
			t.Errorf("GetOpt(%v) = %v, %v; want %v", tc.opt, v, err, tc.def)
		}
		if err := s.SetOpt(tc.opt, tc.set); err != nil {
			t.Errorf("SetOpt(%v, %v) = %v", tc.opt, tc.set, err)
		}
		if v, err := s.GetOpt(tc.opt); err != nil || v != tc.set {
			t.Errorf("GetOpt(%v) after SetOpt = %v, %v; want %v", tc.opt, v, err, tc.set)
		}
	}
}

func TestGetoptReadOnly(t *testing.T) {
	s := open(t, Inet6, Dgram, UDP)
	for opt, want := range map[Option]any{OptType: Dgram, OptProtocol: UDP, OptDomain: Inet6, OptAcceptConn: false} {
		if v, err := s.GetOpt(opt); err != nil || v != want {
			t.Errorf("GetOpt(%v) = %v, %v; want %v", opt, v, err, want)
		}
		wantReason(t, "SetOpt("+opt.String()+")", s.SetOpt(opt, want), "setopt", "badarg")
	}
	// The kernel's buffer sizes are ints; Linux doubles what it is given.
	testkit.Must(t, s.SetOpt(OptRcvBuf, 65536))
	if v, err := s.GetOpt(OptRcvBuf); err != nil || v != 131072 {
		t.Errorf("GetOpt(rcvbuf) = %v, %v; want 131072", v, err)
	}
	if v, err := s.GetOpt(OptV6Only); err != nil || v != false {
		t.Errorf("GetOpt(v6only) = %v, %v; want false", v, err)
	}
}

// Values of the wrong type or range are refused, naming the option, as
// OTP's {invalid, {socket_option, Opt, Value}}.
func TestSetoptBadValues(t *testing.T) {
	s := open(t, Inet, Stream, TCP)
	for _, tc := range []struct {
		opt   Option
		value any
	}{
		{OptReuseAddr, 1},
		{OptReuseAddr, "true"},
		{OptLinger, true},
		{OptLinger, Linger{OnOff: true, Linger: -1}},
		{OptOTPRcvBuf, 0},
		{OptOTPRcvBuf, -1},
		{OptOTPRcvBuf, int64(100)},
		{OptOTPRcvBuf, 1 << 40},
		{OptSndBuf, true},
		{OptSndBuf, -5},
		{Option{"otp", "recvbuf"}, 100}, // OTP 25 has no such option
		{Option{"socket", "foo"}, true},
	} {
		err := s.SetOpt(tc.opt, tc.value)
		wantReason(t, "SetOpt("+tc.opt.String()+")", err, "setopt", "badarg")
		var ae *ArgError
		if !errors.As(err, &ae) || (ae.Arg != tc.opt.String() && ae.Value != tc.opt) {
			t.Errorf("SetOpt(%v, %v) = %v, want an ArgError naming the option", tc.opt, tc.value, err)
		}
	}
	_, err := s.GetOpt(Option{"otp", "recvbuf"})
	wantReason(t, "GetOpt({otp,recvbuf})", err, "getopt", "badarg")
}
