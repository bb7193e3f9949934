package usage_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/holiman/uint256"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
)

var anchor = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// baseConfig is a one-metric pro_rata program paying a fixed amount.
func baseConfig() usage.Config {
	return usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochMonth, Anchor: anchor},
		Metrics:  []usage.Metric{{Name: "calls", WeightBP: 10000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1000), Account: "usage:pool"},
		Formula:  usage.Formula{Kind: usage.ProRata},
	}
}

// input builds an Input for participants p0, p1, … with one column of
// counts per metric, funded with what the pool asks for.
func input(cfg usage.Config, counts ...[]uint64) *usage.Input {
	n := len(counts[0])
	in := &usage.Input{Config: cfg, Counts: counts, IDs: make([]string, n), Category: make([]string, n), Active: make([]bool, n), Funding: money.Max}
	for i := range in.IDs {
		in.IDs[i], in.Active[i] = fmt.Sprintf("p%d", i), true
	}
	return in
}

func amounts(o *usage.Outcome) []uint64 {
	out := make([]uint64, len(o.Amounts))
	for i, a := range o.Amounts {
		out[i] = a.Uint64()
	}
	return out
}

func mustClose(t *testing.T, in *usage.Input) *usage.Outcome {
	t.Helper()
	if err := in.Config.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	o, err := usage.Close(in)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	return o
}

// TestRankedDecayGolden is the seed's App Mining example: $100,000 at 20%
// over five ranked apps.
func TestRankedDecayGolden(t *testing.T) {
	cfg := baseConfig()
	cfg.Pool.Amount = money.FromUint64(100_000_00) // cents
	cfg.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 2000}
	// Registration order differs from rank order: the ladder follows scores.
	o := mustClose(t, input(cfg, []uint64{30, 50, 10, 40, 20}))
	got := fmt.Sprint(amounts(o))
	if want := fmt.Sprint([]uint64{12_800_00, 20_000_00, 8_192_00, 16_000_00, 10_240_00}); got != want {
		t.Errorf("ranked_decay payouts = %s; want %s", got, want)
	}
	if o.CarryOut.Uint64() != 32_768_00 {
		t.Errorf("carry = %s; want 3276800 ($32,768)", o.CarryOut)
	}
	if o.Rank[1] != 1 || o.Rank[2] != 5 {
		t.Errorf("ranks = %v; want p1 first and p2 fifth", o.Rank)
	}
}

