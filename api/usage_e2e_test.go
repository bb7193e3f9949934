package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-ledger/tributary/api"
	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/client"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/programs"
)

// clock is a settable server clock: epochs open and end by the server's
// time, and a test must not wait a month (or a minute) for one to end.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// startAt is start with the server's clock set by now.
func startAt(t *testing.T, s testStore, now func() time.Time) *env {
	t.Helper()
	if err := s.PutToken(context.Background(), auth.FromSecret(adminSecret, auth.Admin, nil, "test admin", now())); err != nil {
		t.Fatal(err)
	}
	reg := money.NewRegistry()
	a := api.New(api.Config{Store: s, Engine: engine.New(s, reg), Currencies: reg, EventPoll: 20 * time.Millisecond, Now: now, Modules: programs.Modules(programs.Deps{})})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{s: s, srv: srv, api: a, admin: client.New(srv.URL, adminSecret, nil)}
}

// refused checks that err carries code, however the client surfaces it.
func refused(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errcode.Code(err); err == nil || got != code {
		t.Errorf("%s: error = %v (code %q); want code %s", what, err, got, code)
	}
}

// amounts compares money by value (its fields are unexported).
var amounts = cmp.Comparer(func(a, b money.Amount) bool { return a.Cmp(b) == 0 })

// seedUsageConfig is seed 000's ranked_decay acceptance: a pool of $100,000
// a month, each rank gets 20% of what remains, the rest carries over.
func seedUsageConfig() usage.Config {
	return usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochMonth, Anchor: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Metrics:  []usage.Metric{{Name: "calls", WeightBP: 10000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(100_000_00), Account: "usage:treasury"},
		Formula:  usage.Formula{Kind: usage.RankedDecay, DecayBP: 2000},
	}
}

