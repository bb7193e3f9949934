package usage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

type env struct {
	t   *testing.T
	ctx context.Context
	s   *sqlite.Store
	e   *engine.Engine
	reg *money.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "usage.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	reg := money.NewRegistry()
	return &env{t: t, ctx: ctx, s: s, e: engine.New(s, reg), reg: reg}
}

func (v *env) ok(op engine.Op) engine.Result {
	v.t.Helper()
	res, err := v.e.ApplyOne(v.ctx, op)
	if err != nil {
		v.t.Fatalf("%s: %v", op.Key, err)
	}
	return res
}

// refused applies op, expects code, and checks that nothing was written.
func (v *env) refused(op engine.Op, code string) {
	v.t.Helper()
	_, err := v.e.ApplyOne(v.ctx, op)
	if errcode.Code(err) != code {
		v.t.Errorf("%s: error %v (%s); want %s", op.Key, err, errcode.Code(err), code)
	}
	if code != "key_conflict" {
		if _, err := v.s.EntryByKey(v.ctx, op.Key); !errors.Is(err, ledger.ErrNotFound) {
			v.t.Errorf("%s: refused, yet an entry exists under its key (%v)", op.Key, err)
		}
	}
}

func (v *env) balance(account string) uint64 {
	v.t.Helper()
	bals, err := v.s.AccountBalances(v.ctx, account)
	if err != nil {
		v.t.Fatal(err)
	}
	for _, b := range bals {
		if b.Currency == "USD" {
			return b.Posted().Amount.Uint64()
		}
	}
	return 0
}

// view reads committed state outside any transaction.
type view struct{ v *env }

func (w view) State(key string) ([]byte, bool, error) {
	return w.v.s.State(w.v.ctx, usage.Program, key)
}
func (w view) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}
func (w view) Balance(account, currency string) (ledger.Balance, error) {
	return ledger.Balance{}, nil
}

// tamperedView answers value for key, as if the stored row were changed.
type tamperedView struct {
	view
	key   string
	value []byte
}

func (w tamperedView) State(key string) ([]byte, bool, error) {
	if key == w.key {
		return w.value, true, nil
	}
	return w.view.State(key)
}

func appMining() usage.Config {
	cfg := baseConfig()
	cfg.Pool = usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(100_000_00), Account: "usage:treasury"}
	cfg.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 2000}
	return cfg
}

func batch(epoch uint64, counts map[string]uint64) usage.Batch {
	b := usage.Batch{Epoch: epoch}
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("app-%d", i)
		if c, ok := counts[id]; ok {
			b.Reports = append(b.Reports, usage.Report{Participant: id, Metric: "calls", Count: usage.Count(c)})
		}
	}
	return b
}