func TestFormulas(t *testing.T) {
	two := func(c *usage.Config) {
		c.Metrics = []usage.Metric{{Name: "calls", WeightBP: 5000}, {Name: "users", WeightBP: 5000}}
	}
	tests := []struct {
		name   string
		mod    func(*usage.Config)
		hist   usage.History
		counts [][]uint64
		cats   []string
		want   []uint64
		carry  uint64
	}{
		{"pro_rata exact", nil, usage.History{}, [][]uint64{{1, 2, 3, 4}}, nil, []uint64{100, 200, 300, 400}, 0},
		{"pro_rata largest remainder", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(100) }, usage.History{}, [][]uint64{{1, 1, 1}}, nil, []uint64{34, 33, 33}, 0},
		{"pro_rata two weighted metrics", two, usage.History{}, [][]uint64{{30, 10, 60}, {10, 30, 60}}, nil, []uint64{200, 200, 600}, 0},
		// Scores 1/30, 4/30, 9/30, 16/30: square roots 1:2:3:4.
		{"quadratic", func(c *usage.Config) { c.Formula.Kind = usage.Quadratic }, usage.History{}, [][]uint64{{1, 4, 9, 16}}, nil, []uint64{100, 200, 300, 400}, 0},
		{"category_weighted", func(c *usage.Config) {
			c.Formula = usage.Formula{Kind: usage.CategoryWeighted, Categories: []usage.Category{{Name: "utility", ShareBP: 6000}, {Name: "social", ShareBP: 4000}}}
		}, usage.History{}, [][]uint64{{1, 3, 1, 1}}, []string{"utility", "utility", "social", "social"}, []uint64{150, 450, 200, 200}, 0},
		{"category_weighted empty category carries", func(c *usage.Config) {
			c.Formula = usage.Formula{Kind: usage.CategoryWeighted, Categories: []usage.Category{{Name: "utility", ShareBP: 6000}, {Name: "social", ShareBP: 4000}}}
		}, usage.History{}, [][]uint64{{1, 3}}, []string{"utility", "games"}, []uint64{600, 0}, 400},
		{"cap redistributes once", func(c *usage.Config) { c.CapBP = 4000 }, usage.History{}, [][]uint64{{70, 20, 10}}, nil, []uint64{400, 400, 200}, 0},
		{"cap redistributes until everyone is capped", func(c *usage.Config) { c.CapBP = 3000 }, usage.History{}, [][]uint64{{70, 20, 10}}, nil, []uint64{300, 300, 300}, 100},
		// Past scores 10^16 (all of it) twice for p0, nothing for p1; now both
		// half: p0 averages 2.5/3, p1 0.5/3 of 10^16: 5:1.
		{"rolling average of 3", func(c *usage.Config) {
			c.Pool.Amount = money.FromUint64(600)
			c.Smoothing = usage.Smoothing{Kind: usage.SmoothingRolling, Epochs: 3}
		}, usage.History{Past: [][]uint64{{1e16, 0}, {1e16, 0}}}, [][]uint64{{1, 1}}, nil, []uint64{500, 100}, 0},
		// p0 smoothed 10^16 before; now both half: p0 0.75, p1 0.25.
		{"decay 50%", func(c *usage.Config) {
			c.Pool.Amount = money.FromUint64(400)
			c.Smoothing = usage.Smoothing{Kind: usage.SmoothingDecay, DecayBP: 5000}
		}, usage.History{Smoothed: []uint64{1e16, 0}}, [][]uint64{{1, 1}}, nil, []uint64{300, 100}, 0},
		{"tier doubles a two-epoch streak", func(c *usage.Config) {
			c.Pool.Amount = money.FromUint64(300)
			c.Tier = &usage.Tier{Metric: "calls", Threshold: 10, Levels: []usage.TierLevel{{Epochs: 2, MultiplierBP: 20000}}}
		}, usage.History{Streak: []uint64{1, 0}}, [][]uint64{{10, 10}}, nil, []uint64{200, 100}, 0},
		{"outliers clipped at 2x the median", func(c *usage.Config) {
			c.Pool.Amount = money.FromUint64(500)
			c.Metrics[0].ClipBP = 20000
		}, usage.History{}, [][]uint64{{10, 10, 10, 1000}}, nil, []uint64{100, 100, 100, 200}, 0},
		{"min score", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(100); c.Qualify.MinScoreBP = 1000 }, usage.History{}, [][]uint64{{95, 5}}, nil, []uint64{100, 0}, 0},
		{"min active users", func(c *usage.Config) {
			two(c)
			c.Qualify = usage.Qualify{ActiveUsersMetric: "users", MinActiveUsers: 5}
		}, usage.History{}, [][]uint64{{50, 50}, {4, 5}}, nil, []uint64{0, 1000}, 0},
		{"ranked_decay spread", func(c *usage.Config) {
			c.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 5000, Remainder: usage.RemainderSpread}
		}, usage.History{}, [][]uint64{{2, 1}}, nil, []uint64{667, 333}, 0},
		{"ranked_decay ranks limit", func(c *usage.Config) {
			c.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 5000, Ranks: 1}
		}, usage.History{}, [][]uint64{{2, 1}}, nil, []uint64{500, 0}, 500},
		{"nobody reported: all carried", nil, usage.History{}, [][]uint64{{0, 0}}, nil, []uint64{0, 0}, 1000},
	}
	for _, tt := range tests {
		cfg := baseConfig()
		if tt.mod != nil {
			tt.mod(&cfg)
		}
		in := input(cfg, tt.counts...)
		in.History = tt.hist
		if tt.cats != nil {
			in.Category = tt.cats
		}
		o := mustClose(t, in)
		if got := fmt.Sprint(amounts(o)); got != fmt.Sprint(tt.want) {
			t.Errorf("%s: amounts = %s; want %v", tt.name, got, tt.want)
		}
		if o.CarryOut.Uint64() != tt.carry {
			t.Errorf("%s: carry = %s; want %d", tt.name, o.CarryOut, tt.carry)
		}
	}
}

