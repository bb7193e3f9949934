package api

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	committed prometheus.Counter
	outboxLag prometheus.Gauge
	head      prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tributary_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		committed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tributary_entries_committed_total", Help: "Journal entries committed by this process.",
		}),
		outboxLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tributary_outbox_lag_events", Help: "Events committed but not yet sent by this process's slowest event stream.",
		}),
		head: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tributary_outbox_head_seq", Help: "Sequence number of the newest outbox event seen.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.committed, m.outboxLag, m.head)
	return m
}

// routeMetrics are one route's series, looked up once instead of by label
// values on every request (a hash of the labels and a locked map lookup
// each). A series is still created by the first request that needs it, so
// /metrics lists the same series as before.
type routeMetrics struct {
	method, route string
	m             *metrics
	latencyOnce   sync.Once
	latency       prometheus.Observer
	// codes holds the request counter of each status code seen so far,
	// copied on write: a route answers with a handful of codes, and reading
	// a short list beats a map on every request.
	codes   atomic.Pointer[[]codeCounter]
	codesMu sync.Mutex
}

type codeCounter struct {
	code    int
	counter prometheus.Counter
}

func (m *metrics) route(method, route string) *routeMetrics {
	return &routeMetrics{method: method, route: route, m: m}
}

func (rm *routeMetrics) observe(code int, d time.Duration) {
	rm.counter(code).Inc()
	rm.latencyOnce.Do(func() { rm.latency = rm.m.latency.WithLabelValues(rm.method, rm.route) })
	rm.latency.Observe(d.Seconds())
}

func (rm *routeMetrics) counter(code int) prometheus.Counter {
	if cs := rm.codes.Load(); cs != nil {
		for _, c := range *cs {
			if c.code == code {
				return c.counter
			}
		}
	}
	rm.codesMu.Lock()
	defer rm.codesMu.Unlock()
	var cs []codeCounter
	if old := rm.codes.Load(); old != nil {
		for _, c := range *old {
			if c.code == code {
				return c.counter
			}
		}
		cs = append(cs, *old...)
	}
	c := rm.m.requests.WithLabelValues(rm.method, rm.route, strconv.Itoa(code))
	cs = append(cs, codeCounter{code, c})
	rm.codes.Store(&cs)
	return c
}