func TestEngineAppMining(t *testing.T) {
	v := newEnv(t)
	day := 24 * time.Hour
	v.ok(usage.ApplyConfig("cfg-1", anchor.Add(-day), appMining(), v.reg))
	var ps []usage.Participant
	for i := 1; i <= 5; i++ {
		ps = append(ps, usage.Participant{ID: fmt.Sprintf("app-%d", i), Owner: fmt.Sprintf("dev-%d", i), Account: fmt.Sprintf("dev-%d", i)})
	}
	ps[4].Split = []split.Share{{Account: "dev-5", ShareBP: 5000}, {Account: "dev-5-partner", ShareBP: 5000}}
	v.ok(usage.Register("reg", anchor, ps))
	v.ok(engine.Transfer("fund", anchor, []ledger.Posting{{From: "@sponsor", To: "usage:treasury", Currency: "USD", Amount: money.FromUint64(150_000_00), Path: "funding"}}))
	v.ok(usage.ReportUsage("rep-1", anchor.Add(day), batch(0, map[string]uint64{"app-1": 50, "app-2": 40, "app-3": 30, "app-4": 20, "app-5": 10})))
	v.refused(usage.CloseEpoch("close-0-early", anchor.Add(10*day), 0), "usage_epoch_open")
	feb := anchor.AddDate(0, 1, 0)
	res := v.ok(usage.CloseEpoch("close-0", feb, 0))
	if got := len(res.Entry.Postings); got != 6 {
		t.Errorf("close entry has %d postings; want 6 (five apps, app-5 split in two)", got)
	}
	for acct, want := range map[string]uint64{"dev-1": 20_000_00, "dev-2": 16_000_00, "dev-3": 12_800_00, "dev-4": 10_240_00, "dev-5": 4_096_00, "dev-5-partner": 4_096_00, "usage:treasury": 150_000_00 - 67_232_00} {
		if got := v.balance(acct); got != want {
			t.Errorf("balance of %s = %d; want %d", acct, got, want)
		}
	}
	st, err := usage.ReadStatus(view{v})
	if err != nil || st.Carry.Uint64() != 32_768_00 || st.NextClose != 1 {
		t.Errorf("status = %+v, %v; want carry 3276800 and next close 1", st, err)
	}
	if again := v.ok(usage.CloseEpoch("close-0", feb, 0)); !again.Replayed {
		t.Error("closing again under the same key did not replay")
	}
	v.refused(usage.CloseEpoch("close-0-again", feb.Add(day), 0), "usage_epoch_closed")
	v.refused(usage.CloseEpoch("close-2", feb.AddDate(0, 2, 0), 2), "usage_epoch_order")

	// The statement is recomputed from stored inputs and matches the digest.
	o, sum, err := usage.Explain(view{v}, 0)
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	i, _ := o.Slot("app-3")
	if row := o.Row(i); row.Rank != 3 || row.Amount.Uint64() != 12_800_00 || row.Raw[0] != 30 {
		t.Errorf("app-3's row = %+v; want rank 3, amount 1280000, raw 30", row)
	}
	if sum.CarryOut.Uint64() != 32_768_00 || sum.Pool.Uint64() != 100_000_00 {
		t.Errorf("summary = %+v", sum)
	}
	// A stored input changed after the close (app-1's 50 calls made 51)
	// no longer reproduces the stored digest: the statement is refused,
	// not recomputed into another story.
	// The chunk holds the five counts as one-byte varints, in slot order.
	raw, ok, err := v.s.State(v.ctx, usage.Program, "r/0/0")
	counts := []byte{50, 40, 30, 20, 10}
	if err != nil || !ok || bytes.Count(raw, counts) != 1 {
		t.Fatalf("epoch 0's report chunk = %x, %v, %v; want app-1 … app-5's counts %x in it once", raw, ok, err, counts)
	}
	tampered := tamperedView{view{v}, "r/0/0", bytes.Replace(raw, counts, []byte{51, 40, 30, 20, 10}, 1)}
	if _, _, err := usage.Explain(tampered, 0); errcode.Code(err) != "usage_statement_mismatch" {
		t.Errorf("Explain over a changed report = %v; want usage_statement_mismatch", err)
	}

	// Refusals, each with nothing written.
	v.refused(usage.ReportUsage("rep-closed", feb.Add(day), batch(0, map[string]uint64{"app-1": 1})), "usage_epoch_closed")
	v.refused(usage.ReportUsage("rep-future", feb.Add(day), batch(2, map[string]uint64{"app-1": 1})), "usage_epoch_future")
	v.refused(usage.ReportUsage("rep-metric", feb.Add(day), usage.Batch{Epoch: 1, Reports: []usage.Report{{Participant: "app-1", Metric: "gas", Count: 1}}}), "usage_metric_unknown")
	v.refused(usage.ReportUsage("rep-who", feb.Add(day), usage.Batch{Epoch: 1, Reports: []usage.Report{{Participant: "app-9", Metric: "calls", Count: 1}}}), "usage_participant_unknown")
	v.refused(usage.ReportUsage("rep-big", feb.Add(day), usage.Batch{Epoch: 1, Reports: []usage.Report{{Participant: "app-1", Metric: "calls", Count: usage.CountMax + 1}}}), "usage_count_invalid")
	v.ok(usage.ReportUsage("rep-2", feb.Add(day), batch(1, map[string]uint64{"app-1": 10, "app-2": 10})))
	v.refused(usage.ReportUsage("rep-2", feb.Add(day), batch(1, map[string]uint64{"app-1": 11})), "key_conflict")
	bad := appMining()
	bad.Formula = usage.Formula{Kind: usage.CategoryWeighted, Categories: []usage.Category{{Name: "a", ShareBP: 5000}, {Name: "b", ShareBP: 4000}}}
	v.refused(usage.ApplyConfig("cfg-shares", feb, bad, v.reg), "usage_category_shares_sum")
	bad = appMining()
	bad.Metrics[0].WeightBP = 10001
	v.refused(usage.ApplyConfig("cfg-weight", feb, bad, v.reg), "usage_weight_invalid")
	bad = appMining()
	bad.Formula.DecayBP = 0
	v.refused(usage.ApplyConfig("cfg-unallocatable", feb, bad, v.reg), "usage_pool_unallocatable")
	bad = appMining()
	bad.Epoch.Length = usage.EpochWeek
	v.refused(usage.ApplyConfig("cfg-epoch", feb, bad, v.reg), "usage_config_invalid")
	v.refused(usage.Register("reg-dup", feb, ps[:1]), "usage_participant_exists")
	v.refused(usage.Register("reg-pool", feb, []usage.Participant{{ID: "app-6", Owner: "x", Account: "usage:treasury"}}), "usage_config_invalid")
	v.refused(usage.Update("upd-owner", feb, usage.Participant{ID: "app-1", Account: "thief"}, "dev-2"), "usage_owner_mismatch")

	// A configuration change applies from the next epoch: epoch 1 stays
	// ranked_decay, epoch 2 is pro_rata.
	next := appMining()
	next.Formula = usage.Formula{Kind: usage.ProRata}
	v.ok(usage.ApplyConfig("cfg-2", feb.Add(2*day), next, v.reg))
	vs, _ := usage.ReadVersions(view{v})
	if got, _ := usage.ConfigFor(vs, 1); got.Config.Formula.Kind != usage.RankedDecay {
		t.Errorf("epoch 1 formula = %s; want ranked_decay (changes apply from the next epoch)", got.Config.Formula.Kind)
	}
	if got, _ := usage.ConfigFor(vs, 2); got.Config.Formula.Kind != usage.ProRata {
		t.Errorf("epoch 2 formula = %s; want pro_rata", got.Config.Formula.Kind)
	}

	// Epoch 1: the pool is 100,000 + 32,768 carried, but the treasury holds
	// only 82,768: that is the pool, and 50,000 is a reported shortfall.
	v.ok(usage.Deregister("dereg-2", feb.Add(3*day), "app-2", "dev-2"))
	res = v.ok(usage.CloseEpoch("close-1", anchor.AddDate(0, 2, 0), 1))
	sum1, _ := usage.ReadSummary(view{v}, 1)
	if sum1.Pool.Uint64() != 82_768_00 || sum1.Shortfall.Uint64() != 50_000_00 || sum1.Target.Uint64() != 132_768_00 {
		t.Errorf("epoch 1 summary = pool %s, shortfall %s, target %s; want 8276800, 5000000, 13276800", sum1.Pool, sum1.Shortfall, sum1.Target)
	}
	if got := v.balance("dev-1"); got != 20_000_00+16_553_60 {
		t.Errorf("dev-1 = %d after epoch 1; want %d (20%% of 82,768 more; app-2 deregistered)", got, 20_000_00+16_553_60)
	}
	if got := v.balance("usage:treasury"); got != 82_768_00-16_553_60 {
		t.Errorf("treasury = %d; want %d (never overdrawn)", got, 82_768_00-16_553_60)
	}
	if _, _, err := usage.Explain(view{v}, 1); err != nil {
		t.Errorf("Explain(1): %v", err)
	}
	if _, _, err := usage.Explain(view{v}, 2); errcode.Code(err) != "usage_epoch_open" {
		t.Errorf("Explain(2) = %v; want usage_epoch_open", err)
	}

	// What-if: epochs 0..1 under pro_rata.
	sims, err := usage.Simulate(view{v}, next, 0, 1)
	if err != nil {
		t.Fatalf("Simulate: %v", err)
	}
	if got := sims[0].Alt.Amounts[0].Uint64(); got != 100_000_00*50/150 {
		t.Errorf("simulated pro_rata epoch 0 app-1 = %d; want %d", got, 100_000_00*50/150)
	}

	// tributary verify recomputes each close entry's postings: the real
	// ones match; one paid to another account under app-3's path (the
	// amount right, the explanation unchanged) does not.
	recs := cli.Records(v.ctx, v.s, usage.Program)
	if rep, err := usage.VerifyStatements(recs); err != nil || rep.Checked != 2 || len(rep.Mismatches) != 0 {
		t.Fatalf("verify = %+v, %v; want 2 closes checked, no mismatch", rep, err)
	}
	rep, err := usage.VerifyStatements(redirected{recs, "dev-3", "mallory"})
	if err != nil || len(rep.Mismatches) == 0 || errcode.Code(rep.Mismatches[0]) != "usage_statement_mismatch" || !strings.Contains(rep.Mismatches[0].Error(), "mallory") {
		t.Errorf("verify with dev-3's payout sent to mallory = %+v, %v; want usage_statement_mismatch naming mallory", rep, err)
	}
}

