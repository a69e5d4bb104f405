package ranch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/socket"
)

// A handler that echoes each packet and then releases its data gets every
// line back whole and its own, while the socket copies later lines into
// the buffers released; releasing twice answers socket.ErrReleased, and
// ReleaseData outside HandleData does nothing.
func TestHandlerReleaseData(t *testing.T) {
	errs := make(chan error, 100)
	p, calls, _ := handlerPool(t, script{
		data: func(c *Conn, line string) Action {
			c.Send([]byte(line + "\n"))
			if err := c.ReleaseData(); err != nil {
				errs <- err
			}
			if err := c.ReleaseData(); !errors.Is(err, socket.ErrReleased) {
				errs <- err
			}
			return Continue
		},
		info: func(c *Conn, msg any) Action {
			if err := c.ReleaseData(); err != nil {
				errs <- err
			}
			return Continue
		},
	})
	c := p.lineDial(t)
	var lines []string
	for i := range 20 {
		line := strings.Repeat(string(rune('a'+i)), 100+i*37)
		lines = append(lines, "data:"+line)
		if got := c.ask(t, line); got != line {
			t.Fatalf("line %d came back as %q", i, got)
		}
	}
	p.sys.Root.Send(p.ev.wait(t, "conn_start").pid, "hello") // before the close the peer's FIN brings

	c.Close()
	want(t, calls, append(append([]string{"connection"}, lines...), "info:hello", "close")...)
	close(errs)
	for err := range errs {
		t.Errorf("ReleaseData: %v", err)
	}
}

// HandleClose, after a HandleData that returned Close, runs with the
// packet still the actor's message: ReleaseData there does nothing, and
// the packet's data is still the handler's.
func TestReleaseDataInHandleClose(t *testing.T) {
	got := make(chan string, 1)
	p, calls, _ := handlerPool(t, script{
		data: func(c *Conn, line string) Action { return Close },
		closed: func(c *Conn) {
			err := c.ReleaseData()
			m, ok := c.Context().Message().(*socket.TCP)
			got <- fmt.Sprintf("%v %v %q", err, ok, m.Data)
		},
	})
	c := p.lineDial(t)
	if _, err := c.Write([]byte("bye\n")); err != nil {
		t.Fatal(err)
	}
	c.hungUp(t)
	want(t, calls, "connection", "data:bye", "close")
	if s := testkit.Recv(t, got, "HandleClose's ReleaseData"); s != `<nil> true "bye\n"` {
		t.Fatalf("in HandleClose, ReleaseData and the packet: %s, want <nil> true \"bye\\n\"", s)
	}
}
