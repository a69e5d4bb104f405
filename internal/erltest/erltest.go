// Package erltest finds the real Erlang that otpnet's oracle and interop
// tests compare against.
//
// Without escript on PATH such tests skip and say how to install it, so a
// newcomer's fresh machine passes, and Report, called by every package's
// TestMain (through leaktest.Run), says how many were skipped; with
// OTPNET_REQUIRE_ERLANG=1 (CI sets it) they fail instead, so CI never
// skips them silently.
package erltest

import (
	"os"
	"os/exec"
	"testing"
)

// Escript returns the path of escript, or ends the test: skipped when
// Erlang is missing, failed when OTPNET_REQUIRE_ERLANG=1.
func Escript(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("escript")
	if err == nil {
		return path
	}
	const how = "escript not found: install Erlang (Debian/Ubuntu: apt-get install -y erlang-base) to run this test"
	if os.Getenv("OTPNET_REQUIRE_ERLANG") == "1" {
		t.Fatal(how + " (OTPNET_REQUIRE_ERLANG=1)")
	}
	skipped.Add(1)
	t.Skip(how)
	return ""
}
