package api

import (
	"strconv"
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

func (m *metrics) observe(method, route string, code int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}
