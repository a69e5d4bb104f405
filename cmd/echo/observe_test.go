package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/otpnet/otpnet/internal/echotest"
	"github.com/otpnet/otpnet/internal/testkit"
)

// nextURL reads the server's next stdout line, "WHAT on URL", and returns
// the URL.
func (s *server) nextURL(t *testing.T, what string) string {
	t.Helper()
	line := s.out.Next(t)
	url, ok := strings.CutPrefix(line, what+" on ")
	if !ok {
		t.Fatalf("line %q, want %s on URL; stderr: %s", line, what, s.stderr)
	}
	return url
}

// sample returns the value of the sample name (with its labels) in a
// Prometheus text exposition, and whether there is one.
func sample(t *testing.T, url, name string) float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") == "" {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in:\n%s", name, body)
	return 0
}

// -metrics-addr serves the metrics at /metrics, in Prometheus's text
// format: scraped, loaded, scraped again, they have moved.
func TestEchoMetricsAddr(t *testing.T) {
	s := startServer(t, "-metrics-addr", "127.0.0.1:0")
	url := s.nextURL(t, "metrics")
	const accepted, received = `otpnet_listener_accepted_total{listener="echo"}`, "otpnet_port_received_bytes_total"
	a0, r0 := sample(t, url, accepted), sample(t, url, received)
	cs := echotest.Clients(t, s.addr, 5, 1)
	a1, r1 := sample(t, url, accepted), sample(t, url, received)
	if a1-a0 != 5 || r1-r0 < 5*float64(len("line 0.0\n")) {
		t.Errorf("after 5 clients of a line each: accepted %v -> %v, received bytes %v -> %v", a0, a1, r0, r1)
	}
	if got := sample(t, url, `otpnet_listener_connections{listener="echo"}`); got != 5 {
		t.Errorf("connections %v, want 5", got)
	}
	for _, c := range cs {
		c.Close()
	}
}

// chromium returns the headless browser, or skips the test (fails it
// with OTPNET_REQUIRE_CHROMIUM=1).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const why = "chromium not found: apt-get install -y chromium"
	if os.Getenv("OTPNET_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(why + " (OTPNET_REQUIRE_CHROMIUM=1)")
	}
	t.Skip(why)
	return ""
}

// dumpDOM loads url in headless Chromium and returns the DOM it rendered.
func dumpDOM(t *testing.T, url string) *html.Node {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*testkit.WaitBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", url, err, stderr.String())
	}
	return testkit.ParseHTML(t, string(out))
}

// -debug-addr serves the live page: headless Chromium loads it while
// clients are connected, and the DOM it renders lists their ports (by
// the clients' addresses, the ports' peers), the listener, its
// supervision tree and the metrics.
func TestEchoDebugPageChromium(t *testing.T) {
	chromium(t)
	s := startServer(t, "-debug-addr", "127.0.0.1:0")
	url := s.nextURL(t, "debug page")
	cs := echotest.Clients(t, s.addr, 3, 1)
	doc := dumpDOM(t, url+"?sort=age")
	peers := testkit.HTMLCells(doc, "ports", "peer")
	for i, c := range cs {
		if i >= len(peers) || peers[i] != c.LocalAddr().String() {
			t.Errorf("ports by age list peers %q, want the client %d at %s, in the order they connected", peers, i, c.LocalAddr())
		}
	}
	locals := testkit.HTMLCells(doc, "ports", "local")
	if len(locals) != 4 || locals[3] != s.addr {
		t.Errorf("the page lists ports on %q, want 3 connections then the listening socket on %s", locals, s.addr)
	}
	tree := testkit.HTMLText(doc)
	for _, want := range []string{"listener echo (" + s.addr + ")", "acceptors", "conns-1", "acceptor-10",
		"otpnet_listener_accepted", `listener="echo"`} {
		if !strings.Contains(tree, want) {
			t.Errorf("the page does not say %q:\n%s", want, tree)
		}
	}
	for _, c := range cs {
		c.Close()
	}
}
