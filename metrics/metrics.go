// Package metrics exports otpnet's metrics through OpenTelemetry's metric
// API, and, with NewPrometheus, in Prometheus's text format: the ports of
// the process (package socket), the listeners (package supervisor/ranch)
// and their connections. Every name starts with otpnet_.
//
// Nothing is counted on the data path for them. The ports' metrics are
// read when a reader collects them (a Prometheus scrape), from what each
// port counts anyway, inet:getstat's counters (socket.ReadTotals); the
// listeners' from Listener.Info; what happens once per connection or per
// failed accept (closes, accept errors, the hand-off's time, a
// connection's duration) is recorded by the listener's Events hook
// (Events), which the listener calls anyway.
//
// The instruments, as Prometheus names them (OpenTelemetry's exporter adds
// the unit and _total):
//
//	otpnet_ports{kind="listen"|"connection"}     live ports (gauge)
//	otpnet_ports_passive                         connections in {active, false} (gauge)
//	otpnet_port_queued_bytes                     bytes queued to send, all ports (gauge)
//	otpnet_port_buffered_bytes                   bytes read and not yet delivered (gauge)
//	otpnet_port_received_bytes_total             recv_oct of every port there has been
//	otpnet_port_sent_bytes_total                 send_oct of every port there has been
//	otpnet_port_packets_delivered_total          recv_cnt: packets delivered to owners,
//	                                             as messages or Recv's answers
//	otpnet_port_sends_total                      send_cnt: Send calls
//	otpnet_listener_connections{listener}        connections counted against the limit (gauge)
//	otpnet_listener_max_connections{listener}    the limit (gauge; none for Unlimited)
//	otpnet_listener_accepted_total{listener}     connections accepted
//	otpnet_listener_closed_total{listener}       connections whose handler has ended
//	otpnet_listener_accept_errors_total{listener,reason}
//	                                             failed accepts (emfile, ...) and
//	                                             hand-offs (start_protocol)
//	otpnet_handshake_duration_seconds{listener}  the hand-off, ranch.ConnectionEvent's Handshake (histogram)
//	otpnet_connection_duration_seconds{listener} a handler's life (histogram)
//
// The counters of the ports are those of the live ports plus those of the
// ports that have exited, which socket.ReadTotals keeps from going down
// when a port exits while they are read.
//
// Messages delivered to owners are getstat's recv_cnt, which counts, as
// inet_drv does, each packet a port delivers (a TLS port's counts its
// transport's reads, as OTP's ssl:getstat does).
package metrics

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otpnet/otpnet/inet"
	"github.com/otpnet/otpnet/socket"
	"github.com/otpnet/otpnet/supervisor"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// scope is the instrumentation scope of otpnet's meter.
const scope = "github.com/otpnet/otpnet/metrics"

// The histograms' buckets, in seconds: a hand-off takes tens of
// microseconds to milliseconds; a connection lives from a millisecond to
// hours. (The SDK's default buckets are for milliseconds.)
var (
	handshakeBuckets = []float64{0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5}
	durationBuckets  = []float64{0.001, 0.01, 0.1, 1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600}
)

// Metrics is otpnet's instruments on a meter provider. Its methods may be
// called from any goroutine.
type Metrics struct {
	reg metric.Registration

	closed       metric.Int64Counter
	acceptErrors metric.Int64Counter
	handshake    metric.Float64Histogram
	duration     metric.Float64Histogram

	mu        sync.Mutex
	listeners map[string]*ranch.Listener
}

// observables are the instruments read at collection.
type observables struct {
	ports, passive, queued, buffered   metric.Int64ObservableGauge
	recvOct, sendOct, recvCnt, sendCnt metric.Int64ObservableCounter
	conns, maxConns                    metric.Int64ObservableGauge
	accepted                           metric.Int64ObservableCounter
}

