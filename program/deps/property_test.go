package deps

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// randomWorld makes a world of n repos with random dependencies (cycles
// included), unlinked packages, forks, acceptances, pass rates, telemetry
// and treasuries that sometimes cannot cover the budget.
func randomWorld(r *rand.Rand, n int) World {
	w := World{
		Params: Params{Currency: "USD", Anchor: anchor, SleeperBP: uint64(r.IntN(3000)), DepthMax: 1 + r.IntN(DepthLimit),
			PassMin:  money.FromUint64(uint64(r.IntN(20))),
			BaseRate: BaseRate{Public: money.FromUint64(uint64(r.IntN(1_000_000))), Private: money.FromUint64(uint64(r.IntN(2_000_000))), NoTelemetry: money.FromUint64(uint64(r.IntN(500_000)))}},
		Deps: map[string][]string{}, Usage: map[string]map[string]uint64{}, Available: map[string]money.Amount{},
	}
	if r.IntN(2) == 0 {
		w.Params.PassBP = []uint64{uint64(r.IntN(10001)), uint64(r.IntN(10001))}
	}
	pkgs := func(i int) string { return fmt.Sprintf("npm:p%d", i) }
	for i := 0; i < n; i++ {
		a := DefaultAsset()
		a.Multiplier = Decimal(r.Uint64N(uint64(3 * DecimalOne)))
		a.Acceptance = Decimal(r.Uint64N(uint64(DecimalOne) + 1))
		if r.IntN(4) == 0 {
			a.Acceptance = DecimalOne
		}
		a.AllowForks = r.IntN(2) == 0
		if r.IntN(2) == 0 {
			a.PassSet = true
			for d := 0; d < r.IntN(4); d++ {
				a.PassBP = append(a.PassBP, uint64(r.IntN(10001)))
			}
		}
		if r.IntN(3) == 0 {
			a.Contributors = []split.Share{{Account: fmt.Sprintf("c%d:a", i), ShareBP: 3333}, {Account: fmt.Sprintf("c%d:b", i), ShareBP: 6667}}
		}
		repo := Repo{ID: fmt.Sprintf("repo/%d", i), Owner: fmt.Sprintf("own:%d", r.IntN(n)), Treasury: fmt.Sprintf("t:%d", i), Visibility: Public, Asset: a, Packages: []string{pkgs(i)},
			Meta: Meta{Stars: uint64(r.IntN(100)), Commits90: uint64(r.IntN(10))}}
		if r.IntN(5) == 0 {
			repo.Visibility = Private
		}
		if r.IntN(6) == 0 {
			repo.ForkOf = fmt.Sprintf("repo/%d", r.IntN(n))
		}
		w.Repos = append(w.Repos, repo)
		deps := r.IntN(6)
		for k := 0; k < deps; k++ {
			j := r.IntN(n + n/2) // some are packages of no repo
			w.Deps[repo.ID] = append(w.Deps[repo.ID], pkgs(j))
		}
		if r.IntN(2) == 0 {
			u := map[string]uint64{}
			for _, p := range w.Deps[repo.ID] {
				u[p] = uint64(r.IntN(3)) * uint64(r.IntN(1_000_000))
			}
			w.Usage[repo.ID] = u
		}
		w.Available[repo.Treasury] = money.FromUint64(uint64(r.IntN(3_000_000)))
	}
	return w
}

// TestConservation checks, over many random graphs, that every payer's
// reservation is paid, refused, skimmed or escrowed to the unit, that its
// budget is reserved or reported short, that paths are simple and no
// deeper than depth_max, and that the close posts exactly what was
// reserved.
func TestConservation(t *testing.T) {
	for seed := uint64(0); seed < 400; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		w := randomWorld(r, 2+r.IntN(40))
		plan, err := Rule(seed, w)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		byPayer := map[string][3]money.Amount{}
		for _, s := range plan.Streams {
			seen := map[string]bool{s.Payer: true}
			for _, n := range s.Path {
				if seen[n] {
					t.Fatalf("seed %d: path %s → %v repeats %s", seed, s.Payer, s.Path, n)
				}
				seen[n] = true
			}
			if s.Depth() > w.Params.withDefaults().DepthMax {
				t.Fatalf("seed %d: depth %d over %d", seed, s.Depth(), w.Params.DepthMax)
			}
			if sum := mustAdd(s.Paid, s.Refused); !s.Escrow && sum.Cmp(s.Kept) != 0 {
				t.Fatalf("seed %d: stream %v paid %s + refused %s ≠ kept %s", seed, s.Path, s.Paid, s.Refused, s.Kept)
			}
			b := byPayer[s.Payer]
			b[0], b[1] = mustAdd(b[0], s.Paid), mustAdd(b[1], s.Refused)
			if s.Escrow {
				b[2] = mustAdd(b[2], s.Kept)
			}
			byPayer[s.Payer] = b
		}
		for _, p := range plan.Payers {
			sum := mustAdd(mustAdd(p.Paid, p.Refused), mustAdd(p.Sleeper, p.Escrow))
			if sum.Cmp(p.Reserved) != 0 {
				t.Fatalf("seed %d: payer %s: paid %s + refused %s + sleeper %s + escrow %s = %s; reserved %s", seed, p.Repo, p.Paid, p.Refused, p.Sleeper, p.Escrow, sum, p.Reserved)
			}
			if mustAdd(p.Reserved, p.Shortfall).Cmp(p.Budget) != 0 {
				t.Fatalf("seed %d: payer %s: reserved %s + shortfall %s ≠ budget %s", seed, p.Repo, p.Reserved, p.Shortfall, p.Budget)
			}
			if p.Reserved.Cmp(w.Available[p.Treasury]) > 0 {
				t.Fatalf("seed %d: payer %s reserved %s of %s", seed, p.Repo, p.Reserved, w.Available[p.Treasury])
			}
			b := byPayer[p.Repo]
			if b[0].Cmp(p.Paid) != 0 || b[1].Cmp(p.Refused) != 0 || b[2].Cmp(p.Escrow) != 0 {
				t.Fatalf("seed %d: payer %s's streams sum to %v; line %+v", seed, p.Repo, b, p)
			}
		}
		if _, err := Settle(plan); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}
