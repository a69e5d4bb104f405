package debugpage

import (
	"cmp"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otpnet/otpnet/internal/echotest"
	"github.com/otpnet/otpnet/internal/leaktest"
	"github.com/otpnet/otpnet/internal/testkit"
	"github.com/otpnet/otpnet/metrics"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// get renders the page for query.
func get(t *testing.T, h http.Handler, query string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/"+query, nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /%s: %d %s\n%s", query, rec.Code, rec.Header().Get("Content-Type"), body)
	}
	return string(body)
}

// The page lists the ports a page at a time, by age (the oldest
// connection first, then the ports of no listener's) or by port, with
// the listener (the one the metrics watch), its tree and the metrics; a
// page out of range shows the last, a bad one the first.
func TestPage(t *testing.T) {
	leaktest.Check(t)
	prom, err := metrics.NewPrometheus()
	if err != nil {
		t.Fatal(err)
	}
	defer prom.Shutdown()
	sys, l := echotest.Start(t, ranch.ListenerOptions{Events: prom.Events("web"), NumAcceptors: 2})
	prom.Watch("web", l)
	var clients []string
	for _, c := range echotest.Clients(t, l.Addr().String(), 3, 1) {
		clients = append(clients, c.LocalAddr().String())
	}
	h := Handler(Options{System: sys, Metrics: prom.Metrics, Gatherer: prom.Gatherer(), PageSize: 2}) // the listeners prom watches

	peers := func(query string) []string {
		return testkit.HTMLCells(testkit.ParseHTML(t, get(t, h, query)), "ports", "peer")
	}
	if got := append(peers("?sort=age"), peers("?sort=age&page=2")...); !slices.Equal(got, append(clients, "-")) {
		t.Errorf("by age, two pages: peers %q, want %q then the listening socket's none", got, clients)
	}
	if got := peers("?sort=port&page=99"); !slices.Equal(got, clients[1:]) {
		t.Errorf("by port, page 99: %q, want the last page, %q", got, clients[1:])
	}
	if got := peers("?page=x"); !slices.Equal(got, []string{"-", clients[0]}) {
		t.Errorf("page x: %q, want the first page: the listening socket, %s", got, clients[0])
	}
	page := get(t, h, "")
	doc := testkit.ParseHTML(t, page)
	if got := testkit.HTMLText(doc); !strings.Contains(got, "listener web ("+l.Addr().String()+")") || !strings.Contains(got, "acceptor-2") ||
		!strings.Contains(got, "conns-1") {
		t.Errorf("no supervision tree of the listener in:\n%s", got)
	}
	if !strings.Contains(page, `<meta http-equiv="refresh" content="2">`) {
		t.Error("the page does not refresh itself")
	}
	if got := testkit.HTMLCells(doc, "listeners", "n"); len(got) < 1 || got[0] != "3" {
		t.Errorf("listener's numbers %q, want 3 connections first", got)
	}
	metricNames := testkit.HTMLText(doc)
	if !strings.Contains(metricNames, "otpnet_listener_accepted") || !strings.Contains(metricNames, "otpnet_handshake_duration_seconds_count") {
		t.Errorf("the metrics are not on the page:\n%s", metricNames)
	}
}

// A connection supervisor with more workers than TreeWorkers shows their
// count.
func TestTreeCountsWorkers(t *testing.T) {
	leaktest.Check(t)
	sys, l := echotest.Start(t, ranch.ListenerOptions{NumAcceptors: 1})
	echotest.Clients(t, l.Addr().String(), 3, 1)
	h := Handler(Options{System: sys, Listeners: map[string]*ranch.Listener{"web": l}, TreeWorkers: 2})
	if got := testkit.HTMLText(testkit.ParseHTML(t, get(t, h, ""))); !strings.Contains(got, "3 workers") {
		t.Errorf("no count of the 3 workers in:\n%s", got)
	}
}

// sort=port lists the ports in the order they opened, by their
// #Port<0.N>, not by the driver's slots, which a new socket reuses.
func TestPortOrderIsOpenOrder(t *testing.T) {
	leaktest.Check(t)
	sys, l := echotest.Start(t, ranch.ListenerOptions{NumAcceptors: 1})
	cs := echotest.Clients(t, l.Addr().String(), 3, 1)
	gone := cs[0].LocalAddr().String()
	cs[0].Close()
	testkit.Until(t, "the first connection's port closed", func() bool {
		for _, p := range socket.Ports() {
			if p.Peer.String() == gone {
				return false
			}
		}
		return true
	})
	cs = append(cs, echotest.Clients(t, l.Addr().String(), 1, 1)...) // in the first one's slot
	h := Handler(Options{System: sys, Listeners: map[string]*ranch.Listener{"web": l}})
	doc := testkit.ParseHTML(t, get(t, h, "?sort=port"))
	want := []string{"-"}
	for _, c := range cs[1:] {
		want = append(want, c.LocalAddr().String())
	}
	if got := testkit.HTMLCells(doc, "ports", "peer"); !slices.Equal(got, want) {
		t.Errorf("by port: peers %q, want %q", got, want)
	}
	ids := testkit.HTMLCells(doc, "ports", "id")
	if !slices.IsSortedFunc(ids, func(a, b string) int { return cmp.Compare(portNumber(t, a), portNumber(t, b)) }) {
		t.Errorf("by port: %q, not in the order of their numbers", ids)
	}
}

// portNumber is the N of #Port<0.N>.
func portNumber(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s, "#Port<0."), ">"))
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return n
}

// The page is at / only: any other path, as a browser's /favicon.ico,
// is not found, and does not render it.
func TestOtherPathsNotFound(t *testing.T) {
	h := Handler(Options{})
	for _, path := range []string{"/favicon.ico", "/x/", "/metrics"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder() // under a prefix
	http.StripPrefix("/debug", h).ServeHTTP(rec, httptest.NewRequest("GET", "/debug/", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("GET /debug/ under http.StripPrefix: %d, want 200", rec.Code)
	}
}