// redirected reads the journal with every posting to account from sent
// to to instead, as a tampered close entry would read.
type redirected struct {
	program.Records
	from, to string
}

func (r redirected) EntryByKey(key string) (ledger.Entry, error) {
	e, err := r.Records.EntryByKey(key)
	e.Postings = slices.Clone(e.Postings)
	for i := range e.Postings {
		if e.Postings[i].To == r.from {
			e.Postings[i].To = r.to
		}
	}
	return e, err
}

func TestEngineRevenuePool(t *testing.T) {
	v := newEnv(t)
	cfg := baseConfig()
	cfg.Pool = usage.Pool{Kind: usage.PoolFixedPercentage, PercentBP: 3000, Account: "usage:revenue"}
	cfg.Metrics = []usage.Metric{{Name: "calls", WeightBP: 7000}, {Name: "users", WeightBP: 3000}}
	v.ok(usage.ApplyConfig("cfg0", anchor.Add(-48*time.Hour), baseConfig(), v.reg))
	v.ok(usage.ApplyConfig("cfg", anchor.Add(-time.Hour), cfg, v.reg)) // before epoch 0 starts: replaces the first
	if vs, _ := usage.ReadVersions(view{v}); len(vs) != 1 || vs[0].Config.Pool.Kind != usage.PoolFixedPercentage {
		t.Errorf("versions = %+v; want the second configuration alone, from epoch 0", vs)
	}
	v.refused(usage.RecordRevenue("rev-early", anchor.Add(-time.Hour), "@platform", money.FromUint64(100), ""), "usage_epoch_future")
	v.ok(usage.Register("reg", anchor, []usage.Participant{{ID: "a", Owner: "a", Account: "a"}, {ID: "b", Owner: "b", Account: "b"}}))
	v.ok(usage.RecordRevenue("rev-1", anchor.Add(time.Hour), "@platform", money.FromUint64(600_00), "USD"))
	v.ok(usage.RecordRevenue("rev-2", anchor.Add(2*time.Hour), "@platform", money.FromUint64(400_00), ""))
	v.refused(usage.RecordRevenue("rev-eth", anchor.Add(2*time.Hour), "@platform", money.FromUint64(1), "ETH"), "usage_config_invalid")
	v.ok(usage.ReportUsage("r", anchor.Add(time.Hour), usage.Batch{Epoch: 0, Reports: []usage.Report{
		{Participant: "a", Metric: "calls", Count: 3}, {Participant: "b", Metric: "calls", Count: 1}, {Participant: "a", Metric: "users", Count: 1}, {Participant: "b", Metric: "users", Count: 1},
	}}))
	v.ok(usage.CloseEpoch("close", anchor.AddDate(0, 1, 0), 0))
	// Pool 30% of 1000.00 = 300.00; a scores 0.7×3/4 + 0.3×1/2 = 0.675.
	if a, b := v.balance("a"), v.balance("b"); a != 202_50 || b != 97_50 {
		t.Errorf("a, b = %d, %d; want 20250, 9750", a, b)
	}
	if got := v.balance("usage:revenue"); got != 700_00 {
		t.Errorf("revenue account keeps %d; want 70000 (the platform's 70%%)", got)
	}
}

