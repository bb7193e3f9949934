package deps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/wire"
)

// RepoRequest links a repo.
type RepoRequest struct {
	ID         string   `json:"id"`
	Owner      string   `json:"owner" schema:"AccountName"`
	Treasury   string   `json:"treasury" schema:"AccountName"`
	Visibility string   `json:"visibility" jsonschema:"enum=public,enum=private"`
	ForkOf     string   `json:"fork_of,omitempty"`
	Packages   []string `json:"packages,omitempty"`
}

// PackagesRequest replaces the packages a repo publishes.
type PackagesRequest struct {
	Packages []string `json:"packages"`
}

// AssetRequest applies an asset.toml.
type AssetRequest struct {
	// The asset.toml, as text.
	TOML string `json:"toml"`
}

// LockfileRequest uploads a lockfile.
type LockfileRequest struct {
	// The file's name, used to detect its format ("package-lock.json").
	Name string `json:"name,omitempty"`
	// The format, when it is not detected: npm, pnpm, yarn, yarn-berry,
	// cargo, go, gomod, poetry, uv.
	Format string `json:"format,omitempty"`
	// The lockfile's text.
	Content string `json:"content"`
	// With format go: the main module's go.mod.
	GoMod string `json:"go_mod,omitempty"`
}

// UsageBatch is a batch of aggregate usage reports. Each report holds
// exactly from, to, calls, epoch and source: any other field (an identity,
// a payload) is refused.
type UsageBatch struct {
	Reports []Report `json:"reports" jsonschema:"minItems=1,maxItems=10000"`
}

// UsageJSON answers a batch.
type UsageJSON struct {
	Recorded int `json:"recorded"`
}

var reportFields = []string{"calls", "epoch", "from", "source", "to"}

// ParseUsage reads a batch of reports, refusing any field a report does
// not have (beacons carry counts only, never an identity or a payload)
// and any count that is not a whole number from 0 to 2^64-1.
//
// Errors: ErrUsage.
func ParseUsage(data []byte) ([]Report, error) {
	var batch map[string]json.RawMessage
	if err := json.Unmarshal(data, &batch); err != nil {
		return nil, errcode.Errorf(ErrUsage, "the body is not a JSON object: %v", err)
	}
	for k := range batch {
		if k != "reports" {
			return nil, errcode.Errorf(ErrUsage, "field %q is not allowed; a batch holds only \"reports\"", k)
		}
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(batch["reports"], &raws); err != nil {
		return nil, errcode.Errorf(ErrUsage, "reports is not a list of objects: %v", err)
	}
	out := make([]Report, len(raws))
	for i, raw := range raws {
		for k := range raw {
			if !slices.Contains(reportFields, k) {
				return nil, errcode.Errorf(ErrUsage, "report %d has field %q; reports hold aggregate counts only (from, to, calls, epoch, source), never an identity or a payload", i, k)
			}
		}
		r := &out[i]
		for _, f := range []struct {
			name string
			dst  *string
		}{{"from", &r.From}, {"to", &r.To}, {"source", &r.Source}} {
			if err := json.Unmarshal(raw[f.name], f.dst); err != nil {
				return nil, errcode.Errorf(ErrUsage, "report %d: %s is missing or not a string", i, f.name)
			}
		}
		var err error
		if r.Calls, err = count(raw["calls"]); err != nil {
			return nil, errcode.Errorf(ErrUsage, "report %d: calls %s; want a whole number from 0 to 2^64-1", i, err)
		}
		if r.Epoch, err = count(raw["epoch"]); err != nil {
			return nil, errcode.Errorf(ErrUsage, "report %d: epoch %s; want a whole number", i, err)
		}
	}
	return out, nil
}

// count reads a JSON number that is a whole number ≥ 0.
func count(raw json.RawMessage) (uint64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" {
		return 0, fmt.Errorf("is missing")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("is %s", s)
	}
	return n, nil
}

