package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// chatBin is the command, built once by TestMain.
var chatBin string

// TestMain builds the command, runs the tests, and fails the run if they
// leave an fd or a goroutine behind (the nodes are child processes,
// reaped by the tests).
func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	bin, remove, err := testkit.BuildMain("chat")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer remove()
	chatBin = bin
	return leaktest.Run(m)
}

// chatNode is a node, a child process.
type chatNode struct {
	name    string
	cmd     *exec.Cmd
	out     *testkit.Lines
	stderr  *testkit.SyncBuffer
	addr    string // the clients'
	members int    // the last "members n" line's n
}

// freePorts returns n ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, port := testkit.Listen(t)
		defer ln.Close()
		ports = append(ports, port)
	}
	return ports
}

// startNodes starts one node per name, each polling all of them, and
// waits until each serves its clients and sees every node a member.
func startNodes(t testing.TB, names ...string) []*chatNode {
	t.Helper()
	ports := freePorts(t, len(names))
	var members []string
	for _, p := range ports {
		members = append(members, "127.0.0.1:"+strconv.Itoa(p))
	}
	var nodes []*chatNode
	for i, name := range names {
		cmd := exec.Command(chatBin, "-name", name, "-addr", "127.0.0.1:0", "-manage-port", strconv.Itoa(ports[i]),
			"-members", strings.Join(members, ","), "-refresh", "50ms", "-acceptors", "2")
		cmd.SysProcAttr = dieWithParent(&syscall.SysProcAttr{})
		out, stderr := testkit.Start(t, cmd)
		n := &chatNode{name: name, cmd: cmd, out: out, stderr: stderr}
		nodes = append(nodes, n)
	}
	t.Cleanup(func() { stopNodes(t, nodes) })
	for _, n := range nodes {
		n.until(t, func() bool { return n.addr != "" && n.members == len(names) })
	}
	return nodes
}

// until reads the node's stdout until cond holds, keeping its address
// and its count of members.
func (n *chatNode) until(t testing.TB, cond func() bool) {
	t.Helper()
	for !cond() {
		line := n.out.Next(t)
		if a, ok := strings.CutPrefix(line, "listening on "); ok {
			n.addr = a
		}
		if m, ok := strings.CutPrefix(line, "members "); ok {
			n.members, _ = strconv.Atoi(m)
		}
	}
}

// stopNodes sends SIGTERM to the nodes still running, all at once (each
// takes seconds to leave the cluster), and reaps them.
func stopNodes(t testing.TB, nodes []*chatNode) {
	t.Helper()
	for _, n := range nodes {
		if n.cmd.ProcessState == nil {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range nodes {
		if n.cmd.ProcessState == nil {
			<-n.out.Done()
			if err := testkit.Bounded(t, n.name+"'s exit", n.cmd.Wait); err != nil {
				t.Errorf("%s: %v; stderr:\n%s", n.name, err, n.stderr)
			}
		}
	}
}

// kill ends the node with SIGKILL and reaps it.
func (n *chatNode) kill(t testing.TB) {
	t.Helper()
	testkit.Must(t, n.cmd.Process.Signal(syscall.SIGKILL))
	<-n.out.Done()
	err := testkit.Bounded(t, n.name+"'s exit", n.cmd.Wait)
	if ws, ok := n.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v, want SIGKILL", n.name, err)
	}
}

// client is a chat client on a node.
type client struct {
	name  string
	node  *chatNode
	c     net.Conn
	r     *bufio.Reader
	stash []string // lines read while looking for another room's
}

func connect(t testing.TB, name string, n *chatNode) *client {
	t.Helper()
	c := testkit.Dial(t, n.addr)
	cl := &client{name: name, node: n, c: c, r: bufio.NewReader(c)}
	cl.send(t, "NICK "+name)
	cl.expect(t, "NICK "+name)
	return cl
}

func (c *client) send(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(c.c, line+"\n"); err != nil {
		t.Fatalf("%s on %s: send %q: %v", c.name, c.node.name, line, err)
	}
}

// about returns what a line is about: its second word, the room (the
// nick for NICK).
func about(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// next returns the next line about room from the server (the lines of
// each room come in order; those of different rooms interleave), failing
// t if none comes within the wait bound.
func (c *client) next(t testing.TB, room string) string {
	t.Helper()
	if i := slices.IndexFunc(c.stash, func(l string) bool { return about(l) == room }); i >= 0 {
		l := c.stash[i]
		c.stash = slices.Delete(c.stash, i, i+1)
		return l
	}
	for {
		c.c.SetReadDeadline(time.Now().Add(testkit.WaitBound))
		l, err := c.r.ReadString('\n')
		if err != nil {
			t.Fatalf("%s on %s: read: %v (got %q, and %q before); node's stderr:\n%s", c.name, c.node.name, err, l, c.stash, c.node.stderr)
		}
		l = strings.TrimSuffix(l, "\n")
		if about(l) == room {
			return l
		}
		c.stash = append(c.stash, l)
	}
}

// expect reads the next line about want's room and fails t if it is not
// want.
func (c *client) expect(t testing.TB, want string) {
	t.Helper()
	if got := c.next(t, about(want)); got != want {
		t.Fatalf("%s on %s: got %q, want %q", c.name, c.node.name, got, want)
	}
}

// hostOf reads the answer of a JOIN (verb JOINED, or REJOINED after the
// room's loss) and returns the node the room runs on.
func (c *client) hostOf(t testing.TB, verb, room string) string {
	t.Helper()
	got := c.next(t, room)
	rest, ok := strings.CutPrefix(got, verb+" "+room+" ON ")
	host, _, ok2 := strings.Cut(rest, " MEMBERS ")
	if !ok || !ok2 {
		t.Fatalf("%s on %s: got %q, want %s %s ON node MEMBERS n", c.name, c.node.name, got, verb, room)
	}
	return host
}

// closedByPeer checks that the connection ends (its node is gone) with
// nothing more read.
func (c *client) closedByPeer(t testing.TB) {
	t.Helper()
	c.c.SetReadDeadline(time.Now().Add(testkit.WaitBound))
	l, err := c.r.ReadString('\n')
	var ne net.Error
	if l != "" || len(c.stash) > 0 || err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s on %s: read %q (%q before), %v; want the connection closed", c.name, c.node.name, l, c.stash, err)
	}
}
