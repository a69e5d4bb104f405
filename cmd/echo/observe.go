package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/otpnet/otpnet/actor"
	"github.com/otpnet/otpnet/metrics"
	"github.com/otpnet/otpnet/metrics/debugpage"
	"github.com/otpnet/otpnet/supervisor/ranch"
)

// listenerName is the echo listener's name in the metrics and on the
// page.
const listenerName = "echo"

// observer is what -metrics-addr and -debug-addr serve: the metrics in
// Prometheus's text format at /metrics, the live page at /.
type observer struct {
	prom    *metrics.Prometheus
	servers []*http.Server
	done    chan error
}

// newObserver makes the metrics when either address is set (the page
// shows them too); nil when neither is.
func newObserver(c config) (*observer, error) {
	if c.metricsAddr == "" && c.debugAddr == "" {
		return nil, nil
	}
	prom, err := metrics.NewPrometheus()
	if err != nil {
		return nil, err
	}
	return &observer{prom: prom, done: make(chan error, 2)}, nil
}

// events returns ev with the metrics' hook.
func (o *observer) events(ev ranch.Events) ranch.Events {
	if o == nil {
		return ev
	}
	return ranch.TeeEvents(ev, o.prom.Events(listenerName))
}

// serve watches l and starts the HTTP servers, saying where on stdout.
func (o *observer) serve(c config, system *actor.ActorSystem, l *ranch.Listener, stdout io.Writer) error {
	if o == nil {
		return nil
	}
	o.prom.Watch(listenerName, l)
	if c.metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/metrics", o.prom.Handler())
		addr, err := o.start(c.metricsAddr, mux)
		if err != nil {
			return fmt.Errorf("-metrics-addr: %w", err)
		}
		fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", addr)
	}
	if c.debugAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("/", debugpage.Handler(debugpage.Options{
			System:   system,
			Metrics:  o.prom.Metrics, // the listeners it watches
			Gatherer: o.prom.Gatherer(),
		}))
		mux.Handle("/metrics", o.prom.Handler())
		addr, err := o.start(c.debugAddr, mux)
		if err != nil {
			return fmt.Errorf("-debug-addr: %w", err)
		}
		fmt.Fprintf(stdout, "debug page on http://%s/\n", addr)
	}
	return nil
}

// start serves h on addr, and returns the address bound.
func (o *observer) start(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	o.servers = append(o.servers, srv)
	go func() { o.done <- srv.Serve(ln) }()
	return ln.Addr().String(), nil
}

// close stops the HTTP servers and the metrics.
func (o *observer) close() {
	if o == nil {
		return
	}
	for _, srv := range o.servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
		<-o.done // http.ErrServerClosed, or why it had stopped by itself
	}
	_ = o.prom.Shutdown()
}