// TestUsageEndToEnd drives a usage program through the Go client: the
// seed's ranked_decay at 20% over a $100,000 pool and five ranked apps pays
// $20,000, $16,000, $12,800, $10,240 and $8,192 and carries $32,768, and the
// payees' balances, the statement and the summary say so.
func TestUsageEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			clk := &clock{now: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}
			e := startAt(t, open(t), clk.Now)
			ctx := context.Background()
			config := e.token(t, auth.Configurator)
			ingest := e.token(t, auth.Ingestor)
			reader := e.token(t, auth.Reader)
			dev1 := e.token(t, auth.Payee, "dev-1")

			// Configuration, before epoch 0 begins: it applies from epoch 0.
			cfg := seedUsageConfig()
			got, _, err := config.SetUsageConfig(ctx, "cfg-1", cfg)
			if err != nil || len(got.Versions) != 1 || got.Versions[0].Epoch != 0 || !got.Status.Configured {
				t.Fatalf("SetUsageConfig = %+v, %v; want one version from epoch 0", got, err)
			}
			if again, _, err := config.SetUsageConfig(ctx, "cfg-1", cfg); err != nil || !cmp.Equal(again, got, amounts) {
				t.Errorf("SetUsageConfig replay = %+v, %v; want %+v", again, err, got)
			}
			bad := seedUsageConfig()
			bad.Formula.DecayBP = 0
			_, _, err = config.SetUsageConfig(ctx, "cfg-2", bad)
			refused(t, "ranked_decay at 0%", err, "usage_pool_unallocatable")
			_, _, err = ingest.SetUsageConfig(ctx, "cfg-3", cfg)
			refused(t, "an ingestor configuring", err, "forbidden")
			if rd, err := reader.GetUsageConfig(ctx); err != nil || !cmp.Equal(rd, got, amounts) {
				t.Errorf("UsageConfig = %+v, %v; want %+v", rd, err, got)
			}

			// Participants: an owner registers its own app, a configurator
			// the rest in one batch.
			p, _, err := dev1.RegisterUsageParticipant(ctx, "p-1", usage.ParticipantRequest{ID: "app-1", Owner: "dev-1", Account: "dev-1"})
			if err != nil || p.ID != "app-1" || !p.Active || p.Slot != 0 {
				t.Fatalf("RegisterParticipant(app-1) = %+v, %v; want active in slot 0", p, err)
			}
			_, _, err = dev1.RegisterUsageParticipant(ctx, "p-x", usage.ParticipantRequest{ID: "app-x", Owner: "dev-2", Account: "dev-1"})
			refused(t, "a payee registering for another owner", err, "forbidden")
			var batch []usage.ParticipantRequest
			for i := 2; i <= 6; i++ {
				dev := fmt.Sprintf("dev-%d", i)
				batch = append(batch, usage.ParticipantRequest{ID: fmt.Sprintf("app-%d", i), Owner: dev, Account: dev})
			}
			if n, _, err := config.RegisterUsageParticipants(ctx, "p-batch", usage.ParticipantsRequest{Participants: batch}); err != nil || n.Registered != 5 {
				t.Fatalf("RegisterParticipants = %+v, %v; want 5", n, err)
			}
			_, _, err = config.RegisterUsageParticipant(ctx, "p-dup", batch[0])
			refused(t, "registering app-2 again", err, "usage_participant_exists")
			// app-5's developer moves its payouts to another account.
			if p, _, err := config.UpdateUsageParticipant(ctx, "u-5", "app-5", usage.ParticipantUpdate{Account: "dev-5:wallet"}); err != nil || p.Account != "dev-5:wallet" || p.Owner != "dev-5" {
				t.Errorf("UpdateParticipant(app-5) = %+v, %v; want account dev-5:wallet, owner dev-5", p, err)
			}
			_, _, err = dev1.UpdateUsageParticipant(ctx, "u-x", "app-2", usage.ParticipantUpdate{Account: "dev-1"})
			refused(t, "a payee updating another's app", err, "forbidden")
			// app-6 leaves before it reports anything.
			if p, _, err := config.DeregisterUsageParticipant(ctx, "d-6", "app-6"); err != nil || p.Active {
				t.Errorf("DeregisterParticipant(app-6) = %+v, %v; want inactive", p, err)
			}
			if p, err := reader.GetUsageParticipant(ctx, "app-3"); err != nil || p.Account != "dev-3" || p.Slot != 2 || !p.Active {
				t.Errorf("Participant(app-3) = %+v, %v; want dev-3's, slot 2, active", p, err)
			}
			_, err = reader.GetUsageParticipant(ctx, "app-9")
			refused(t, "an unknown participant", err, "usage_participant_unknown")

			calls := func(counts map[string]usage.Count) usage.Batch {
				b := usage.Batch{Epoch: 0}
				for i := 1; i <= 6; i++ {
					id := fmt.Sprintf("app-%d", i)
					if c, ok := counts[id]; ok {
						b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "calls", Count: c})
					}
				}
				return b
			}
			seedCounts := calls(map[string]usage.Count{"app-1": 50, "app-2": 40, "app-3": 30, "app-4": 20, "app-5": 10})
			_, _, err = ingest.ReportUsage(ctx, "r-early", seedCounts)
			refused(t, "a report before epoch 0 begins", err, "usage_epoch_future")

			// Epoch 0: revenue funds the pool, the apps report.
			clk.set(time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
			rev := usage.RevenueRequest{Amount: "10000000", Currency: "USD", From: "@platform"}
			ent, replayed, err := ingest.RecordUsageRevenue(ctx, "rev-1", rev)
			if err != nil || replayed || len(ent.Postings) != 1 || ent.Postings[0].To != "usage:treasury" || ent.Postings[0].Amount != "10000000" {
				t.Fatalf("RecordUsageRevenue = %+v, replayed %v, %v; want 10000000 into usage:treasury", ent, replayed, err)
			}
			if again, replayed, err := ingest.RecordUsageRevenue(ctx, "rev-1", rev); err != nil || !replayed || again.Seq != ent.Seq {
				t.Errorf("RecordUsageRevenue replay = seq %d, replayed %v, %v; want seq %d replayed", again.Seq, replayed, err, ent.Seq)
			}
			_, _, err = ingest.RecordUsageRevenue(ctx, "rev-1", usage.RevenueRequest{Amount: "1", Currency: "USD", From: "@platform"})
			refused(t, "revenue under a used key with another body", err, "key_conflict")
			rep, replayed, err := ingest.ReportUsage(ctx, "r-1", seedCounts)
			if err != nil || replayed || rep.Epoch != 0 || rep.Reports != 5 || rep.Seq == 0 {
				t.Fatalf("ReportUsage = %+v, replayed %v, %v; want 5 reports in epoch 0", rep, replayed, err)
			}
			if again, replayed, err := ingest.ReportUsage(ctx, "r-1", seedCounts); err != nil || !replayed || again != rep {
				t.Errorf("ReportUsage replay = %+v, replayed %v, %v; want %+v replayed (counted once)", again, replayed, err, rep)
			}
			for i, tc := range []struct {
				what  string
				batch usage.Batch
				code  string
			}{
				{"an unknown participant", usage.Batch{Reports: []usage.Report{{Participant: "app-9", Metric: "calls", Count: 1}}}, "usage_participant_unknown"},
				{"a deregistered participant", usage.Batch{Reports: []usage.Report{{Participant: "app-6", Metric: "calls", Count: 1}}}, "usage_participant_unknown"},
				{"an unknown metric", usage.Batch{Reports: []usage.Report{{Participant: "app-1", Metric: "gas", Count: 1}}}, "usage_metric_unknown"},
				{"an empty batch", usage.Batch{}, "usage_report_invalid"},
				{"a count over 10^12", usage.Batch{Reports: []usage.Report{{Participant: "app-1", Metric: "calls", Count: usage.CountMax + 1}}}, "usage_count_invalid"},
				{"an epoch not begun", usage.Batch{Epoch: 1, Reports: []usage.Report{{Participant: "app-1", Metric: "calls", Count: 1}}}, "usage_epoch_future"},
			} {
				_, _, err := ingest.ReportUsage(ctx, fmt.Sprint("r-bad-", i), tc.batch)
				refused(t, "a report for "+tc.what, err, tc.code)
			}
			_, _, err = config.CloseUsageEpoch(ctx, "close-early", 0)
			refused(t, "closing epoch 0 before it ends", err, "usage_epoch_open")

			// The close, after the month.
			clk.set(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
			_, _, err = ingest.CloseUsageEpoch(ctx, "close-x", 0)
			refused(t, "an ingestor closing", err, "forbidden")
			_, _, err = config.CloseUsageEpoch(ctx, "close-1", 1)
			refused(t, "closing epoch 1 before epoch 0", err, "usage_epoch_order")
			sum, replayed, err := config.CloseUsageEpoch(ctx, "close-0", 0)
			if err != nil || replayed {
				t.Fatalf("CloseUsageEpoch(0) = %+v, replayed %v, %v", sum, replayed, err)
			}
			for _, f := range []struct {
				name      string
				got, want string
			}{
				{"revenue", sum.Revenue.String(), "10000000"},
				{"funding", sum.Funding.String(), "10000000"},
				{"pool", sum.Pool.String(), "10000000"},
				{"paid", sum.Paid.String(), "6723200"},
				{"carry_out", sum.CarryOut.String(), "3276800"},
				{"shortfall", sum.Shortfall.String(), "0"},
			} {
				if f.got != f.want {
					t.Errorf("close summary %s = %s; want %s", f.name, f.got, f.want)
				}
			}
			if sum.PaidCount != 5 || sum.Key != "close-0" || sum.Digest == "" {
				t.Errorf("close summary = %+v; want 5 paid, key close-0 and a statement digest", sum)
			}
			if again, replayed, err := config.CloseUsageEpoch(ctx, "close-0", 0); err != nil || !replayed || !cmp.Equal(again, sum, amounts) {
				t.Errorf("CloseUsageEpoch replay = %+v, replayed %v, %v; want the first answer %+v, replayed", again, replayed, err, sum)
			}
			_, _, err = config.CloseUsageEpoch(ctx, "close-0-again", 0)
			refused(t, "closing epoch 0 again under a new key", err, "usage_epoch_closed")
			_, _, err = ingest.ReportUsage(ctx, "r-late", seedCounts)
			refused(t, "a report for the closed epoch", err, "usage_epoch_closed")
			if got, err := reader.GetUsageEpoch(ctx, 0); err != nil || !cmp.Equal(got, sum, amounts) {
				t.Errorf("UsageEpoch(0) = %+v, %v; want the close's summary %+v", got, err, sum)
			}
			_, err = reader.GetUsageEpoch(ctx, 1)
			refused(t, "the summary of an open epoch", err, "not_found")

			// The payees' balances: the seed's figures, in cents, adding up
			// with the carry-over (left in the pool account) to the pool.
			want := map[string]string{"dev-1": "2000000", "dev-2": "1600000", "dev-3": "1280000", "dev-4": "1024000", "dev-5:wallet": "819200", "dev-5": "0", "dev-6": "0", "usage:treasury": "3276800"}
			total := money.Amount{}
			for acct, units := range want {
				got := available(t, reader, acct, "USD")
				if got != units {
					t.Errorf("available(%s) = %s; want %s", acct, got, units)
				}
				a, err := money.ParseUnits(got)
				if err != nil {
					t.Fatal(err)
				}
				if total, err = total.Add(a); err != nil {
					t.Fatal(err)
				}
			}
			if total.String() != sum.Pool.String() {
				t.Errorf("payouts and carry-over = %s; want the pool %s", total, sum.Pool)
			}
			closing, err := reader.GetEntryByKey(ctx, "close-0")
			if err != nil {
				t.Fatalf("EntryByKey(close-0): %v", err)
			}
			paid := money.Amount{}
			for _, p := range closing.Postings {
				a, err := money.ParseUnits(string(p.Amount))
				if err != nil {
					t.Fatal(err)
				}
				if p.From != "usage:treasury" {
					t.Errorf("close posting %+v; want it paid from usage:treasury", p)
				}
				paid, _ = paid.Add(a)
			}
			if len(closing.Postings) != 5 || paid.String() != sum.Paid.String() {
				t.Errorf("close entry = %d postings of %s; want 5 of %s", len(closing.Postings), paid, sum.Paid)
			}

			// The statement, recomputed by the server, explains a line.
			st, err := reader.GetUsageStatement(ctx, 0, client.GetUsageStatementQuery{Participant: "app-3"})
			if err != nil {
				t.Fatalf("UsageStatement(0, app-3): %v", err)
			}
			if st.Digest != sum.Digest || st.Header.Formula != usage.RankedDecay || st.Header.Paid.String() != "6723200" || st.Header.CarryOut.String() != "3276800" {
				t.Errorf("statement header = %+v, digest %s; want ranked_decay paying 6723200, carrying 3276800, digest %s", st.Header, st.Digest, sum.Digest)
			}
			if len(st.Rows) != 1 || st.Rows[0].Participant != "app-3" || st.Rows[0].Rank != 3 || st.Rows[0].Amount.String() != "1280000" {
				t.Errorf("statement rows = %+v; want app-3 ranked 3rd with 1280000", st.Rows)
			}
			if st, err := reader.GetUsageStatement(ctx, 0, client.GetUsageStatementQuery{Participant: ""}); err != nil || len(st.Rows) != 0 || st.Header.Participants != 5 {
				t.Errorf("UsageStatement(0) = %+v, %v; want the header of 5 lines and no rows", st, err)
			}
			_, err = reader.GetUsageStatement(ctx, 0, client.GetUsageStatementQuery{Participant: "app-6"})
			refused(t, "the line of an app that left before reporting", err, "usage_participant_unknown")
			_, err = reader.GetUsageStatement(ctx, 0, client.GetUsageStatementQuery{Participant: "app-9"})
			refused(t, "the line of an unknown participant", err, "usage_participant_unknown")
			_, err = dev1.GetUsageStatement(ctx, 0, client.GetUsageStatementQuery{Participant: "app-1"})
			refused(t, "a payee reading the statement", err, "forbidden")

			whatIf(t, e, reader, dev1)

			// The program's status carries the remainder into epoch 1.
			cfgNow, err := reader.GetUsageConfig(ctx)
			if err != nil || cfgNow.Status.NextClose != 1 || cfgNow.Status.Carry.String() != "3276800" || cfgNow.Status.LastClosed == nil || *cfgNow.Status.LastClosed != 0 {
				t.Errorf("UsageConfig after the close = %+v, %v; want next close 1, carry 3276800, last closed 0", cfgNow.Status, err)
			}
		})
	}
}

