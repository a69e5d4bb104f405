package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

func TestEchoServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	code := make(chan int)
	go func() { code <- run(ctx, []string{"-addr", "127.0.0.1:0"}, w, io.Discard) }()

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line %q, want listening on HOST:PORT", line)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := strings.Repeat("echo me ", 10000)
	go c.Write([]byte(msg))
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("read %d bytes (%v), want the %d sent", len(got), err, len(msg))
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d, want 0", c)
	}
}

func TestEchoBadAddr(t *testing.T) {
	if c := run(context.Background(), []string{"-addr", "nonsense"}, io.Discard, io.Discard); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
}