// TestMedianAndMinScore works the rules of revision 2 by hand (issue
// #18.4, #18.5), beside what the original rules gave, which Explain still
// uses for epochs closed under them.
func TestMedianAndMinScore(t *testing.T) {
	type want struct {
		median, clipAt uint64
		amounts        []uint64
		reasons        string
	}
	for _, tt := range []struct {
		name     string
		mod      func(*usage.Config)
		counts   []uint64
		now, was want // under Rules, and under RulesOriginal
	}{
		// {100,100,300,500}: the median is (100+300)/2 = 200, not the lower
		// middle count 100. Clipped at 1× it: 100, 100, 200, 200 of 600.
		{"even: the mean of the middle two", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(600); c.Metrics[0].ClipBP = 10000 },
			[]uint64{100, 100, 300, 500},
			want{200, 200, []uint64{100, 100, 200, 200}, ",,,"},
			want{100, 100, []uint64{150, 150, 150, 150}, ",,,"}},
		// {1,2}: the mean is 1.5, a half, which rounds up to 2; clipped at
		// 1× it nothing is clipped: 1 and 2 of 3.
		{"even: a half rounds up", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(300); c.Metrics[0].ClipBP = 10000 },
			[]uint64{1, 2},
			want{2, 2, []uint64{100, 200}, ","},
			want{1, 1, []uint64{150, 150}, ","}},
		// Zeros are not counted: the counts are {4,7,10}, median 7; clipped
		// at 1.5× it, 10.5 rounds down to 10: nothing is clipped.
		{"odd: the middle count", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(2100); c.Metrics[0].ClipBP = 15000 },
			[]uint64{0, 10, 4, 7},
			want{7, 10, []uint64{0, 1000, 400, 700}, "no score,,,"},
			want{7, 10, []uint64{0, 1000, 400, 700}, "no score,,,"}},
		// Scores 40%, 30%, 20%, 6%, 4% of the metric. min_score_bp 1500 is
		// 15% of the top score 40%: 6%, exactly; 6% qualifies (at least),
		// 4% does not. Originally it was 15% of everything: only the top
		// three qualified.
		{"min_score_bp is a share of the top score", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(960); c.Qualify.MinScoreBP = 1500 },
			[]uint64{40, 30, 20, 6, 4},
			want{0, 0, []uint64{400, 300, 200, 60, 0}, ",,,,below min_score_bp"},
			want{0, 0, []uint64{427, 320, 213, 0, 0}, ",,,below min_score_bp,below min_score_bp"}},
		// 10000 pays only the top score, and those equal to it.
		{"min_score_bp 10000: the top only", func(c *usage.Config) { c.Pool.Amount = money.FromUint64(100); c.Qualify.MinScoreBP = 10000 },
			[]uint64{5, 5, 4},
			want{0, 0, []uint64{50, 50, 0}, ",,below min_score_bp"},
			want{0, 0, []uint64{0, 0, 0}, "below min_score_bp,below min_score_bp,below min_score_bp"}},
	} {
		for _, rev := range []struct {
			rules int
			w     want
		}{{0, tt.now}, {usage.RulesOriginal, tt.was}} {
			cfg := baseConfig()
			tt.mod(&cfg)
			in := input(cfg, tt.counts)
			in.Rules = rev.rules
			o := mustClose(t, in)
			var reasons []string
			for i := range in.IDs {
				reasons = append(reasons, o.Row(i).Reason)
			}
			if o.Medians[0] != rev.w.median || o.ClipAt[0] != rev.w.clipAt || fmt.Sprint(amounts(o)) != fmt.Sprint(rev.w.amounts) || strings.Join(reasons, ",") != rev.w.reasons {
				t.Errorf("%s (rules %d): median %d, clip at %d, amounts %v, reasons %q; want %d, %d, %v, %q",
					tt.name, rev.rules, o.Medians[0], o.ClipAt[0], amounts(o), strings.Join(reasons, ","), rev.w.median, rev.w.clipAt, rev.w.amounts, rev.w.reasons)
			}
		}
	}
}

