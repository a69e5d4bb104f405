package ranch

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	otpactor "github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/internal/childtest"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// Out of file descriptors, an acceptor logs, backs off about 100 ms at a
// time (never spins, never crashes), and accepts again once fds are free:
// the client that waited in the backlog meanwhile is served.
//
// The test re-runs its own binary as the child, so that lowering
// RLIMIT_NOFILE does not starve this process. The child reports its
// listener's events on stdout, one "emfile-child: ..." line each; the
// parent connects clients one at a time until the child reports emfile.
func TestListenerEMFILE(t *testing.T) {
	if childtest.Child(t) {
		emfileChild(t)
		return
	}
	leaktest.Check(t)
	cmd := childtest.Command(t)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	lines, stderr := testkit.Start(t, cmd)
	exited := make(chan error, 1) // the child's exit, once its output has ended
	go func() {
		<-lines.Done()
		exited <- cmd.Wait()
	}()
	defer func() {
		stdin.Close()
		select {
		case err := <-exited:
			exited <- err
		case <-time.After(testkit.WaitBound):
			cmd.Process.Kill()
			<-exited
		}
	}()
	// next returns the child's next line that starts with one of kinds.
	next := func(kinds ...string) string {
		t.Helper()
		for {
			line, ok := strings.CutPrefix(lines.Next(t), "emfile-child: ")
			if !ok {
				continue
			}
			for _, k := range kinds {
				if strings.HasPrefix(line, k) {
					return line
				}
			}
		}
	}

	port, _ := strings.CutPrefix(next("listening "), "listening ")
	addr := net.JoinHostPort("127.0.0.1", port)
	var served []net.Conn
	var pending net.Conn
	var firstError string
	for i := 0; pending == nil; i++ {
		if i == 30 {
			t.Fatal("30 connections served under the lowered fd limit, and no emfile")
		}
		c := testkit.Dial(t, addr)
		// One client at a time: this one is served or it is not.
		switch line := next("start", "error "); {
		case line == "start":
			testkit.Echo(t, c, fmt.Sprint("client ", i))
			served = append(served, c)
		case strings.HasPrefix(line, "error emfile "):
			pending, firstError = c, line
		default:
			t.Fatalf("child: %s, want emfile", line)
		}
	}
	if len(served) == 0 {
		t.Fatal("no client was served before emfile")
	}

	// The acceptor retries about every 100 ms: five errors span 400 ms or
	// more. An acceptor that spun would report thousands.
	stamp := func(line string) time.Time {
		f := strings.Fields(line)
		ns, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		if err != nil {
			t.Fatalf("bad line %q", line)
		}
		return time.Unix(0, ns)
	}
	t0 := stamp(firstError)
	var t4 time.Time
	for range 4 {
		line := next("error ")
		if !strings.HasPrefix(line, "error emfile ") {
			t.Fatalf("child: %s, want emfile", line)
		}
		t4 = stamp(line)
	}
	if d := t4.Sub(t0); d < 360*time.Millisecond {
		t.Fatalf("5 accept errors in %v: the acceptor does not back off", d)
	}

	// A served client leaves, its fd is freed, and the pending one is
	// accepted at the next try.
	served[0].Close()
	next("stop")
	next("start")
	testkit.Echo(t, pending, "served once fds were free")
	for _, c := range served[1:] {
		testkit.Echo(t, c, "still served")
	}

	stdin.Close()
	next("stopped")
	if err := testkit.Recv(t, exited, "exit of the child"); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, stderr.String())
	}
	exited <- nil
	if !strings.Contains(stderr.String(), "acceptor reducing accept rate: out of file descriptors") {
		t.Fatalf("no back-off warning logged; stderr:\n%s", stderr.String())
	}
}

// emfileChild runs the pool under a low fd limit until its stdin closes.
func emfileChild(t *testing.T) {
	var mu sync.Mutex
	out := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf("emfile-child: "+format+"\n", a...)
	}
	// The default system logs warnings through log/slog's default logger:
	// on stderr, where the parent looks for the back-off.
	sys := otpactor.NewSystem()
	l, err := StartListener(sys.Root, echoProto, ListenerOptions{Addr: "127.0.0.1:0",
		SocketOptions: echoOpts, NumAcceptors: 1, Events: childEvents{out}})
	if err != nil {
		t.Fatal(err)
	}
	// A few fds are left, whatever is open above them.
	childtest.LimitFdsFree(t, 3)
	out("listening %d", l.Port())
	io.Copy(io.Discard, os.Stdin)
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	out("stopped")
}

// childEvents reports a listener's events as lines.
type childEvents struct {
	out func(format string, a ...any)
}

func (e childEvents) ListenerStart(ListenerEvent) {}
func (e childEvents) ListenerStop(ListenerEvent)  {}
func (e childEvents) Accept(AcceptEvent)          { e.out("accept") }
func (e childEvents) AcceptError(ev AcceptErrorEvent) {
	e.out("error %s %d", inet.Reason(ev.Err), time.Now().UnixNano())
}
func (e childEvents) ConnectionStart(ConnectionEvent) { e.out("start") }
func (e childEvents) ConnectionStop(ConnectionEvent)  { e.out("stop") }
