package socket

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/framing"
	"github.com/otpnet/otpnet/inet"

	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// TestOTPSuitesOracle runs testdata/otp_suites.escript: what OTP 25 does
// where the ports of gen_tcp_echo_SUITE and of gen_tcp_misc_SUITE's
// monitor, system limit and pktoptions cases assert it of otpnet. Each
// line names the Go test that asserts the same of otpnet. The emfile
// scenario runs in a shell whose open-files limit is 64.
func TestOTPSuitesOracle(t *testing.T) {
	escript := erltest.Escript(t)
	t.Parallel()
	got := oracle(t,
		exec.Command(escript, "testdata/otp_suites.escript"),
		exec.Command("sh", "-c", `ulimit -n 64 && exec "$0" testdata/otp_suites.escript emfile`, escript))
	// The pktoptions scenarios: otpnet's getopts, in the same order, are
	// OTP's (TestRecvtos, TestRecvtosttl, TestRecvttl, TestRecvtclass).
	for name, tc := range map[string]struct {
		family inet.Family
		spec   []pktSpec
	}{
		"pktoptions_recvtos":    {inet.Inet, []pktSpec{{RecvTos, Tos(96)}}},
		"pktoptions_recvtosttl": {inet.Inet, []pktSpec{{RecvTos, Tos(96)}, {RecvTTL, TTL(33)}}},
		"pktoptions_recvttl":    {inet.Inet, []pktSpec{{RecvTTL, TTL(33)}}},
		"pktoptions_recvtclass": {inet.Inet6, []pktSpec{{RecvTclass, Tclass(224)}}},
	} {
		ours, ok := pktScenario(t, tc.family, tc.spec)
		if !ok {
			t.Fatalf("%s: no loopback address for %v here, where OTP had one", name, tc.family)
		}
		if s := erlOptions(ours); s != got[name] {
			t.Errorf("%s: otpnet's %s, OTP's %s", name, s, got[name])
		}
	}
	if ours := echoLimits(t); ours != got["echo_limits"] {
		t.Errorf("echo_limits: otpnet's %s, OTP's %s", ours, got["echo_limits"])
	}
	if ours := getstatCounts(t); ours != got["getstat_counts"] {
		t.Errorf("getstat_counts: otpnet's %s, OTP's %s", ours, got["getstat_counts"])
	}
	wantOracle(t, got, map[string]string{
		// TestAcceptSystemLimit: out of fds accept is emfile, and stays
		// so; an fd freed, the waiting connection is accepted.
		"accept_emfile": "[{error,emfile},{error,emfile},ok]",
		// TestSocketMonitorReasons: the Down's reason (nil for normal),
		// after the owner's last messages
		"monitor_close":             "[{down,normal}]",
		"monitor_peer_close_active": "[tcp_closed,{down,normal}]",
		"monitor_emsgsize":          "[{tcp_error,emsgsize},tcp_closed,{down,emsgsize}]",
		"monitor_econnreset_show":   "[{tcp_error,econnreset},tcp_closed,{down,econnreset}]",
		"monitor_econnreset":        "[tcp_closed,{down,normal}]",
		// TestSocketMonitorOwnerExit
		"monitor_owner_exit": "[{down,normal}]",
		// TestSocketMonitorNoproc
		"monitor_noproc": "[{down,noproc}]",
		// TestSocketMonitorNotExited
		"monitor_passive":             "[{error,closed},[],[tcp_closed,{down,normal}]]",
		"monitor_exit_on_close_false": "[[tcp_closed],[{down,normal}]]",
		"monitor_send_timeout_close":  "[{error,timeout},[],[{down,normal}]]",
		// TestSocketMonitorSendTimeoutClose: on the inet backend an
		// active mode brings tcp_closed and the Down, normal; the socket
		// backend's port exits at the timeout, closed, and a later
		// monitor's Down is nosock (otpnet's noproc)
		"monitor_send_timeout_close_active": "[{error,timeout},[tcp_closed,{down,normal}]]",
		"monitor_send_timeout_close_socket": "[{error,timeout},[{down,closed}],[{down,nosock}]]",
		// TestSocketMonitorReasons: the socket backend's Down says closed
		"monitor_close_socket": "[{down,closed}]",
		// TestRecvDuringDrainingClose: a draining Close leaves the port
		// open until the fd closes
		"close_draining": "[{ok,9},[ok,ok],ok,ok,{error,closed},error,{error,einval}]",
		// TestSocketMonitorCancel
		"monitor_cancel":             "[[true,false],[]]",
		"monitor_cancel_after_close": "[false,false,[{down,normal},{down,normal}]]",
		// TestPktoptionsMessages
		"pktoptions_refused": "[{error,einval},{error,einval},{error,einval}]",
		// TestLimitActiveEcho, TestLimitPassiveEcho (echoType.bounded):
		// what packet_size 10 lets through: 1, sunrm, tpkt, fcgi (3+7,
		// 4+7, 10+0, 11+0 bytes of content and padding), raw; and
		// otpnet's is the same (echoLimits)
		"echo_limits": "[ok,{error,emsgsize},ok,{error,emsgsize},ok,{error,emsgsize},ok,{error,emsgsize},ok,{error,emsgsize},11]",
	})
}