func TestHistoryCarriedForward(t *testing.T) {
	cfg := baseConfig()
	cfg.Smoothing = usage.Smoothing{Kind: usage.SmoothingRolling, Epochs: 3}
	cfg.Tier = &usage.Tier{Metric: "calls", Threshold: 2, Levels: []usage.TierLevel{{Epochs: 1, MultiplierBP: 10000}}}
	in := input(cfg, []uint64{1, 3})
	in.History = usage.History{Past: [][]uint64{{7, 8}, {9, 10}}, Streak: []uint64{4, 4}}
	o := mustClose(t, in)
	if got, want := fmt.Sprint(o.Next.Past), fmt.Sprint([][]uint64{{25e14, 75e14}, {7, 8}}); got != want {
		t.Errorf("next past = %s; want %s", got, want)
	}
	if got, want := fmt.Sprint(o.Next.Streak), "[0 5]"; got != want {
		t.Errorf("next streaks = %s; want %s (below the threshold resets)", got, want)
	}
}

func TestPool(t *testing.T) {
	bands := []usage.Band{{UpTo: money.FromUint64(1000), RateBP: 1000}, {UpTo: money.FromUint64(5000), RateBP: 2000}, {RateBP: 3000}}
	tests := []struct {
		name                         string
		pool                         usage.Pool
		revenue, carry, funding      uint64
		target, poolAmount, shortage uint64
	}{
		{"fixed percentage rounds down", usage.Pool{Kind: usage.PoolFixedPercentage, PercentBP: 2000}, 12345, 0, 1 << 40, 2469, 2469, 0},
		{"carry-in adds", usage.Pool{Kind: usage.PoolFixedPercentage, PercentBP: 2000}, 12345, 31, 1 << 40, 2500, 2500, 0},
		{"dynamic bands marginal", usage.Pool{Kind: usage.PoolDynamic, Bands: bands}, 10000, 0, 1 << 40, 100 + 800 + 1500, 2400, 0},
		{"dynamic within first band", usage.Pool{Kind: usage.PoolDynamic, Bands: bands}, 500, 0, 1 << 40, 50, 50, 0},
		{"fixed amount short of funds", usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1000)}, 0, 0, 600, 1000, 600, 400},
	}
	for _, tt := range tests {
		cfg := baseConfig()
		tt.pool.Account = "usage:pool"
		cfg.Pool = tt.pool
		in := input(cfg, []uint64{1, 2})
		in.Revenue, in.CarryIn, in.Funding = money.FromUint64(tt.revenue), money.FromUint64(tt.carry), money.FromUint64(tt.funding)
		o := mustClose(t, in)
		if o.Target.Uint64() != tt.target || o.Pool.Uint64() != tt.poolAmount || o.Shortfall.Uint64() != tt.shortage {
			t.Errorf("%s: target %s, pool %s, shortfall %s; want %d, %d, %d", tt.name, o.Target, o.Pool, o.Shortfall, tt.target, tt.poolAmount, tt.shortage)
		}
	}
}