// whatIf checks POST /v1/usage/epochs/0/simulate on TestUsageEndToEnd's
// closed epoch: ranked_decay at 50% instead of 20% pays the five ranks
// $50,000, $25,000, $12,500, $6,250 and $3,125 of the same $100,000 pool,
// beside what was paid, and writes nothing.
func whatIf(t *testing.T, e *env, reader, payee *client.Client) {
	t.Helper()
	ctx := context.Background()
	journal := func() int {
		es, err := e.s.Journal(ctx, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	before := journal()
	alt := seedUsageConfig()
	alt.Formula.DecayBP = 5000
	ids := client.SimulateUsageEpochQuery{Participants: "app-1,app-2,app-3,app-4,app-5"}
	got, err := reader.SimulateUsageEpoch(ctx, 0, alt, ids)
	if err != nil {
		t.Fatalf("SimulateUsageEpoch(0): %v", err)
	}
	want := []struct{ id, alt, actual, diff string }{
		{"app-1", "5000000", "2000000", "3000000"},
		{"app-2", "2500000", "1600000", "900000"},
		{"app-3", "1250000", "1280000", "-30000"},
		{"app-4", "625000", "1024000", "-399000"},
		{"app-5", "312500", "819200", "-506700"},
	}
	if len(got.Rows) != len(want) {
		t.Fatalf("what-if rows = %+v; want %d", got.Rows, len(want))
	}
	for i, w := range want {
		r := got.Rows[i]
		if r.Line.Participant != w.id || r.Line.Amount.String() != w.alt || r.Actual.String() != w.actual || r.Difference != w.diff {
			t.Errorf("what-if row %d = %s %s (actual %s, difference %s); want %s %s (actual %s, difference %s)",
				i, r.Line.Participant, r.Line.Amount, r.Actual, r.Difference, w.id, w.alt, w.actual, w.diff)
		}
	}
	if got.Header.Paid.String() != "9687500" || got.Header.CarryOut.String() != "312500" || got.Actual.Paid.String() != "6723200" {
		t.Errorf("what-if headers: paid %s carry %s, actual paid %s; want 9687500, 312500 and 6723200", got.Header.Paid, got.Header.CarryOut, got.Actual.Paid)
	}
	if after := journal(); after != before {
		t.Errorf("journal after a what-if holds %d entries; want %d (nothing written)", after, before)
	}
	if cfg, err := reader.GetUsageConfig(ctx); err != nil || len(cfg.Versions) != 1 || cfg.Versions[0].Config.Formula.DecayBP != 2000 {
		t.Errorf("config after a what-if = %+v, %v; want the one version at 20%%", cfg, err)
	}

	otherCurrency := seedUsageConfig()
	otherCurrency.Currency = "EUR"
	unallocatable := seedUsageConfig()
	unallocatable.Formula.DecayBP = 0
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("app-%d", i)
	}
	for _, tc := range []struct {
		what   string
		caller *client.Client
		epoch  uint64
		cfg    usage.Config
		ids    string
		code   string
	}{
		{"a payee", payee, 0, alt, "", "forbidden"},
		{"an open epoch", reader, 1, alt, "", "usage_epoch_open"},
		{"another currency", reader, 0, otherCurrency, "", "usage_config_invalid"},
		{"a formula that allocates nothing", reader, 0, unallocatable, "", "usage_pool_unallocatable"},
		{"a participant without a line", reader, 0, alt, "app-1,app-6", "usage_participant_unknown"},
		{"101 participants", reader, 0, alt, strings.Join(many, ","), "usage_limit"},
	} {
		_, err := tc.caller.SimulateUsageEpoch(ctx, tc.epoch, tc.cfg, client.SimulateUsageEpochQuery{Participants: tc.ids})
		refused(t, "a what-if by "+tc.what, err, tc.code)
	}
}
