package scheduler_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/schedule"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/programs"
	"github.com/tributary-ledger/tributary/scheduler"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/wire"
)

type store interface {
	api.Store
	engine.Store
}

func stores(t *testing.T) map[string]func(*testing.T) store {
	m := map[string]func(*testing.T) store{"sqlite": func(t *testing.T) store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		m["postgres"] = func(t *testing.T) store {
			s, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cleanup() })
			return s
		}
	}
	return m
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.set(c.Now().Add(d)) }

const adminSecret = "scheduler-test-admin-secret-0123456789"

// node is one server on the store: its API and its scheduler.
func node(t *testing.T, s store, clk *clock) (*client.Client, *scheduler.Runner) {
	reg := money.NewRegistry()
	e := engine.New(s, reg)
	a := api.New(api.Config{Store: s, Engine: e, Currencies: reg, Now: clk.Now, Modules: programs.Modules(programs.Deps{})})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return client.New(srv.URL, adminSecret, nil), &scheduler.Runner{Store: s, Invoker: a, Engine: e, Now: clk.Now, Log: slog.New(slog.DiscardHandler)}
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// TestUsageClosesOnSchedule: a schedule closes hourly usage epochs at
// their ends; two epochs that ended while no server ran close in order
// when one is back; two servers ticking at once close the next epoch
// once; a period the route refuses is recorded with its code and the
// schedule moves on.
func TestUsageClosesOnSchedule(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			clk := &clock{now: t0.Add(-time.Minute)}
			if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "admin", clk.Now())); err != nil {
				t.Fatal(err)
			}
			c, a := node(t, s, clk)
			_, b := node(t, s, clk)
			setupUsage(t, c)

			sched := schedule.Schedule{Operation: "closeUsageEpoch", Path: map[string]string{"epoch": schedule.PeriodParam}, Start: t0, Every: "1h"}
			if _, _, err := c.SetSchedule(ctx, "s-1", "usage-close", sched); err != nil {
				t.Fatal(err)
			}
			clk.set(t0.Add(30 * time.Minute))
			report(t, c, 0)
			tick(t, a)
			wantNext(t, c, "usage-close", 0)

			// Epochs 0 and 1 end while no server runs.
			clk.set(t0.Add(90 * time.Minute))
			report(t, c, 1)
			clk.set(t0.Add(150 * time.Minute))
			tick(t, a)
			wantNext(t, c, "usage-close", 2)
			for n := uint64(0); n < 2; n++ {
				sum, err := c.GetUsageEpoch(ctx, n)
				if err != nil || sum.Key != schedule.Key("usage-close", 0, n) || !sum.ClosedAt.Equal(t0.Add(time.Duration(n+1)*time.Hour)) {
					t.Errorf("epoch %d = %+v, %v; want closed by the schedule's key at its end", n, sum, err)
				}
			}
			wantBalance(t, c, "dev-1", "2000")

			// Two servers tick at once: epoch 2 closes once, and an hourly
			// revenue transfer (which no program would refuse twice) is
			// made once.
			rev := schedule.Schedule{Operation: "recordUsageRevenue", Body: []byte(`{"amount":"7","currency":"USD","from":"@platform"}`), Start: t0.Add(2 * time.Hour), Every: "1h"}
			if _, _, err := c.SetSchedule(ctx, "s-rev", "hourly-revenue", rev); err != nil {
				t.Fatal(err)
			}
			clk.add(time.Hour)
			var wg sync.WaitGroup
			for _, r := range []*scheduler.Runner{a, b} {
				wg.Add(1)
				go func() { defer wg.Done(); tick(t, r) }()
			}
			wg.Wait()
			wantNext(t, c, "usage-close", 3)
			wantBalance(t, c, "dev-1", "2000") // nothing reported in epoch 2: no pay, and no double close
			if _, err := c.GetUsageEpoch(ctx, 2); err != nil {
				t.Errorf("epoch 2: %v; want closed", err)
			}
			wantNext(t, c, "hourly-revenue", 1)
			wantBalance(t, c, "@platform", "-100007") // funded 100000, then 7 once (twice would be -100014)

			// A second schedule naming epochs already closed: each period
			// is refused by the route, recorded, and passed.
			if _, _, err := c.SetSchedule(ctx, "s-2", "again", sched); err != nil {
				t.Fatal(err)
			}
			tick(t, a)
			st, err := c.GetSchedule(ctx, "again")
			if err != nil || st.Next != 3 || st.Last == nil || st.Last.Outcome != schedule.Refused || st.Last.Code != "usage_epoch_closed" {
				t.Errorf("schedule again = %+v (last %+v), %v; want at period 3, last refused with usage_epoch_closed", st, st.Last, err)
			}

			// Deleted and set again, a schedule starts a new life from
			// period 0 under keys of its own, and runs again.
			if _, _, err := c.DeleteSchedule(ctx, "d-rev", "hourly-revenue"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetSchedule(ctx, "hourly-revenue"); err == nil {
				t.Error("a deleted schedule is still there")
			}
			st2, _, err := c.SetSchedule(ctx, "s-rev-2", "hourly-revenue", rev)
			if err != nil || st2.Gen != 1 || st2.Next != 0 {
				t.Fatalf("set again = %+v, %v; want life 1 from period 0", st2, err)
			}
			tick(t, a)
			wantNext(t, c, "hourly-revenue", 1)
			if _, err := c.GetEntryByKey(ctx, schedule.Key("hourly-revenue", 1, 0)); err != nil {
				t.Errorf("the new life's period 0: %v", err)
			}

			// Hourly revenue that skips missed periods: three have ended,
			// only the latest runs.
			latest := schedule.Schedule{Operation: "recordUsageRevenue", Body: []byte(`{"amount":"500","currency":"USD","from":"@platform"}`), Start: t0, Every: "1h", CatchUp: schedule.CatchUpLatest}
			if _, _, err := c.SetSchedule(ctx, "s-3", "revenue", latest); err != nil {
				t.Fatal(err)
			}
			tick(t, a)
			st, err = c.GetSchedule(ctx, "revenue")
			if err != nil || st.Next != 3 || st.Last == nil || st.Last.Period != 2 || st.Last.Skipped != 2 || st.Last.Outcome != schedule.Done {
				t.Errorf("schedule revenue = %+v (last %+v), %v; want period 2 done after 2 skipped, next 3", st, st.Last, err)
			}
			if _, err := c.GetEntryByKey(ctx, schedule.Key("revenue", 0, 2)); err != nil {
				t.Errorf("period 2's entry: %v", err)
			}
			if _, err := c.GetEntryByKey(ctx, schedule.Key("revenue", 0, 1)); err == nil {
				t.Error("period 1 ran; want it skipped")
			}
		})
	}
}

