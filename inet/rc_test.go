package inet

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/erltest"
)

// rcValues is the values of key in rc, in order.
func rcValues(rc []RCParam, key string) []any {
	var out []any
	for _, p := range rc {
		if p.Key == key {
			out = append(out, p.Value)
		}
	}
	return out
}

func TestGetRCNameservers(t *testing.T) {
	// The nameservers of this machine, read here the simplest way.
	var want []any
	if f, err := os.Open("/etc/resolv.conf"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[0] == "nameserver" {
				want = append(want, netip.AddrPortFrom(netip.MustParseAddr(fs[1]), 53))
			}
		}
		f.Close()
	}
	rc := GetRC()
	if got := rcValues(rc, "nameserver"); !reflect.DeepEqual(got, want) {
		t.Errorf("nameservers %v, want /etc/resolv.conf's %v", got, want)
	}
	for _, key := range []string{"resolv_conf", "hosts_file", "lookup"} {
		if len(rcValues(rc, key)) != 1 {
			t.Errorf("%s: want exactly one in %v", key, rc)
		}
	}
}

func TestReadResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	conf := "# a comment\n" +
		"nameserver 10.0.0.1\n" +
		"nameserver   2001:db8::53 # trailing comment\n" +
		"nameserver not-an-address\n" +
		"; another comment\n" +
		"domain example.org\n" +
		"search a.example b.example\n" +
		"options ndots:2\n" +
		"nameserver\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []RCParam{
		{"nameserver", netip.MustParseAddrPort("10.0.0.1:53")},
		{"nameserver", netip.MustParseAddrPort("[2001:db8::53]:53")},
		{"search", []string{"a.example", "b.example"}}, // the last of domain and search wins
	}
	if got := readResolvConf(path); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := readResolvConf(filepath.Join(t.TempDir(), "none")); got != nil {
		t.Errorf("missing file: got %v, want nothing", got)
	}
}

// TestGetRCErlang compares the entries OTP's inet:get_rc() shares with
// GetRC on this machine.
func TestGetRCErlang(t *testing.T) {
	escript := erltest.Escript(t)
	script := filepath.Join(t.TempDir(), "rc.escript")
	src := "#!/usr/bin/env escript\nmain(_) -> [io:format(\"~p ~p~n\", [K, V]) || {K, V} <- inet:get_rc()].\n"
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), escript, script).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v\n%s", escript, err, stderr)
	}
	erl := map[string]string{}
	for l := range strings.Lines(string(out)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			erl[k] = v
		}
	}
	format := func(v any) string {
		switch x := v.(type) {
		case string:
			return fmt.Sprintf("%q", x)
		case []string:
			return "[" + strings.Join(x, ",") + "]"
		}
		return fmt.Sprint(v)
	}
	shared := 0
	for _, p := range GetRC() {
		if !slices.Contains([]string{"resolv_conf", "hosts_file", "lookup"}, p.Key) {
			continue
		}
		v, ok := erl[p.Key]
		if !ok {
			continue // this node has an inetrc that leaves it out
		}
		shared++
		if got := format(p.Value); got != v {
			t.Errorf("%s: otpnet %s, OTP %s", p.Key, got, v)
		}
	}
	if shared == 0 {
		t.Errorf("no entries shared with OTP's %q", out)
	}
}
