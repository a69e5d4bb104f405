//go:build unix

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDrop(t *testing.T) {
	tests := []struct {
		argv []string
		flag string
		want []string
		ok   bool
	}{
		{[]string{"echo", "-addr", "x", "-active", "once", "-drain", "5s"}, "-active", []string{"echo", "-addr", "x", "-drain", "5s"}, true},
		{[]string{"echo", "-v", "-addr", "x"}, "-v", []string{"echo", "-addr", "x"}, true},
		{[]string{"echo", "-drain=5s", "-addr", "x"}, "-drain", []string{"echo", "-addr", "x"}, true},
		{[]string{"echo", "-addr", "x"}, "-active", []string{"echo", "-addr", "x"}, false},
		{[]string{"echo", "-active", "once"}, "-act", []string{"echo", "-active", "once"}, false},
	}
	for _, tt := range tests {
		s := &server{argv: slices.Clone(tt.argv)}
		if ok := s.drop(tt.flag); ok != tt.ok || !slices.Equal(s.argv, tt.want) {
			t.Errorf("drop(%q) from %q = %v, %q; want %v, %q", tt.flag, tt.argv, ok, s.argv, tt.ok, tt.want)
		}
	}
}

func TestFlagRejected(t *testing.T) {
	for log, want := range map[string]string{
		"flag provided but not defined: -active\nUsage of echo:\n": "-active",
		"flag provided but not defined: -max-conns\n":              "-max-conns",
		"echo: listen: address already in use\n":                   "",
	} {
		got := ""
		if m := flagRejected.FindStringSubmatch(log); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: %q, want %q", log, got, want)
		}
	}
}

// TestParseServers checks that a server whose prerequisite is missing is
// left out of the default list and is an error, naming it and what is
// missing, when -servers names it; and that -bigsizes is bounded.
func TestParseServers(t *testing.T) {
	bin := t.TempDir() // no cecho in it
	o, err := parse([]string{"-bin", bin, "-pin=false"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(o.servers, "cecho") || !slices.Contains(o.servers, "otpnet-tls") {
		t.Errorf("default servers without $BIN/cecho: %v", o.servers)
	}
	_, err = parse([]string{"-bin", bin, "-pin=false", "-servers", "stdlib,cecho"})
	if err == nil || !strings.Contains(err.Error(), "-servers cecho") || !strings.Contains(err.Error(), "cc") {
		t.Errorf("-servers cecho without $BIN/cecho: %v", err)
	}
	if err := os.WriteFile(filepath.Join(bin, "cecho"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if o, err = parse([]string{"-bin", bin, "-pin=false", "-servers", "cecho"}); err != nil || !slices.Equal(o.servers, []string{"cecho"}) {
		t.Errorf("-servers cecho with $BIN/cecho: %v, %v", o, err)
	}
	for _, bad := range []string{"0", "2048", "x"} {
		if _, err := parse([]string{"-bin", bin, "-pin=false", "-bigsizes", bad}); err == nil || !strings.Contains(err.Error(), "-bigsizes") {
			t.Errorf("-bigsizes %s: %v", bad, err)
		}
	}
}

// TestServerCommands checks the commands of the new rows: the TLS
// servers get the certificate, the big cells' variant its framing, the
// portable row its backend.
func TestServerCommands(t *testing.T) {
	o := &opts{bin: "/b", otpnet: "/b/echo", erlecho: "erlecho.escript", packet: "raw", activeN: 100, tlsCert: "/t/c.pem", tlsKey: "/t/k.pem", tlsDir: "/t"}
	for name, want := range map[string]string{
		"cecho":           "/b/cecho -addr 127.0.0.1:0",
		"stdlib-tls":      "/b/stdecho -addr 127.0.0.1:0 -tls-cert /t/c.pem -tls-key /t/k.pem",
		"erlang-tls":      "escript erlecho.escript -addr 127.0.0.1:0 -packet 4 -active once -tls-cert /t/c.pem -tls-key /t/k.pem",
		"otpnet-tls":      "/b/echo -addr 127.0.0.1:0 -packet 4 -active once -acceptors 10 -max-conns 20000 -drain 5s -tls-cert /t/c.pem -tls-key /t/k.pem",
		"otpnet-portable": "env OTPNET_DRIVER=portable /b/echo -addr 127.0.0.1:0 -packet 4 -active once -acceptors 10 -max-conns 20000 -drain 5s",
	} {
		s := o.server(name, "4")
		if got := strings.Join(s.argv, " "); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
		if s.tls != strings.HasSuffix(name, "-tls") {
			t.Errorf("%s: tls %v", name, s.tls)
		}
	}
	if got := o.show(o.server("otpnet-tls", "raw").argv); !strings.HasSuffix(got, "-tls-cert $TLS/c.pem -tls-key $TLS/k.pem") || !strings.HasPrefix(got, "$BIN/echo ") {
		t.Errorf("show: %q", got)
	}
	if baseline("otpnet-tls") != "stdlib-tls" || baseline("cecho") != "stdlib" {
		t.Error("baseline: TLS servers are compared with stdlib-tls, the others with stdlib")
	}
}
