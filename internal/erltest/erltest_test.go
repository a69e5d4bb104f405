package erltest_test

import (
	"runtime"
	"testing"

	"github.com/otpnet/otpnet/internal/erltest"
	"github.com/otpnet/otpnet/internal/leaktest"
)

func TestMain(m *testing.M) { leaktest.Main(m) }

// Without escript, Escript skips the test and counts it; with
// OTPNET_REQUIRE_ERLANG=1 it fails the test, and does not count it.
func TestEscriptCountsSkips(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no escript
	before := erltest.Skipped()
	defer erltest.SetSkipped(before) // this package's own run skips nothing

	t.Setenv("OTPNET_REQUIRE_ERLANG", "")
	var ran bool
	t.Run("skipped", func(t *testing.T) {
		erltest.Escript(t)
		ran = true
	})
	if ran || erltest.Skipped() != before+1 {
		t.Fatalf("after a skip: the test went on %v, %d skipped; want false, %d", ran, erltest.Skipped(), before+1)
	}

	t.Setenv("OTPNET_REQUIRE_ERLANG", "1")
	var fake fakeT
	done := make(chan struct{})
	go func() {
		defer close(done)
		erltest.Escript(&fake)
	}()
	<-done
	if !fake.failed || erltest.Skipped() != before+1 {
		t.Fatalf("OTPNET_REQUIRE_ERLANG=1: failed %v, %d skipped; want true, %d", fake.failed, erltest.Skipped(), before+1)
	}
}

// fakeT records a Fatal and ends its goroutine, as t.Fatal does.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatal(args ...any) {
	f.failed = true
	runtime.Goexit()
}

// Report's line names the package and counts in English.
func TestLine(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "example.com/p: 1 test skipped: escript not found (apt-get install -y erlang-base)\n"},
		{12, "example.com/p: 12 tests skipped: escript not found (apt-get install -y erlang-base)\n"},
	} {
		if got := erltest.Line("example.com/p", tc.n); got != tc.want {
			t.Errorf("Line(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
