// Package debugpage is otpnet's live page for operators: one HTML page,
// rendered on the server with html/template and refreshing itself (a meta
// refresh, no JavaScript), with the listeners, every live port (paged,
// sortable by queued bytes or age), the supervision tree of each listener
// and the metrics.
//
// It is what observer's and inet:i()'s views are to an Erlang node. The
// page reads everything when it is requested, from what the ports and
// listeners hold anyway (socket.Ports, ranch.Listener.Info, the
// supervisors' WhichChildren): nothing is counted for it, and a page
// nobody loads costs nothing.
package debugpage

import (
	"cmp"
	"embed"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/otpnet/otpnet/internal/pidfmt"
	"github.com/otpnet/otpnet/metrics"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

//go:embed page.html
var files embed.FS

var page = template.Must(template.ParseFS(files, "page.html"))

// Options are what the page shows.
type Options struct {
	// System is the actor system of the listeners, where their
	// supervisors are looked up (supervisor.Lookup).
	System *actor.ActorSystem
	// Listeners are the listeners to show, by name. If it is nil and
	// Metrics is not, the page shows those Metrics watches
	// (Metrics.Listeners), as they are at each request.
	Listeners map[string]*ranch.Listener
	// Metrics, if not nil, gives the listeners to show when Listeners
	// is nil: a metrics.Prometheus's Metrics, say.
	Metrics *metrics.Metrics
	// Gatherer, if not nil, gives the metrics to show: a
	// metrics.Prometheus's Gatherer, say.
	Gatherer prometheus.Gatherer
	// Refresh is how often the page reloads itself (default 2 s).
	Refresh time.Duration
	// PageSize is the number of ports on a page (default 50).
	PageSize int
	// TreeWorkers is the most workers listed under one supervisor: a
	// connection supervisor with more shows their count (default 20).
	TreeWorkers int
}

// Handler serves the page at / (under a prefix, mount it with
// http.StripPrefix), and 404 at any other path: a browser's
// /favicon.ico does not render the page again. Its query picks the ports
// shown: sort=port (the default: in the order they opened, by their
// #Port<0.N>), queued (the most bytes queued first) or age (the oldest
// first), and page=N (from 1). The ports are sorted on what costs no
// system call; only those of the page shown have their addresses read.
func Handler(o Options) http.Handler {
	if o.Refresh <= 0 {
		o.Refresh = 2 * time.Second
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.TreeWorkers <= 0 {
		o.TreeWorkers = 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "" {
			http.NotFound(w, r)
			return
		}
		v := o.view(r.URL.Query().Get("sort"), r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, v); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

// view is what the template renders.
type view struct {
	Now        time.Time
	Refresh    int // seconds
	Listeners  []listenerView
	Ports      []portView
	PortsTotal int
	Sort       string
	Page, Last int
	Pages      []int
	Trees      []*node
	Metrics    []sample
}

type listenerView struct {
	Name  string
	Limit string // MaxConnections, or infinity
	ranch.ListenerInfo
}

type portView struct {
	Port, Kind, Owner, Local, Peer, Active, State string
	Recv, Sent, Queued, Buffered                  uint64
	Age                                           string
}

// portEntry is a port and its age, what the ports are sorted by.
type portEntry struct {
	*socket.PortInfo
	age   time.Duration
	known bool // age known
}

// pidKey is a PID as a map key.
type pidKey struct{ address, id string }

// node is a supervisor or a worker of a listener's tree.
type node struct {
	Label    string
	Children []*node
}

type sample struct {
	Name, Labels, Value string
}

func (o *Options) view(sortBy, pageArg string) view {
	now := time.Now()
	v := view{Now: now, Refresh: max(1, int(o.Refresh/time.Second))}
	listeners := o.Listeners
	if listeners == nil && o.Metrics != nil {
		listeners = o.Metrics.Listeners()
	}
	started := map[pidKey]time.Time{} // a handler to when its connection started
	for _, name := range slices.Sorted(maps.Keys(listeners)) {
		l := listeners[name]
		lv := listenerView{Name: name, ListenerInfo: l.Info(), Limit: "infinity"}
		if lv.MaxConnections != ranch.Unlimited {
			lv.Limit = strconv.Itoa(lv.MaxConnections)
		}
		v.Listeners = append(v.Listeners, lv)
		for _, c := range l.ConnectionInfos() {
			started[pidKey{c.PID.Address, c.PID.Id}] = c.Started
		}
		if r := l.Ref(); r != nil {
			v.Trees = append(v.Trees, o.tree("listener "+name+" ("+l.Addr().String()+")", r, 0))
		}
	}
	ports := socket.PortsNoAddrs()
	entries := make([]portEntry, len(ports))
	for i := range ports {
		e := &entries[i]
		e.PortInfo = &ports[i]
		if p := e.Owner; p != nil {
			if t, ok := started[pidKey{p.Address, p.Id}]; ok {
				e.age, e.known = now.Sub(t), true
			}
		}
	}
	byID := func(a, b portEntry) int { return cmp.Compare(a.ID, b.ID) }
	switch sortBy {
	case "queued":
		slices.SortFunc(entries, func(a, b portEntry) int {
			return cmp.Or(cmp.Compare(b.Stats.SendPend, a.Stats.SendPend), byID(a, b))
		})
	case "age":
		slices.SortFunc(entries, func(a, b portEntry) int {
			if a.known != b.known {
				if a.known {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(b.age, a.age), byID(a, b))
		})
	default:
		sortBy = "port"
		slices.SortFunc(entries, byID)
	}
	v.Sort = sortBy
	v.PortsTotal = len(entries)
	v.Last = max(1, (len(entries)+o.PageSize-1)/o.PageSize)
	v.Page, _ = strconv.Atoi(pageArg)
	v.Page = min(max(v.Page, 1), v.Last)
	for i := 1; i <= v.Last; i++ {
		v.Pages = append(v.Pages, i)
	}
	lo := (v.Page - 1) * o.PageSize
	for _, e := range entries[lo:min(lo+o.PageSize, len(entries))] {
		e.ReadAddrs()
		v.Ports = append(v.Ports, portRow(e))
	}
	if o.Gatherer != nil {
		v.Metrics = samples(o.Gatherer)
	}
	return v
}

// portRow is what the page shows of e.
func portRow(e portEntry) portView {
	pv := portView{
		Port: e.Socket.String(), Kind: "connection", Owner: pidfmt.String(e.Owner), Local: addr(e.Local.String(), e.Local.IsValid()),
		Peer: addr(e.Peer.String(), e.Peer.IsValid()), Active: e.Active.String(), State: socket.FormatStates(e.States),
		Recv: e.Stats.RecvOct, Sent: e.Stats.SendOct, Queued: e.Stats.SendPend, Buffered: uint64(e.Buffered), Age: "-",
	}
	if e.Listener {
		pv.Kind = "listen"
	}
	if e.known {
		pv.Age = e.age.Truncate(time.Millisecond).String()
	}
	return pv
}

// tree walks the supervisor r: its children, workers listed up to
// TreeWorkers, more counted.
func (o *Options) tree(label string, r *supervisor.Ref, depth int) *node {
	n := &node{Label: label}
	counts, err := r.CountChildren()
	if err != nil {
		n.Label += " (stopped)"
		return n
	}
	n.Label += " " + pidfmt.String(r.PID())
	if counts.Workers > o.TreeWorkers && counts.Supervisors == 0 {
		n.Children = []*node{{Label: strconv.Itoa(counts.Active) + " workers"}}
		return n
	}
	children, err := r.WhichChildren()
	if err != nil {
		return n
	}
	for _, c := range slices.Backward(children) { // in start order
		id := c.ID
		if id == "" {
			id = "worker"
		}
		if c.Type == supervisor.Supervisor && c.PID != nil && depth < 8 && o.System != nil {
			if cr, err := supervisor.Lookup(o.System, c.PID); err == nil {
				n.Children = append(n.Children, o.tree(id, cr, depth+1))
				continue
			}
		}
		label := id + " " + pidfmt.String(c.PID)
		if c.Restarting {
			label += " (restarting)"
		}
		n.Children = append(n.Children, &node{Label: label})
	}
	return n
}

// samples flattens the gathered metrics: a histogram gives its count and
// sum.
func samples(g prometheus.Gatherer) []sample {
	fams, err := g.Gather()
	if err != nil {
		return []sample{{Name: "error", Value: err.Error()}}
	}
	var out []sample
	for _, f := range fams {
		name := f.GetName()
		if !strings.HasPrefix(name, "otpnet_") {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := labelString(m.GetLabel())
			switch {
			case m.GetCounter() != nil:
				out = append(out, sample{name, labels, num(m.GetCounter().GetValue())})
			case m.GetGauge() != nil:
				out = append(out, sample{name, labels, num(m.GetGauge().GetValue())})
			case m.GetHistogram() != nil:
				h := m.GetHistogram()
				out = append(out, sample{name + "_count", labels, strconv.FormatUint(h.GetSampleCount(), 10)},
					sample{name + "_sum", labels, num(h.GetSampleSum())})
			}
		}
	}
	slices.SortFunc(out, func(a, b sample) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Labels, b.Labels)) })
	return out
}

func labelString(ls []*dto.LabelPair) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.GetName() + "=" + strconv.Quote(l.GetValue())
	}
	return strings.Join(parts, ",")
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func addr(s string, ok bool) string {
	if !ok {
		return "-"
	}
	return s
}