// TestEngineReportsBatched: reports applied in one transaction (as group
// commit does) add up, also when both create the epoch's chunk.
func TestEngineReportsBatched(t *testing.T) {
	v := newEnv(t)
	v.ok(usage.ApplyConfig("cfg", anchor, baseConfig(), v.reg))
	v.ok(usage.Register("reg", anchor, []usage.Participant{{ID: "a", Owner: "a", Account: "a"}, {ID: "b", Owner: "b", Account: "b"}}))
	res, err := v.e.Apply(v.ctx, []engine.Op{
		usage.ReportUsage("r1", anchor.Add(time.Hour), usage.Batch{Reports: []usage.Report{{Participant: "a", Metric: "calls", Count: 3}}}),
		usage.ReportUsage("r2", anchor.Add(time.Hour), usage.Batch{Reports: []usage.Report{{Participant: "a", Metric: "calls", Count: 4}, {Participant: "b", Metric: "calls", Count: 3}}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	v.ok(engine.Transfer("fund", anchor, []ledger.Posting{{From: "@sponsor", To: "usage:pool", Currency: "USD", Amount: money.FromUint64(1000), Path: "funding"}}))
	v.ok(usage.CloseEpoch("close", anchor.AddDate(0, 1, 0), 0))
	if a, b := v.balance("a"), v.balance("b"); a != 700 || b != 300 {
		t.Errorf("a, b = %d, %d; want 700, 300 (7 and 3 calls)", a, b)
	}
}