func TestIsqrt(t *testing.T) {
	for _, x := range []uint64{0, 1, 2, 3, 4, 15, 16, 17, 1<<32 - 1, 1 << 32, 1<<64 - 1, 1e16, 99999999999999999} {
		r := new(big.Int).Sqrt(new(big.Int).SetUint64(x)).Uint64()
		if got := usage.Isqrt(x); got != r {
			t.Errorf("Isqrt(%d) = %d; want %d", x, got, r)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		x := rng.Uint64() >> rng.IntN(64)
		if got, want := usage.Isqrt(x), new(big.Int).Sqrt(new(big.Int).SetUint64(x)).Uint64(); got != want {
			t.Fatalf("Isqrt(%d) = %d; want %d", x, got, want)
		}
	}
}

// randomInput draws a random program and epoch.
func randomInput(rng *rand.Rand) *usage.Input {
	cfg := baseConfig()
	M := 1 + rng.IntN(4)
	cfg.Metrics = nil
	left := uint64(10000)
	for m := 0; m < M; m++ {
		w := left
		if m < M-1 {
			w = rng.Uint64N(left + 1)
		}
		left -= w
		metric := usage.Metric{Name: fmt.Sprintf("m%d", m), WeightBP: w}
		if rng.IntN(3) == 0 {
			metric.ClipBP = 10000 + rng.Uint64N(50000)
		}
		cfg.Metrics = append(cfg.Metrics, metric)
	}
	cfg.Pool.Amount = money.FromUint64(1 + rng.Uint64N(1<<uint(1+rng.IntN(50))))
	if rng.IntN(3) == 0 {
		cfg.CapBP = 1 + rng.Uint64N(10000)
	}
	n := 1 + rng.IntN(60)
	counts := make([][]uint64, M)
	for m := range counts {
		counts[m] = make([]uint64, n)
		for i := range counts[m] {
			if rng.IntN(5) > 0 {
				counts[m][i] = rng.Uint64N(1 << uint(rng.IntN(40)))
			}
		}
	}
	in := input(cfg, counts...)
	for i := range in.Active {
		in.Active[i] = rng.IntN(10) > 0
	}
	if rng.IntN(3) == 0 {
		in.Funding = money.FromUint64(rng.Uint64N(1 << 40))
	}
	return in
}

func TestPropertyConservation(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	kinds := []usage.Formula{{Kind: usage.ProRata}, {Kind: usage.Quadratic}, {Kind: usage.RankedDecay, DecayBP: 2000}, {Kind: usage.RankedDecay, DecayBP: 3000, Remainder: usage.RemainderSpread},
		{Kind: usage.CategoryWeighted, Categories: []usage.Category{{Name: "a", ShareBP: 3333}, {Name: "b", ShareBP: 6667}}}}
	for iter := 0; iter < 2000; iter++ {
		in := randomInput(rng)
		in.Config.Formula = kinds[iter%len(kinds)]
		for i := range in.Category {
			in.Category[i] = []string{"a", "b", "c"}[rng.IntN(3)]
		}
		o := mustClose(t, in)
		var sum money.Amount
		for i, a := range o.Amounts {
			sum, _ = sum.Add(a)
			if !a.IsZero() && !in.Active[i] {
				t.Fatalf("iteration %d: deregistered p%d paid %s", iter, i, a)
			}
			if in.Config.CapBP > 0 && a.Cmp(o.Cap) > 0 {
				t.Fatalf("iteration %d: p%d paid %s above the cap %s", iter, i, a, o.Cap)
			}
		}
		total, _ := sum.Add(o.CarryOut)
		if total != o.Pool {
			t.Fatalf("iteration %d (%s): paid %s + carried %s != pool %s", iter, in.Config.Formula.Kind, sum, o.CarryOut, o.Pool)
		}
		if back, _ := o.Pool.Add(o.Shortfall); back != o.Target || o.Pool.Cmp(in.Funding) > 0 {
			t.Fatalf("iteration %d: pool %s + shortfall %s != target %s, or above funding %s", iter, o.Pool, o.Shortfall, o.Target, in.Funding)
		}
	}
}

// TestPropertyQuadraticFlattens: the top participant's quadratic payout is
// never above its pro_rata payout (one unit of rounding allowed: both
// allocations round independently).
func TestPropertyQuadraticFlattens(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for iter := 0; iter < 2000; iter++ {
		in := randomInput(rng)
		in.Config.CapBP = 0
		pro := mustClose(t, in)
		in.Config.Formula.Kind = usage.Quadratic
		quad := mustClose(t, in)
		top := 0
		for i := range pro.Score {
			if pro.Score[i] > pro.Score[top] {
				top = i
			}
		}
		limit, _ := pro.Amounts[top].Add(money.FromUint64(1))
		if quad.Amounts[top].Cmp(limit) > 0 {
			t.Fatalf("iteration %d: top participant gets %s under quadratic, %s under pro_rata", iter, quad.Amounts[top], pro.Amounts[top])
		}
	}
}

// TestPropertyMonotone: raising a participant's count never lowers its
// pro_rata payout by more than one unit of rounding.
func TestPropertyMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 11))
	for iter := 0; iter < 2000; iter++ {
		in := randomInput(rng)
		in.Config.CapBP = 0
		for m := range in.Config.Metrics {
			in.Config.Metrics[m].ClipBP = 0 // clipping moves the median, which is a different property
		}
		before := mustClose(t, in)
		i, m := rng.IntN(len(in.IDs)), rng.IntN(len(in.Config.Metrics))
		raised := make([][]uint64, len(in.Counts))
		for k := range in.Counts {
			raised[k] = append([]uint64(nil), in.Counts[k]...)
		}
		raised[m][i] += 1 + rng.Uint64N(1000)
		in2 := *in
		in2.Counts = raised
		after := mustClose(t, &in2)
		floor, _ := before.Amounts[i].Sub(money.FromUint64(1))
		if before.Amounts[i].IsZero() {
			floor = money.Zero
		}
		if after.Amounts[i].Cmp(floor) < 0 {
			t.Fatalf("iteration %d: raising p%d's %s lowered its payout from %s to %s", iter, i, in.Config.Metrics[m].Name, before.Amounts[i], after.Amounts[i])
		}
	}
}

