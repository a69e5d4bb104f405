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
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

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
	// Listeners are the listeners to show, by name.
	Listeners map[string]*ranch.Listener
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

// Handler serves the page at any path. Its query picks the ports shown:
// sort=port (the default: in the order they opened), queued (the most
// bytes queued first) or age (the oldest first), and page=N (from 1).
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
	age                                           time.Duration
	known                                         bool // age known
	id                                            uint32
}

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
	names := slices.Sorted(maps.Keys(o.Listeners))
	started := map[string]time.Time{} // a handler's PID to when its connection started
	for _, name := range names {
		l := o.Listeners[name]
		lv := listenerView{Name: name, ListenerInfo: l.Info(), Limit: "infinity"}
		if lv.MaxConnections != ranch.Unlimited {
			lv.Limit = strconv.Itoa(lv.MaxConnections)
		}
		v.Listeners = append(v.Listeners, lv)
		for _, c := range l.ConnectionInfos() {
			started[c.PID.String()] = c.Started
		}
		if r := l.Ref(); r != nil {
			v.Trees = append(v.Trees, o.tree("listener "+name+" ("+l.Addr().String()+")", r, 0))
		}
	}
	for _, p := range socket.Ports() {
		pv := portView{
			Port: p.Socket.String(), Kind: "connection", Owner: pidString(p.Owner), Local: addr(p.Local.String(), p.Local.IsValid()),
			Peer: addr(p.Peer.String(), p.Peer.IsValid()), Active: p.Active.String(), State: socket.FormatStates(p.States),
			Recv: p.Stats.RecvOct, Sent: p.Stats.SendOct, Queued: p.Stats.SendPend, Buffered: uint64(p.Buffered), Age: "-", id: p.ID,
		}
		if p.Listener {
			pv.Kind = "listen"
		}
		if p.Owner != nil {
			if t, ok := started[p.Owner.String()]; ok {
				pv.age, pv.known = now.Sub(t), true
				pv.Age = pv.age.Truncate(time.Millisecond).String()
			}
		}
		v.Ports = append(v.Ports, pv)
	}
	switch sortBy {
	case "queued":
		sort.SliceStable(v.Ports, func(i, j int) bool { return v.Ports[i].Queued > v.Ports[j].Queued })
	case "age":
		sort.SliceStable(v.Ports, func(i, j int) bool {
			a, b := v.Ports[i], v.Ports[j]
			if a.known != b.known {
				return a.known
			}
			return a.age > b.age
		})
	default:
		sortBy = "port"
	}
	v.Sort = sortBy
	v.PortsTotal = len(v.Ports)
	v.Last = max(1, (len(v.Ports)+o.PageSize-1)/o.PageSize)
	v.Page, _ = strconv.Atoi(pageArg)
	v.Page = min(max(v.Page, 1), v.Last)
	for i := 1; i <= v.Last; i++ {
		v.Pages = append(v.Pages, i)
	}
	lo := (v.Page - 1) * o.PageSize
	v.Ports = v.Ports[lo:min(lo+o.PageSize, len(v.Ports))]
	if o.Gatherer != nil {
		v.Metrics = samples(o.Gatherer)
	}
	return v
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
	n.Label += " " + pidString(r.PID())
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
		label := id + " " + pidString(c.PID)
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

func pidString(p *actor.PID) string {
	if p == nil {
		return "-"
	}
	return "<" + p.Address + "/" + p.Id + ">"
}
