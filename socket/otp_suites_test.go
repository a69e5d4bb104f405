package socket

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/erltest"
)

// TestOTPSuitesOracle runs testdata/otp_suites.escript: what OTP 25 does
// where the ports of gen_tcp_echo_SUITE and of gen_tcp_misc_SUITE's
// monitor, system limit and pktoptions cases assert it of otpnet. Each
// line names the Go test that asserts the same of otpnet. The emfile
// scenario runs in a shell whose open-files limit is 64.
func TestOTPSuitesOracle(t *testing.T) {
	escript := erltest.Escript(t)
	t.Parallel()
	got := map[string]string{}
	for _, cmd := range []*exec.Cmd{
		exec.Command(escript, "testdata/otp_suites.escript"),
		exec.Command("sh", "-c", `ulimit -n 64 && exec "$0" testdata/otp_suites.escript emfile`, escript),
	} {
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", cmd.Args, err, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, result, _ := strings.Cut(line, " ")
			got[name] = result
		}
	}
	// The pktoptions scenarios: otpnet's getopts, in the same order, are
	// OTP's (TestRecvtos, TestRecvtosttl, TestRecvttl, TestRecvtclass).
	for name, tc := range map[string]struct {
		family Family
		spec   []pktSpec
	}{
		"pktoptions_recvtos":    {Inet, []pktSpec{{RecvTos, Tos(96)}}},
		"pktoptions_recvtosttl": {Inet, []pktSpec{{RecvTos, Tos(96)}, {RecvTTL, TTL(33)}}},
		"pktoptions_recvttl":    {Inet, []pktSpec{{RecvTTL, TTL(33)}}},
		"pktoptions_recvtclass": {Inet6, []pktSpec{{RecvTclass, Tclass(224)}}},
	} {
		ours, ok := pktScenario(t, tc.family, tc.spec)
		if !ok {
			t.Fatalf("%s: no loopback address for %v here, where OTP had one", name, tc.family)
		}
		if s := erlOptions(ours); s != got[name] {
			t.Errorf("%s: otpnet's %s, OTP's %s", name, s, got[name])
		}
	}
	for name, want := range map[string]string{
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
		// TestSocketMonitorCancel
		"monitor_cancel":             "[[true,false],[]]",
		"monitor_cancel_after_close": "[false,false,[{down,normal},{down,normal}]]",
		// TestPktoptionsMessages
		"pktoptions_refused": "[{error,einval},{error,einval},{error,einval}]",
	} {
		if got[name] != want {
			t.Errorf("OTP's %s = %s, want %s", name, got[name], want)
		}
	}
}