// TestPropertyStatementDeterministic: the same input gives the same bytes,
// and every hand-written line is what encoding/json writes for the row.
func TestPropertyStatementDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	for iter := 0; iter < 300; iter++ {
		in := randomInput(rng)
		var a, b bytes.Buffer
		if err := mustClose(t, in).WriteStatement(&a); err != nil {
			t.Fatal(err)
		}
		o := mustClose(t, in)
		if err := o.WriteStatement(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("iteration %d: statements differ between runs", iter)
		}
		lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
		row := 1
		for i := range in.IDs {
			if !o.Listed(i) {
				continue
			}
			want, _ := json.Marshal(o.Row(i))
			if lines[row] != string(want) {
				t.Fatalf("iteration %d: line %d = %s; want %s", iter, row, lines[row], want)
			}
			row++
		}
		if row != len(lines) {
			t.Fatalf("iteration %d: %d lines; want %d", iter, len(lines), row)
		}
	}
}

func TestEpochNumbers(t *testing.T) {
	tests := []struct {
		e     usage.Epoch
		at    time.Time
		n     uint64
		start time.Time
	}{
		{usage.Epoch{Length: usage.EpochMonth, Anchor: anchor}, time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), 2, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{usage.Epoch{Length: usage.EpochMonth, Anchor: anchor}, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 12, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)},
		{usage.Epoch{Length: usage.EpochMonth, Anchor: anchor.AddDate(0, 0, 14)}, time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), 0, anchor.AddDate(0, 0, 14)},
		{usage.Epoch{Length: usage.EpochWeek, Anchor: anchor}, anchor.AddDate(0, 0, 15), 2, anchor.AddDate(0, 0, 14)},
		{usage.Epoch{Length: usage.EpochDay, Anchor: anchor}, anchor.Add(36 * time.Hour), 1, anchor.AddDate(0, 0, 1)},
		{usage.Epoch{Length: usage.EpochSeconds, Seconds: 3600, Anchor: anchor}, anchor.Add(90 * time.Minute), 1, anchor.Add(time.Hour)},
	}
	for _, tt := range tests {
		n, err := tt.e.Number(tt.at)
		if err != nil || n != tt.n || !tt.e.Start(n).Equal(tt.start) {
			t.Errorf("%s epoch of %s = %d (start %s), %v; want %d (start %s)", tt.e.Length, tt.at, n, tt.e.Start(n), err, tt.n, tt.start)
		}
	}
	if _, err := (usage.Epoch{Length: usage.EpochDay, Anchor: anchor}).Number(anchor.Add(-time.Second)); err == nil {
		t.Error("a time before the anchor has an epoch; want usage_epoch_future")
	}
}

