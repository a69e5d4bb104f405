package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		line string
		want command
		err  string
	}{
		{"JOIN lobby\n", command{verb: "JOIN", arg: "lobby"}, ""},
		{"join lobby\r\n", command{verb: "JOIN", arg: "lobby"}, ""},
		{"SAY lobby hello  world\n", command{verb: "SAY", arg: "lobby", text: "hello  world"}, ""},
		{"SAY lobby\n", command{verb: "SAY", arg: "lobby"}, ""},
		{"LEAVE lobby\n", command{verb: "LEAVE", arg: "lobby"}, ""},
		{"NICK ann\n", command{verb: "NICK", arg: "ann"}, ""},
		{"WHERE lobby\n", command{verb: "WHERE", arg: "lobby"}, ""},
		{"JOIN\n", command{}, "JOIN: missing room"},
		{"NICK \n", command{}, "NICK: missing nick"},
		{"JOIN a b\n", command{}, `JOIN takes one word, got "a b"`},
		{"JOIN " + strings.Repeat("r", maxName+1) + "\n", command{}, "JOIN: room longer than 64 bytes"},
		{"SHOUT lobby x\n", command{}, `unknown command "SHOUT"`},
	} {
		got, err := parse([]byte(tc.line))
		if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("parse(%q) = %+v, %v; want %+v, %q", tc.line, got, err, tc.want, tc.err)
		}
	}
	if _, err := parse([]byte(" \r\n")); !errors.Is(err, errEmpty) {
		t.Errorf("a blank line: %v, want errEmpty", err)
	}
}

// Bad flags exit 2 with an error that names the flag.
func TestFlags(t *testing.T) {
	c, err := parseFlags([]string{"-manage-port", "7000"}, io.Discard)
	if err != nil || len(c.members) != 1 || c.members[0] != "127.0.0.1:7000" || c.refresh != 500*time.Millisecond {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	for _, tc := range []struct{ args, want string }{
		{"-cluster-port 70000", "-cluster-port 70000"},
		{"-manage-port 0", "-manage-port 0"},
		{"-refresh 0s", "-refresh 0s"},
		{"-acceptors 0", "-acceptors 0"},
		{"-members 127.0.0.1", `-members: "127.0.0.1"`},
		{"extra", `unexpected argument "extra"`},
	} {
		var stderr bytes.Buffer
		if code := run(t.Context(), strings.Fields(tc.args), io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// versionless drops the line of a generated file that names protoc's
// version, which differs between machines.
func versionless(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte("// \tprotoc ")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// chatpb/chat.pb.go is what protoc makes of chat.proto now (when protoc
// and protoc-gen-go are installed: building never needs them), but for
// protoc's version.
func TestGeneratedUpToDate(t *testing.T) {
	for _, tool := range []string{"protoc", "protoc-gen-go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	// protoc-gen-go's version shapes the code: another one's output would
	// differ without chat.proto having changed.
	if v, err := exec.Command("protoc-gen-go", "--version").Output(); err != nil || strings.TrimSpace(string(v)) != "protoc-gen-go v1.33.0" {
		t.Skipf("protoc-gen-go %q (%v), the files were made with v1.33.0", bytes.TrimSpace(v), err)
	}
	dir := t.TempDir()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/asynkron/protoactor-go").Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("protoc", "-I="+filepath.Join(strings.TrimSpace(string(out)), "actor"), "--proto_path=.",
		"--go_out="+dir, "--go_opt=paths=source_relative", "chat.proto")
	cmd.Dir = "chatpb"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(dir, "chat.pb.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("chatpb/chat.pb.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(versionless(got), versionless(want)) {
		t.Fatal("chatpb/chat.pb.go is not protoc's output for chat.proto: run go generate ./cmd/chat/chatpb")
	}
}
