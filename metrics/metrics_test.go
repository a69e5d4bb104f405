package metrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpnet/otpnet/internal/unix"

	"github.com/otpnet/otpnet/internal/echotest"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// stopEvents passes on the connection stop events.
type stopEvents struct{ ch chan ranch.ConnectionEvent }

func (stopEvents) ListenerStart(ranch.ListenerEvent)         {}
func (stopEvents) ListenerStop(ranch.ListenerEvent)          {}
func (stopEvents) Accept(ranch.AcceptEvent)                  {}
func (stopEvents) AcceptError(ranch.AcceptErrorEvent)        {}
func (stopEvents) ConnectionStart(ranch.ConnectionEvent)     {}
func (e stopEvents) ConnectionStop(ev ranch.ConnectionEvent) { e.ch <- ev }

// newPrometheus returns a Prometheus, shut down when the test ends.
func newPrometheus(t testing.TB) *Prometheus {
	t.Helper()
	p, err := NewPrometheus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown() })
	return p
}

// scrape GETs url and returns its samples: "name{labels}" to value.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// Scrape, load, scrape again: every counter the load moves has grown,
// and the gauges say what is open; the histograms have a sample per
// connection.
func TestMetricsMoveUnderLoad(t *testing.T) {
	leaktest.Check(t)
	stops := stopEvents{make(chan ranch.ConnectionEvent, 100)}
	p := newPrometheus(t)
	_, l := echotest.Start(t, ranch.ListenerOptions{
		Events: ranch.TeeEvents(p.Events("echo"), stops), // the metrics' hook first
	})
	p.Watch("echo", l)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()

	before := scrape(t, srv.URL)
	const conns, lines = 10, 50
	clients := echotest.Clients(t, l.Addr().String(), conns, lines)
	during := scrape(t, srv.URL)
	const echo = `{listener="echo"}`
	bytes := float64(conns * lines * len("line 0.0\n")) // the least a client sends
	for _, name := range []string{"otpnet_port_received_bytes_total", "otpnet_port_sent_bytes_total"} {
		if during[name]-before[name] < bytes {
			t.Errorf("%s went from %v to %v after %v bytes", name, before[name], during[name], bytes)
		}
	}
	// Each line is echoed before the next is sent: a packet delivered, and
	// a Send, per line at least.
	for _, name := range []string{"otpnet_port_packets_delivered_total", "otpnet_port_sends_total"} {
		if during[name]-before[name] < conns*lines {
			t.Errorf("%s went from %v to %v, want %d more at least", name, before[name], during[name], conns*lines)
		}
	}
	if got := during["otpnet_listener_accepted_total"+echo]; got != conns {
		t.Errorf("accepted %v, want %d", got, conns)
	}
	if got := during["otpnet_listener_connections"+echo]; got != conns {
		t.Errorf("connections %v, want %d", got, conns)
	}
	if got := during["otpnet_handshake_duration_seconds_count"+echo]; got != conns {
		t.Errorf("handshake histogram has %v samples, want %d", got, conns)
	}
	if during[`otpnet_ports{kind="connection"}`] != conns || during[`otpnet_ports{kind="listen"}`] != 1 {
		t.Errorf("ports %v, %v: want the %d accepted connections and the listening socket", during[`otpnet_ports{kind="connection"}`], during[`otpnet_ports{kind="listen"}`], conns)
	}
	if got := during["otpnet_listener_max_connections"+echo]; got != 1024 {
		t.Errorf("max connections %v, want 1024", got)
	}

	for _, c := range clients {
		c.Close()
	}
	for range conns {
		testkit.Recv(t, stops.ch, "a connection's stop")
	}
	after := scrape(t, srv.URL)
	if got := after["otpnet_listener_closed_total"+echo]; got != conns {
		t.Errorf("closed %v, want %d", got, conns)
	}
	if got := after["otpnet_connection_duration_seconds_count"+echo]; got != conns {
		t.Errorf("duration histogram has %v samples, want %d", got, conns)
	}
	for _, name := range []string{"otpnet_port_received_bytes_total", "otpnet_port_sent_bytes_total"} {
		if after[name] < during[name] {
			t.Errorf("%s went down from %v to %v when the connections closed", name, during[name], after[name])
		}
	}
	if got := after["otpnet_listener_connections"+echo]; got != 0 {
		t.Errorf("connections %v after they closed", got)
	}
}

// An accept error is counted by its reason; the names of the instruments
// are Prometheus's; nothing is read once the metrics are closed.
func TestAcceptErrorReason(t *testing.T) {
	p := newPrometheus(t)
	ev := p.Events("x")
	ev.AcceptError(ranch.AcceptErrorEvent{Err: &net.OpError{Op: "accept", Err: unix.EMFILE}})
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if !strings.Contains(string(body), `otpnet_listener_accept_errors_total{listener="x",reason="emfile"} 1`) {
		t.Errorf("no emfile accept error in:\n%s", body)
	}
}

func TestNewNil(t *testing.T) {
	if _, err := New(nil); err == nil || !strings.Contains(err.Error(), "MeterProvider") {
		t.Errorf("New(nil): %v, want an error naming the MeterProvider", err)
	}
}

// A listener without a connection limit has no max_connections sample (a
// -1 would read as a limit); one with a limit has it.
func TestMaxConnectionsUnlimited(t *testing.T) {
	leaktest.Check(t)
	p := newPrometheus(t)
	_, free := echotest.Start(t, ranch.ListenerOptions{MaxConnections: ranch.Unlimited})
	_, capped := echotest.Start(t, ranch.ListenerOptions{MaxConnections: 7})
	p.Watch("free", free)
	p.Watch("capped", capped)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	got := scrape(t, srv.URL)
	if v, ok := got[`otpnet_listener_max_connections{listener="free"}`]; ok {
		t.Errorf("max connections of an unlimited listener: %v, want no sample", v)
	}
	if _, ok := got[`otpnet_listener_connections{listener="free"}`]; !ok {
		t.Error("no connections sample of the unlimited listener")
	}
	if v := got[`otpnet_listener_max_connections{listener="capped"}`]; v != 7 {
		t.Errorf("max connections of a listener of 7: %v", v)
	}
}

// BenchmarkEvents is what the metrics' hook does for a connection: its
// start (the hand-off's histogram) and its stop (the closes' counter and
// the duration's histogram).
func BenchmarkEvents(b *testing.B) {
	p := newPrometheus(b)
	ev := p.Events("bench")
	c := ranch.ConnectionEvent{Handshake: 50 * time.Microsecond, Duration: time.Second}
	b.ReportAllocs()
	for b.Loop() {
		ev.ConnectionStart(c)
		ev.ConnectionStop(c)
	}
}
