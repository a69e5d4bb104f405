//go:build unix

package main

import (
	"slices"
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