func setupUsage(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := context.Background()
	cfg := usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochSeconds, Seconds: 3600, Anchor: t0},
		Metrics:  []usage.Metric{{Name: "calls", WeightBP: 10000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1000), Account: "usage:treasury"},
		Formula:  usage.Formula{Kind: usage.ProRata},
	}
	if _, _, err := c.SetUsageConfig(ctx, "cfg", cfg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CreateEntry(ctx, "fund", wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@platform", To: "usage:treasury", Amount: "100000", Currency: "USD"}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.RegisterUsageParticipant(ctx, "p-1", usage.ParticipantRequest{ID: "app-1", Owner: "dev-1", Account: "dev-1"}); err != nil {
		t.Fatal(err)
	}
}

func report(t *testing.T, c *client.Client, epoch uint64) {
	t.Helper()
	b := usage.Batch{Epoch: epoch, Reports: []usage.Report{{Participant: "app-1", Metric: "calls", Count: 10}}}
	if _, _, err := c.ReportUsage(context.Background(), "r-"+string(rune('0'+epoch)), b); err != nil {
		t.Fatal(err)
	}
}

func tick(t *testing.T, r *scheduler.Runner) {
	t.Helper()
	if err := r.Tick(context.Background()); err != nil {
		t.Error(err)
	}
}

func wantNext(t *testing.T, c *client.Client, id string, next uint64) {
	t.Helper()
	st, err := c.GetSchedule(context.Background(), id)
	if err != nil || st.Next != next {
		t.Fatalf("schedule %s = %+v, %v; want next period %d", id, st, err, next)
	}
}

func wantBalance(t *testing.T, c *client.Client, account, units string) {
	t.Helper()
	acc, err := c.GetAccount(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range acc.Balances {
		if b.Currency == "USD" && b.Posted == units {
			return
		}
	}
	t.Errorf("%s = %+v; want %s USD posted", account, acc, units)
}

// TestPayoutsOnSchedule: a weekly payout batch runs at each week's end as
// the scheduler's own request; a week whose batch the route refuses (the
// last one is still open) is recorded with the code.
func TestPayoutsOnSchedule(t *testing.T) {
	ctx := context.Background()
	s := stores(t)["sqlite"](t)
	clk := &clock{now: t0}
	if err := s.PutToken(ctx, auth.FromSecret(adminSecret, auth.Admin, nil, "admin", clk.Now())); err != nil {
		t.Fatal(err)
	}
	c, r := node(t, s, clk)
	if _, _, err := c.CreateEntry(ctx, "earn", wire.EntryRequest{Postings: []wire.PostingJSON{{From: "@platform", To: "dev-1", Amount: "1000", Currency: "USD"}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SetPayoutDestination(ctx, "dest", "dev-1", payout.DestinationRequest{Destination: "@bank:dev-1"}); err != nil {
		t.Fatal(err)
	}
	weekly := schedule.Schedule{Operation: "createPayoutBatch", Body: []byte(`{"currency":"USD"}`), Start: t0, Every: "168h", CatchUp: schedule.CatchUpLatest}
	if _, _, err := c.SetSchedule(ctx, "s", "payouts", weekly); err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(169 * time.Hour))
	tick(t, r)
	list, err := c.ListPayoutBatches(ctx, client.ListPayoutBatchesQuery{})
	if err != nil || len(list.Batches) != 1 || list.Batches[0].Total != "1000" {
		t.Fatalf("batches = %+v, %v; want one of 1000", list, err)
	}
	if _, err := c.GetEntryByKey(ctx, schedule.Key("payouts", 0, 0)); err != nil {
		t.Errorf("week 0's batch entry: %v", err)
	}
	clk.add(168 * time.Hour)
	tick(t, r)
	st, err := c.GetSchedule(ctx, "payouts")
	if err != nil || st.Next != 2 || st.Last == nil || st.Last.Outcome != schedule.Refused || st.Last.Code != "payout_batch_open" {
		t.Errorf("schedule = %+v (last %+v), %v; want week 1 refused with payout_batch_open", st, st.Last, err)
	}
	// No token may take a run's key first: it could block or cancel it.
	_, _, err = c.CreatePayoutBatch(ctx, schedule.Key("payouts", 0, 2), payout.BatchRequest{Currency: "USD"})
	if errcode.Code(err) != "key_reserved" {
		t.Errorf("a token sending the next run's key: %v; want key_reserved", err)
	}
}
