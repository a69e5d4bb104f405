package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The README's program, the first Go block under "Use it as a library",
// is this command's main.go, byte for byte, so that what a newcomer
// copies is what Example runs.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	snippet, err := goBlock(readme, "## Use it as a library")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(src), lines(snippet)); diff != "" {
		t.Fatalf("README.md's program differs from examples/upcase/main.go (-main.go +README):\n%s", diff)
	}
}

// goBlock returns the text of the first ```go block after the line
// heading in md.
func goBlock(md []byte, heading string) ([]byte, error) {
	_, rest, ok := bytes.Cut(md, []byte("\n"+heading+"\n"))
	if !ok {
		return nil, fmt.Errorf("no %q heading", heading)
	}
	_, rest, ok = bytes.Cut(rest, []byte("\n```go\n"))
	if !ok {
		return nil, fmt.Errorf("no ```go block under %q", heading)
	}
	block, _, ok := bytes.Cut(rest, []byte("\n```\n"))
	if !ok {
		return nil, fmt.Errorf("the ```go block under %q does not end", heading)
	}
	return append(block, '\n'), nil
}

func lines(b []byte) []string { return strings.Split(string(b), "\n") }
