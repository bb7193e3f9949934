package deps

import (
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/usage"
)

// Sleeper says how the sleeper pool is paid at each close: to repos with
// low import volume but high stability, scored by the usage program's
// formulas (pro_rata, quadratic or ranked_decay over a weighted score of
// the metadata), with a cap per repo.
type Sleeper struct {
	// Weights of the stability metrics in the score, basis points summing
	// to 10000: age in days, dependents, releases without a breaking
	// change.
	AgeBP        uint64 `json:"age_bp" jsonschema:"minimum=0,maximum=10000"`
	DependentsBP uint64 `json:"dependents_bp" jsonschema:"minimum=0,maximum=10000"`
	ReleasesBP   uint64 `json:"releases_bp" jsonschema:"minimum=0,maximum=10000"`
	// Formula divides the pool: `pro_rata`, `quadratic` or `ranked_decay`
	// (the usage program's).
	Formula usage.Formula `json:"formula"`
	// CapBP: no repo gets more than this share of the pool (0: no cap).
	CapBP uint64 `json:"cap_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
	// MaxCalls is "low import volume": a repo called more than this in
	// the epoch (all dependents' beacons together) is not a sleeper.
	MaxCalls uint64 `json:"max_calls"`
}

// usageConfig is the usage program's configuration that scores the
// sleepers of a pool of amount.
func (s Sleeper) usageConfig(currency string, amount money.Amount) usage.Config {
	return usage.Config{
		Currency: currency,
		Epoch:    usage.Epoch{Length: usage.EpochWeek, Anchor: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)},
		Metrics: []usage.Metric{
			{Name: "age_days", WeightBP: s.AgeBP},
			{Name: "dependents", WeightBP: s.DependentsBP},
			{Name: "stable_releases", WeightBP: s.ReleasesBP},
		},
		Pool:    usage.Pool{Kind: usage.PoolFixedAmount, Amount: amount, Account: SleeperAccount},
		Formula: s.Formula,
		CapBP:   s.CapBP,
	}
}

// validate checks the sleeper configuration by the usage program's rules.
//
// Errors: ErrConfig.
func (s Sleeper) validate(currency string) error {
	if s.Formula.Kind == usage.CategoryWeighted {
		return errcode.Errorf(ErrConfig, "sleeper.formula %q needs categories; want pro_rata, quadratic or ranked_decay", s.Formula.Kind)
	}
	if err := s.usageConfig(currency, money.FromUint64(1)).Validate(); err != nil {
		return errcode.Errorf(ErrConfig, "sleeper: %v", err)
	}
	return nil
}

// SleeperPay divides pool among the sleepers: the repos (in ID order)
// with no open advisory whose calls in the epoch (incoming, from every
// dependent's beacons) are at most MaxCalls, scored on their metadata by
// the usage program's Close. It returns each paid repo's amount, in repo
// order; what the formula does not hand out (a cap, ranked_decay's
// remainder) stays in the pool.
//
// Errors: those of usage.Close.
func SleeperPay(s Sleeper, currency string, pool money.Amount, repos []Repo, calls map[string]uint64) ([]Part, error) {
	if pool.IsZero() {
		return nil, nil
	}
	var ids []string
	cols := [3][]uint64{}
	for _, r := range repos {
		if r.Meta.OpenAdvisories > 0 || calls[r.ID] > s.MaxCalls {
			continue
		}
		ids = append(ids, r.ID)
		cols[0] = append(cols[0], r.Meta.AgeDays)
		cols[1] = append(cols[1], r.Meta.Dependents)
		cols[2] = append(cols[2], r.Meta.StableReleases)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	in := &usage.Input{Config: s.usageConfig(currency, pool), IDs: ids, Category: make([]string, len(ids)), Active: make([]bool, len(ids)), Counts: cols[:], Funding: pool}
	for i := range in.Active {
		in.Active[i] = true
	}
	out, err := usage.Close(in)
	if err != nil {
		return nil, err
	}
	var parts []Part
	for i, a := range out.Amounts {
		if !a.IsZero() {
			parts = append(parts, Part{Account: ids[i], Amount: a})
		}
	}
	return parts, nil
}