// StreamsJSON answers what IRoyaltyRouter's streamRate and epochAccrued
// answer, for the streams from a payer (or into a recipient) in the epoch
// that holds the time asked.
type StreamsJSON struct {
	Epoch uint64    `json:"epoch"`
	At    time.Time `json:"at"`
	// The streams, each with its rate and what it accrued at At.
	Streams []StreamRateJSON `json:"streams"`
	// The sums of the streams listed: the recipient's incoming rate (its
	// "MRR") when only to is given.
	StreamRate   wire.Amount `json:"stream_rate"`
	EpochAccrued wire.Amount `json:"epoch_accrued"`
	EpochAmount  wire.Amount `json:"epoch_amount"`
}

// StreamRateJSON is one stream with its rate.
type StreamRateJSON struct {
	Payer string   `json:"payer"`
	Path  []string `json:"path"`
	Depth int      `json:"depth"`
	// What the recipient takes over the epoch, in base units.
	EpochAmount wire.Amount `json:"epoch_amount"`
	// Base units per second × 10^9.
	StreamRate   wire.Amount `json:"stream_rate"`
	EpochAccrued wire.Amount `json:"epoch_accrued"`
}

// ExplainJSON is a repo's part of an epoch's statement: every stream into
// it and every stream out of it (that it pays, or passes on).
type ExplainJSON struct {
	Epoch uint64   `json:"epoch"`
	Repo  string   `json:"repo"`
	Into  []Stream `json:"into"`
	OutOf []Stream `json:"out_of"`
	// Payer is its line as a payer, if it pays.
	Payer *Payer `json:"payer,omitempty"`
	// Income is its income and contributors' parts, once the epoch closed.
	Income *Income `json:"income,omitempty"`
}

// CreditJSON is a contributor's cumulative credit.
type CreditJSON struct {
	Account string      `json:"account"`
	Credit  wire.Amount `json:"credit"`
}

// Explain selects a repo's streams from an epoch's record.
func Explain(rec EpochRecord, repo string) ExplainJSON {
	e := ExplainJSON{Epoch: rec.Plan.Epoch, Repo: repo, Into: []Stream{}, OutOf: []Stream{}}
	for _, s := range rec.Plan.Streams {
		if s.To() == repo {
			e.Into = append(e.Into, s)
		}
		if s.Payer == repo || slices.Contains(s.Path[:len(s.Path)-1], repo) {
			e.OutOf = append(e.OutOf, s)
		}
	}
	for i := range rec.Plan.Payers {
		if rec.Plan.Payers[i].Repo == repo {
			e.Payer = &rec.Plan.Payers[i]
		}
	}
	if rec.Settlement != nil {
		for i := range rec.Settlement.Income {
			if rec.Settlement.Income[i].Repo == repo {
				e.Income = &rec.Settlement.Income[i]
			}
		}
	}
	return e
}

// Streams answers the streams from payer from into recipient to (either
// may be empty: all) of a plan, at time at.
//
// Errors: ErrRate.
func Streams(plan Plan, seconds uint64, from, to string, at time.Time) (StreamsJSON, error) {
	out := StreamsJSON{Epoch: plan.Epoch, At: at, Streams: []StreamRateJSON{}}
	rate, accrued, amount := money.Zero, money.Zero, money.Zero
	for _, s := range plan.Streams {
		if (from != "" && s.Payer != from) || (to != "" && s.To() != to) || s.Paid.IsZero() {
			continue
		}
		r, err := Rate(s.Paid, seconds)
		if err != nil {
			return StreamsJSON{}, err
		}
		a := Accrued(s.Paid, plan.Start, plan.End, at)
		rate, accrued, amount = mustAdd(rate, r), mustAdd(accrued, a), mustAdd(amount, s.Paid)
		out.Streams = append(out.Streams, StreamRateJSON{Payer: s.Payer, Path: s.Path, Depth: s.Depth(), EpochAmount: wire.Amount(s.Paid.String()), StreamRate: wire.Amount(r.String()), EpochAccrued: wire.Amount(a.String())})
	}
	out.StreamRate, out.EpochAccrued, out.EpochAmount = wire.Amount(rate.String()), wire.Amount(accrued.String()), wire.Amount(amount.String())
	return out, nil
}