// oracle runs each of an oracle's commands (escripts that print a line
// "Name Result" per scenario) and returns the results by name.
func oracle(t *testing.T, cmds ...*exec.Cmd) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, cmd := range cmds {
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, result, _ := strings.Cut(line, " ")
			got[name] = result
		}
	}
	return got
}

// wantOracle checks that OTP's results, got, are those the Go tests assert
// of otpnet.
func wantOracle(t *testing.T, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("OTP's %s = %s, want %s", name, got[name], w)
		}
	}
}

// echoLimits is the oracle's echo_limits in otpnet: a socket of each type
// with {packet_size, 10} receives a packet, and Recv says ok (raw: how
// many bytes) or the error.
func echoLimits(t *testing.T) string {
	a := func(n int) []byte { return bytes.Repeat([]byte("a"), n) }
	fcgi := func(n, pad int) []byte {
		b := binary.BigEndian.AppendUint16([]byte{1, 5, 0, 1}, uint16(n))
		return append(append(append(b, byte(pad), 0), a(n)...), make([]byte, pad)...)
	}
	var results []string
	for _, tc := range []struct {
		packet framing.Type
		bin    []byte
	}{
		{framing.One, append([]byte{10}, a(10)...)}, {framing.One, append([]byte{11}, a(11)...)},
		{framing.SunRM, append([]byte{0, 0, 0, 10}, a(10)...)}, {framing.SunRM, append([]byte{0, 0, 0, 11}, a(11)...)},
		{framing.TPKT, append([]byte{3, 0, 0, 14}, a(10)...)}, {framing.TPKT, append([]byte{3, 0, 0, 15}, a(11)...)},
		{framing.FCGI, fcgi(3, 7)}, {framing.FCGI, fcgi(4, 7)}, {framing.FCGI, fcgi(10, 0)}, {framing.FCGI, fcgi(11, 0)},
		{framing.Raw, a(11)},
	} {
		p := newProc(t)
		c, s := pair(t, p, Active(False))
		if err := c.SetOpts(Packet(tc.packet), PacketSize(10)); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(tc.bin); err != nil {
			t.Fatal(err)
		}
		got, err := c.Recv(0, testkit.WaitBound) // a failure bound: the packet or its error comes
		switch {
		case err != nil:
			results = append(results, "{error,"+inet.Reason(err)+"}")
		case tc.packet == framing.Raw:
			results = append(results, strconv.Itoa(len(got)))
		default:
			results = append(results, "ok")
		}
	}
	return "[" + strings.Join(results, ",") + "]"
}

// getstatCounts is the oracle's getstat_counts in otpnet: getstat's
// receive counters ([recv_oct, recv_cnt, recv_max, recv_avg, recv_dvi])
// after each step, which count packets delivered, not reads.
func getstatCounts(t *testing.T) string {
	p := newProc(t)
	s, peer := netPair(t, p, Active(False), Packet(framing.Four))
	var steps []string
	step := func() {
		t.Helper()
		st, err := s.GetStat()
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, fmt.Sprintf("[%d,%d,%d,%d,%d]", st.RecvOct, st.RecvCnt, st.RecvMax, st.RecvAvg, st.RecvDvi))
	}
	write := func(b ...byte) {
		t.Helper()
		if _, err := peer.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	recv := func(length int, want string) {
		t.Helper()
		if got, err := s.Recv(length, testkit.WaitBound); err != nil || string(got) != want {
			t.Fatalf("Recv(%d) = %q, %v; want %q", length, got, err, want)
		}
	}
	setopts := func(opts ...Option) {
		t.Helper()
		if err := s.SetOpts(opts...); err != nil {
			t.Fatal(err)
		}
	}
	write(slices.Concat([]byte{0, 0, 0, 3}, []byte("abc"), []byte{0, 0, 0, 5}, []byte("hello"), []byte{0, 0, 0, 1, 'x'})...)
	recv(0, "abc")
	recv(0, "hello")
	recv(0, "x")
	step()
	setopts(Packet(framing.Raw))
	write([]byte("0123456789")...)
	recv(4, "0123")
	recv(6, "456789")
	step()
	setopts(Packet(framing.Line))
	write([]byte("ab\ncd\nef\n")...)
	recv(0, "ab\n")
	recv(0, "cd\n")
	recv(0, "ef\n")
	step()
	setopts(Packet(framing.Four))
	write(append([]byte{0, 0, 0, 100}, bytes.Repeat([]byte("a"), 10)...)...)
	if got, err := s.Recv(0, 200*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Recv of a partial packet = %q, %v; want a timeout", got, err)
	}
	step()
	write(bytes.Repeat([]byte("a"), 90)...)
	recv(0, strings.Repeat("a", 100))
	step()
	setopts(Packet(framing.Raw), Active(True))
	write([]byte("xyz")...)
	if m, ok := testkit.Next(t, p).(*TCP); !ok || string(m.Data) != "xyz" {
		t.Fatalf("got %#v, want the tcp message xyz", m)
	}
	step()
	return "[" + strings.Join(steps, ",") + "]"
}