// New makes otpnet's instruments on a meter of mp, and registers the
// callback that reads the ports and the watched listeners when mp's
// readers collect. Close unregisters it.
func New(mp metric.MeterProvider) (*Metrics, error) {
	if mp == nil {
		return nil, errors.New("metrics: New: the MeterProvider must not be nil")
	}
	meter := mp.Meter(scope)
	m := &Metrics{listeners: make(map[string]*ranch.Listener)}
	var o observables
	var errs []error
	gauge := func(name, unit, desc string) metric.Int64ObservableGauge {
		g, err := meter.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return g
	}
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := meter.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	o.ports = gauge("otpnet_ports", "", "Live ports, by kind: listen or connection.")
	o.passive = gauge("otpnet_ports_passive", "", "Live connections in {active, false}.")
	o.queued = gauge("otpnet_port_queued", "By", "Bytes queued in the ports to send.")
	o.buffered = gauge("otpnet_port_buffered", "By", "Bytes the ports have read and not yet delivered.")
	o.recvOct = counter("otpnet_port_received", "By", "Bytes every port there has been delivered, packet headers included (recv_oct).")
	o.sendOct = counter("otpnet_port_sent", "By", "Bytes sent by every port there has been (send_oct).")
	o.recvCnt = counter("otpnet_port_packets_delivered", "", "Packets every port there has been delivered to its owner, as messages or Recv's answers (recv_cnt).")
	o.sendCnt = counter("otpnet_port_sends", "", "Sends of every port there has been (send_cnt).")
	o.conns = gauge("otpnet_listener_connections", "", "A listener's connections counted against its limit.")
	o.maxConns = gauge("otpnet_listener_max_connections", "", "A listener's connection limit; no sample for a listener without one.")
	o.accepted = counter("otpnet_listener_accepted", "", "Connections a listener has accepted.")
	var err error
	m.closed, err = meter.Int64Counter("otpnet_listener_closed", metric.WithDescription("Connections of a listener whose handler has ended."))
	errs = append(errs, err)
	m.acceptErrors, err = meter.Int64Counter("otpnet_listener_accept_errors",
		metric.WithDescription("Failed accepts of a listener by reason (emfile, ...), and accepted connections no handler took (start_protocol)."))
	errs = append(errs, err)
	m.handshake, err = meter.Float64Histogram("otpnet_handshake_duration", metric.WithUnit("s"),
		metric.WithDescription("Time from a connection's accept to its handler's start, just before it owns the socket."),
		metric.WithExplicitBucketBoundaries(handshakeBuckets...))
	errs = append(errs, err)
	m.duration, err = meter.Float64Histogram("otpnet_connection_duration", metric.WithUnit("s"),
		metric.WithDescription("How long a connection's handler served it."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	m.reg, err = meter.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
		m.observe(obs, &o)
		return nil
	}, o.ports, o.passive, o.queued, o.buffered, o.recvOct, o.sendOct, o.recvCnt, o.sendCnt, o.conns, o.maxConns, o.accepted)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Close unregisters the callback: the ports and listeners are no longer
// read.
func (m *Metrics) Close() error { return m.reg.Unregister() }

// Watch adds l's gauges and counters under the label listener=name, read
// at each collection until l stops (or Unwatch). A name watched again
// names the new listener.
func (m *Metrics) Watch(name string, l *ranch.Listener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.listeners[name] = l
}

// Unwatch stops reading the listener named name.
func (m *Metrics) Unwatch(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.listeners, name)
}

// Listeners returns the listeners watched, by name, but those that have
// stopped (which it forgets): what the live page (package
// metrics/debugpage) shows, given the Metrics.
func (m *Metrics) Listeners() map[string]*ranch.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	listeners := make(map[string]*ranch.Listener, len(m.listeners))
	for name, l := range m.listeners {
		if l.Status() == ranch.ListenerStopped {
			delete(m.listeners, name)
			continue
		}
		listeners[name] = l
	}
	return listeners
}

// observe reads the ports and the listeners. It runs at collection.
func (m *Metrics) observe(obs metric.Observer, o *observables) {
	t := socket.ReadTotals()
	listeners := m.Listeners()
	obs.ObserveInt64(o.ports, int64(t.Listening), metric.WithAttributes(attribute.String("kind", "listen")))
	obs.ObserveInt64(o.ports, int64(t.Ports-t.Listening), metric.WithAttributes(attribute.String("kind", "connection")))
	obs.ObserveInt64(o.passive, int64(t.Passive))
	obs.ObserveInt64(o.queued, int64(t.Queued))
	obs.ObserveInt64(o.buffered, int64(t.Buffered))
	obs.ObserveInt64(o.recvOct, int64(t.RecvOct))
	obs.ObserveInt64(o.sendOct, int64(t.SendOct))
	obs.ObserveInt64(o.recvCnt, int64(t.RecvCnt))
	obs.ObserveInt64(o.sendCnt, int64(t.SendCnt))
	for name, l := range listeners {
		info := l.Info()
		attrs := metric.WithAttributes(attribute.String("listener", name))
		obs.ObserveInt64(o.conns, int64(info.ActiveConnections), attrs)
		if info.MaxConnections != ranch.Unlimited { // a limit of -1 would read as one
			obs.ObserveInt64(o.maxConns, int64(info.MaxConnections), attrs)
		}
		obs.ObserveInt64(o.accepted, int64(info.Accepts), attrs)
	}
}

// Events returns the hook that records the listener's closes, accept
// errors, hand-off times and connection durations under the label
// listener=name: give it to ranch.ListenerOptions.Events, alone or with
// others (ranch.TeeEvents).
func (m *Metrics) Events(name string) ranch.Events {
	attr := attribute.String("listener", name)
	return &events{m: m, attr: attr, attrs: metric.WithAttributeSet(attribute.NewSet(attr))}
}

// events is Events' hook.
type events struct {
	ranch.NopEvents
	m     *Metrics
	attr  attribute.KeyValue
	attrs metric.MeasurementOption
}

func (e *events) AcceptError(ev ranch.AcceptErrorEvent) {
	reason := inet.Reason(ev.Err)
	var se *supervisor.Error
	if errors.As(ev.Err, &se) && se.Op == "start_protocol" {
		reason = "start_protocol"
	}
	e.m.acceptErrors.Add(context.Background(), 1, metric.WithAttributes(e.attr, attribute.String("reason", reason)))
}

func (e *events) ConnectionStart(ev ranch.ConnectionEvent) {
	e.m.handshake.Record(context.Background(), ev.Handshake.Seconds(), e.attrs)
}

func (e *events) ConnectionStop(ev ranch.ConnectionEvent) {
	ctx := context.Background()
	e.m.closed.Add(ctx, 1, e.attrs)
	e.m.duration.Record(ctx, ev.Duration.Seconds(), e.attrs)
}
