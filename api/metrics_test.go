package api

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestRouteMetrics checks that a route's looked-up series count what the
// label lookups counted: per code, each created only once that code is seen.
func TestRouteMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newMetrics(reg)
	rm := m.route("POST", "/v1/entries")
	counts := func() (map[string]float64, uint64) {
		fams, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		byCode := map[string]float64{}
		var observed uint64
		for _, f := range fams {
			if f.GetName() != "tributary_http_requests_total" && f.GetName() != "tributary_http_request_duration_seconds" {
				continue
			}
			for _, mt := range f.GetMetric() {
				labels := map[string]string{}
				for _, l := range mt.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["method"] != "POST" || labels["route"] != "/v1/entries" {
					t.Errorf("series with labels %v; want POST /v1/entries", labels)
				}
				switch f.GetName() {
				case "tributary_http_requests_total":
					byCode[labels["code"]] = mt.GetCounter().GetValue()
				case "tributary_http_request_duration_seconds":
					observed += mt.GetHistogram().GetSampleCount()
				}
			}
		}
		return byCode, observed
	}
	if byCode, observed := counts(); len(byCode) != 0 || observed != 0 {
		t.Errorf("before any request: %v, %d observed; want no series", byCode, observed)
	}
	for _, code := range []int{201, 201, 401, 201} {
		rm.observe(code, time.Millisecond)
	}
	byCode, observed := counts()
	if len(byCode) != 2 || byCode["201"] != 3 || byCode["401"] != 1 || observed != 4 {
		t.Errorf("after 3×201 and 1×401: %v, %d observed", byCode, observed)
	}
}
