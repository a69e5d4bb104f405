package metrics

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Prometheus is Metrics on a meter provider of its own whose reader is
// OpenTelemetry's Prometheus exporter, on a registry of its own: Handler
// serves them in Prometheus's text format, at /metrics say.
type Prometheus struct {
	*Metrics
	provider *sdkmetric.MeterProvider
	registry *prometheus.Registry
	handler  http.Handler
}

// NewPrometheus makes otpnet's instruments with a Prometheus exporter.
// Shutdown releases them.
func NewPrometheus() (*Prometheus, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	m, err := New(provider)
	if err != nil {
		_ = provider.Shutdown(context.Background())
		return nil, err
	}
	return &Prometheus{Metrics: m, provider: provider, registry: reg, handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}, nil
}

// Handler serves the metrics in Prometheus's text format: each request
// is a collection.
func (p *Prometheus) Handler() http.Handler { return p.handler }

// Gatherer gives the metrics as Prometheus's client reads them: each
// Gather is a collection.
func (p *Prometheus) Gatherer() prometheus.Gatherer { return p.registry }

// Shutdown unregisters the instruments' callback and shuts the meter
// provider down.
func (p *Prometheus) Shutdown() error {
	err := p.Close()
	if e := p.provider.Shutdown(context.Background()); err == nil {
		err = e
	}
	return err
}