// TestRankedDecayRanksPastTheLastUnit: once the ladder's rungs round to
// nothing, later participants are still ranked, and paid nothing.
func TestRankedDecayRanksPastTheLastUnit(t *testing.T) {
	cfg := baseConfig()
	cfg.Pool.Amount = money.FromUint64(10)
	cfg.Formula = usage.Formula{Kind: usage.RankedDecay, DecayBP: 5000}
	o := mustClose(t, input(cfg, []uint64{1, 2, 3, 4, 5, 6, 7, 8}))
	if got, want := fmt.Sprint(amounts(o)), fmt.Sprint([]uint64{0, 0, 0, 0, 1, 1, 2, 5}); got != want {
		t.Errorf("payouts = %s; want %s", got, want)
	}
	if got, want := fmt.Sprint(o.Rank), fmt.Sprint([]uint32{8, 7, 6, 5, 4, 3, 2, 1}); got != want {
		t.Errorf("ranks = %s; want %s", got, want)
	}
}

// TestStatementBlocks: a statement of several blocks of lines is the same
// bytes on any number of cores, and every line is what encoding/json
// writes for its row, amounts above 64 bits included.
func TestStatementBlocks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(21, 34))
	in := benchInput(3*4096+17, usage.Formula{Kind: usage.ProRata})
	in.Config.Pool.Amount = money.FromUint256(new(uint256.Int).Lsh(uint256.NewInt(1), 100))
	in.Config.CapBP = 0
	in.Funding = money.Max
	for i := range in.Active {
		in.Active[i] = rng.IntN(10) > 0
		if rng.IntN(10) == 0 {
			for m := range in.Counts {
				in.Counts[m][i] = 0
			}
		}
	}
	o := mustClose(t, in)
	var want []byte
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		var b bytes.Buffer
		if err := o.WriteStatement(&b); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = b.Bytes()
			continue
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Fatalf("statement on %d cores differs from the one on 1", procs)
		}
	}
	lines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	row, big := 1, 0
	for i := range in.IDs {
		if !o.Listed(i) {
			continue
		}
		r := o.Row(i)
		if !r.Amount.IsUint64() {
			big++
		}
		line, _ := json.Marshal(r)
		if lines[row] != string(line) {
			t.Fatalf("line %d = %s; want %s", row, lines[row], line)
		}
		row++
	}
	if row != len(lines) || big == 0 {
		t.Fatalf("%d lines, %d amounts above 64 bits; want %d lines and some", len(lines), big, row)
	}
}

// TestStatementManyMetrics: Close takes any configuration, validated or
// not; a statement of more metrics than MetricsMax is still written as
// encoding/json writes its rows.
func TestStatementManyMetrics(t *testing.T) {
	cfg := baseConfig()
	cfg.Metrics = nil
	var counts [][]uint64
	for m := range usage.MetricsMax + 3 {
		cfg.Metrics = append(cfg.Metrics, usage.Metric{Name: fmt.Sprintf("m%d", m), WeightBP: 500})
		counts = append(counts, []uint64{uint64(m + 1), 7, 0})
	}
	o, err := usage.Close(input(cfg, counts...)) // not mustClose: it validates
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := o.WriteStatement(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	for i := range 3 {
		want, _ := json.Marshal(o.Row(i))
		if lines[i+1] != string(want) {
			t.Errorf("line %d = %s; want %s", i+1, lines[i+1], want)
		}
	}
}
