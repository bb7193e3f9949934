package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/wire"
)

// TestInvokeGoesThroughTheHandlerChain checks that a call from inside the
// server (the scheduler's) is answered as a request over HTTP is: the
// body limit refuses a body over BodyMax, and every answer is counted in
// the route's metrics, refusals included.
func TestInvokeGoesThroughTheHandlerChain(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			reg := money.NewRegistry()
			metrics := prometheus.NewRegistry()
			a := api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, Registry: metrics, Modules: programs.Modules(programs.Deps{})})
			ctx := context.Background()
			at := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)

			body, err := json.Marshal(wire.EntryRequest{Postings: []wire.PostingJSON{usd("@world", "alice", "100")}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.Invoke(ctx, "scheduler", "createEntry", nil, body, "k1", at)
			if err != nil || got.Status != http.StatusCreated || got.Code != "" {
				t.Fatalf("Invoke = %d %q %s, %v; want 201", got.Status, got.Code, got.Body, err)
			}
			var e wire.EntryJSON
			if err := json.Unmarshal(got.Body, &e); err != nil || e.Seq != 1 || !e.Time.Equal(at) {
				t.Errorf("answer %s (%v); want entry 1 at %s", got.Body, err, at)
			}

			big := append([]byte(`{"postings":[],"x":"`), bytes.Repeat([]byte("a"), api.BodyMax)...)
			got, err = a.Invoke(ctx, "scheduler", "createEntry", nil, append(big, `"}`...), "k2", at)
			if err != nil || got.Status != http.StatusRequestEntityTooLarge || got.Code != api.ErrBodyTooLarge.Code() {
				t.Errorf("Invoke with a body over BodyMax = %d %q, %v; want 413 %s", got.Status, got.Code, err, api.ErrBodyTooLarge.Code())
			}

			counted := map[string]float64{}
			fams, err := metrics.Gather()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fams {
				if f.GetName() != "tributary_http_requests_total" {
					continue
				}
				for _, m := range f.GetMetric() {
					labels := map[string]string{}
					for _, l := range m.GetLabel() {
						labels[l.GetName()] = l.GetValue()
					}
					if labels["route"] == "/v1/entries" {
						counted[labels["code"]] += m.GetCounter().GetValue()
					}
				}
			}
			if len(counted) != 2 || counted["201"] != 1 || counted["413"] != 1 {
				t.Errorf("POST /v1/entries counted %v; want one 201 and one 413", counted)
			}
		})
	}
}
