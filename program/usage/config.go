// Package usage is the usage-based revenue-sharing program of seed 000
// (Blockstack App Mining, Canto's Contract Secured Revenue, EIP-6968): a
// platform funds a pool per epoch, participants (apps, contracts, creators)
// report aggregate usage counts, and at the close of each epoch the pool is
// handed out by a configurable, gaming-resistant formula.
//
// The rules are pure. Close takes the configuration in force for the epoch,
// the participants, the epoch's counts, the history it needs (previous
// scores for smoothing, streaks for tiers), the carry-over and the funding
// account's balance, and returns every participant's amount with a
// Statement that explains each step. Scores are fixed-point integers (see
// ScoreUnit); square roots are integer square roots; every pool is handed
// out with the split package's largest-remainder allocation, so payouts,
// carry-over and the unfunded shortfall always add up to the unit.
//
// ops.go turns the rules into engine operations: configuration versions by
// effective epoch, participants and reports in chunked state blobs (the
// engine's View has point reads only, and a close must stay fast for a
// million participants), and one entry per closed epoch.
package usage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Program names the usage program's state and entries.
const Program = "usage"

// TotalBP is 100% in basis points.
const TotalBP = 10000

// ScoreUnit is the fixed-point scale of scores: a participant's score is
// the sum over metrics of weight_bp × (its count / the epoch's total) ×
// ScoreUnit, rounded down per metric. A participant holding all of every
// metric scores TotalBP × ScoreUnit = 10^16, so scores, their sums over any
// number of participants and a tier multiplier of up to 10× all fit in 64
// bits, while a share of one part in 10^12 of a metric still counts.
const ScoreUnit = 1_000_000_000_000

// Limits. Each has a check and an error that names it.
const (
	MetricsMax         = 16
	NameMaxLen         = 32
	CategoriesMax      = 64
	BandsMax           = 32
	TierLevelsMax      = 8
	SmoothingEpochsMax = 12
	// MultiplierBPMax bounds a tier multiplier (10×), which keeps scores in 64 bits.
	MultiplierBPMax = 10 * TotalBP
	// ClipBPMax bounds an outlier clip (100× the median).
	ClipBPMax = 100 * TotalBP
	// CountMax bounds one participant's count of one metric in one epoch, so
	// that a metric's total over two million participants fits in 64 bits.
	CountMax = 1_000_000_000_000
	// ParticipantsMax bounds registered participants: a close pays all of
	// them in one entry (ledger.PostingsMax).
	ParticipantsMax = 2_000_000
	// SplitReceiversMax bounds a participant's own split.
	SplitReceiversMax = 16
	// EpochSecondsMin and EpochSecondsMax bound an epoch of N seconds.
	EpochSecondsMin = 60
	EpochSecondsMax = 366 * 86400
	// ConfigBytesMax bounds a configuration document.
	ConfigBytesMax = 64 << 10
)

// Errors. Codes are stable.
var (
	ErrConfig        = errcode.New(errcode.Unprocessable, "usage_config_invalid", "usage configuration is invalid")
	ErrWeight        = errcode.New(errcode.Unprocessable, "usage_weight_invalid", "a weight, share or rate is out of range")
	ErrCategoryShare = errcode.New(errcode.Unprocessable, "usage_category_shares_sum", "category shares must sum to 10000 basis points")
	ErrUnallocatable = errcode.New(errcode.Unprocessable, "usage_pool_unallocatable", "the configuration would leave the pool unallocatable")
	ErrMetric        = errcode.New(errcode.Unprocessable, "usage_metric_unknown", "metric is not configured")
	ErrParticipant   = errcode.New(errcode.Unprocessable, "usage_participant_unknown", "participant is not registered")
	ErrID            = errcode.New(errcode.Invalid, "usage_id_invalid", "participant ID or name is invalid")
	ErrExists        = errcode.New(errcode.Conflict, "usage_participant_exists", "a participant with this ID exists")
	ErrCount         = errcode.New(errcode.Invalid, "usage_count_invalid", "a usage count must be a whole number from 0 to 10^12")
	ErrReport        = errcode.New(errcode.Invalid, "usage_report_invalid", "usage report is invalid")
	ErrEpochClosed   = errcode.New(errcode.Conflict, "usage_epoch_closed", "the epoch is closed")
	ErrEpochFuture   = errcode.New(errcode.Unprocessable, "usage_epoch_future", "the epoch has not started")
	ErrEpochOpen     = errcode.New(errcode.Conflict, "usage_epoch_open", "the epoch has not ended yet")
	ErrEpochOrder    = errcode.New(errcode.Conflict, "usage_epoch_order", "epochs close in order")
	ErrNotConfigured = errcode.New(errcode.Unprocessable, "usage_not_configured", "the usage program has no configuration for this epoch")
	ErrLimit         = errcode.New(errcode.Unprocessable, "usage_limit", "a usage program limit was exceeded")
	ErrOwner         = errcode.New(errcode.Forbidden, "usage_owner_mismatch", "only the participant's owner or a configurator may change it")
	ErrDigest        = errcode.New(errcode.Broken, "usage_statement_mismatch", "the recomputed statement does not match the stored close (its digest, its figures or its entry)")
)

// Pool kinds.
const (
	PoolFixedPercentage = "fixed_percentage"
	PoolDynamic         = "dynamic"
	PoolFixedAmount     = "fixed_amount"
)

// Formulas.
const (
	ProRata          = "pro_rata"
	Quadratic        = "quadratic"
	CategoryWeighted = "category_weighted"
	RankedDecay      = "ranked_decay"
)

// Remainder policies of ranked_decay.
const (
	RemainderCarry  = "carry"
	RemainderSpread = "spread"
)

// Smoothing kinds.
const (
	SmoothingNone    = "none"
	SmoothingRolling = "rolling"
	SmoothingDecay   = "decay"
)

// Epoch lengths.
const (
	EpochDay     = "day"
	EpochWeek    = "week"
	EpochMonth   = "month"
	EpochSeconds = "seconds"
)

// Config is a usage program's configuration. The same field names are used
// in TOML and JSON.
type Config struct {
	Currency string   `json:"currency" toml:"currency" schema:"Currency"`
	Epoch    Epoch    `json:"epoch" toml:"epoch"`
	Metrics  []Metric `json:"metrics" toml:"metrics" jsonschema:"minItems=1,maxItems=16"`
	Pool     Pool     `json:"pool" toml:"pool"`
	Formula  Formula  `json:"formula" toml:"formula"`
	Qualify  Qualify  `json:"qualify,omitzero" toml:"qualify,omitempty"`
	// No participant gets more than this share of the pool; 0 or absent: no cap.
	CapBP     uint64    `json:"cap_bp,omitempty" toml:"cap_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
	Tier      *Tier     `json:"tier,omitempty" toml:"tier,omitempty"`
	Smoothing Smoothing `json:"smoothing,omitzero" toml:"smoothing,omitempty"`
}

// Epoch says how time is cut into epochs: UTC, from Anchor (epoch 0), each
// a day, a week, a calendar month or Seconds long. Anchor and length never
// change once configured, so epoch numbers mean one thing forever.
type Epoch struct {
	Length string `json:"length" toml:"length" jsonschema:"enum=day,enum=week,enum=month,enum=seconds"`
	// The epoch's length with `length` `seconds` (60 seconds to 366 days);
	// absent otherwise.
	Seconds uint64 `json:"seconds,omitempty" toml:"seconds,omitempty" jsonschema:"minimum=60,maximum=31622400"`
	// The start of epoch 0, in UTC; for monthly epochs on day 1 to 28.
	Anchor time.Time `json:"anchor" toml:"anchor" schema:"Time"`
}

// Metric is a named count and its weight in the score. ClipBP, when set,
// clips every participant's count at that multiple of the epoch's median
// count (30000 = 3× the median), so that one inflated number cannot take
// the pool. The median is that of the active participants' counts above
// zero; of an even number of counts, the mean of the middle two, a half
// rounded up.
type Metric struct {
	Name string `json:"name" toml:"name" schema:"UsageName"`
	// The metric's weight in the score; the weights of all metrics sum to
	// exactly 10000.
	WeightBP uint64 `json:"weight_bp" toml:"weight_bp" jsonschema:"minimum=0,maximum=10000"`
	// When set (10000 to 1000000), every count is clipped at this multiple of
	// the epoch's median count (30000 is 3×): the median of the active
	// participants' counts above zero; of an even number of them, the mean
	// of the middle two, a half rounded up.
	ClipBP uint64 `json:"clip_bp,omitempty" toml:"clip_bp,omitempty" jsonschema:"minimum=0,maximum=1000000"`
}

// Pool says how much an epoch hands out, from which account.
type Pool struct {
	Kind string `json:"kind" toml:"kind" jsonschema:"enum=fixed_percentage,enum=dynamic,enum=fixed_amount"`
	// `fixed_percentage`: the share of the epoch's revenue that funds the pool
	// (1 to 10000).
	PercentBP uint64 `json:"percent_bp,omitempty" toml:"percent_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
	// `dynamic`: the brackets, in increasing `up_to`.
	Bands []Band `json:"bands,omitempty" toml:"bands,omitempty" jsonschema:"minItems=1,maxItems=32"`
	// `fixed_amount`: what every epoch hands out.
	Amount money.Amount `json:"amount,omitzero" toml:"amount,omitempty" schema:"Amount"`
	// The internal funding account: revenue is recorded into it and payouts
	// leave it.
	Account string `json:"account" toml:"account" schema:"AccountName"`
}

// Band is one bracket of a dynamic pool: revenue up to UpTo (base units,
// cumulative; zero on the last band means no limit) contributes RateBP of
// itself, marginally, like a tax bracket.
type Band struct {
	// The band's upper limit of revenue (cumulative); absent on the last band,
	// which has none.
	UpTo money.Amount `json:"up_to,omitzero" toml:"up_to,omitempty" schema:"Amount"`
	// The share of revenue within the band that goes to the pool, marginally.
	RateBP uint64 `json:"rate_bp" toml:"rate_bp" jsonschema:"minimum=0,maximum=10000"`
}

// Formula says how a pool is divided.
type Formula struct {
	Kind string `json:"kind" toml:"kind" jsonschema:"enum=pro_rata,enum=quadratic,enum=category_weighted,enum=ranked_decay"`
	// `ranked_decay`: each rank gets this share of what remains (1 to 10000).
	DecayBP uint64 `json:"decay_bp,omitempty" toml:"decay_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
	// `ranked_decay`: what happens to what the ranks leave; `carry` by default.
	Remainder string `json:"remainder,omitempty" toml:"remainder,omitempty" jsonschema:"enum=carry,enum=spread"`
	// `ranked_decay`: at most this many ranks; 0 or absent: every qualified
	// participant.
	Ranks uint64 `json:"ranks,omitempty" toml:"ranks,omitempty" jsonschema:"minimum=0,maximum=2000000"`
	// `category_weighted`: the categories and their shares.
	Categories []Category `json:"categories,omitempty" toml:"categories,omitempty" jsonschema:"minItems=1,maxItems=64"`
}

// Category is a category's fixed share of a category_weighted pool.
type Category struct {
	Name string `json:"name" toml:"name" schema:"UsageName"`
	// The category's fixed share of the pool; the shares sum to exactly 10000.
	ShareBP uint64 `json:"share_bp" toml:"share_bp" jsonschema:"minimum=1,maximum=10000"`
}

// Qualify holds the thresholds a participant must meet to be paid.
type Qualify struct {
	// A participant's score must be at least this share of the epoch's top
	// score (the highest final score of any active participant), compared
	// exactly; 10000 pays only the top score and those equal to it.
	MinScoreBP uint64 `json:"min_score_bp,omitempty" toml:"min_score_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
	// With `min_active_users`: the metric counting active users.
	ActiveUsersMetric string `json:"active_users_metric,omitempty" toml:"active_users_metric,omitempty" schema:"UsageName"`
	MinActiveUsers    uint64 `json:"min_active_users,omitempty" toml:"min_active_users,omitempty" jsonschema:"minimum=0,maximum=1000000000000"`
}

// Tier rewards sustained activity: a participant whose count of Metric was
// at least Threshold for N consecutive epochs (this one included) has its
// score multiplied by the highest level it reached.
type Tier struct {
	Metric    string `json:"metric" toml:"metric" schema:"UsageName"`
	Threshold uint64 `json:"threshold" toml:"threshold" jsonschema:"minimum=0"`
	// In increasing order of `epochs`.
	Levels []TierLevel `json:"levels" toml:"levels" jsonschema:"minItems=1,maxItems=8"`
}

// TierLevel is a multiplier earned after Epochs consecutive epochs.
type TierLevel struct {
	Epochs uint64 `json:"epochs" toml:"epochs" jsonschema:"minimum=1,maximum=1000"`
	// The score multiplier (10000 is 1×, at most 10×).
	MultiplierBP uint64 `json:"multiplier_bp" toml:"multiplier_bp" jsonschema:"minimum=1,maximum=100000"`
}

// Smoothing evens out spikes: a rolling average of the last Epochs scores
// (missing epochs count as zero), or decay weighting where the previous
// smoothed score keeps DecayBP of its weight and the new score gets the rest.
type Smoothing struct {
	Kind string `json:"kind,omitempty" toml:"kind,omitempty" jsonschema:"enum=none,enum=rolling,enum=decay"`
	// `rolling`: the epochs averaged (1 to 12).
	Epochs uint64 `json:"epochs,omitempty" toml:"epochs,omitempty" jsonschema:"minimum=0,maximum=12"`
	// `decay`: the weight the previous smoothed score keeps (0 to 9999).
	DecayBP uint64 `json:"decay_bp,omitempty" toml:"decay_bp,omitempty" jsonschema:"minimum=0,maximum=9999"`
}

// ParseConfig reads a configuration from TOML or, when the text starts with
// '{', JSON, refuses unknown fields, and validates it.
//
// Errors: ErrConfig for unreadable text, and those of Validate.
func ParseConfig(text []byte) (Config, error) {
	var c Config
	if len(text) > ConfigBytesMax {
		return c, errcode.Errorf(ErrConfig, "configuration is %d bytes; at most %d are allowed", len(text), ConfigBytesMax)
	}
	trimmed := bytes.TrimSpace(text)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return Config{}, errcode.Errorf(ErrConfig, "configuration JSON: %v", err)
		}
		if dec.More() {
			return Config{}, errcode.Errorf(ErrConfig, "configuration JSON has trailing data")
		}
	} else {
		dec := toml.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return Config{}, errcode.Errorf(ErrConfig, "configuration TOML: %v", err)
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ValidateName checks a participant ID, metric or category name: 1 to
// NameMaxLen bytes of letters, digits and . _ : -.
func ValidateName(what, s string) error {
	max := NameMaxLen
	if what == "participant" {
		max = 64
	}
	if s == "" || len(s) > max {
		return errcode.Errorf(ErrID, "%s %q must be 1 to %d bytes", what, s, max)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			return errcode.Errorf(ErrID, "%s %q has %q; want letters, digits and . _ : -", what, s, c)
		}
	}
	return nil
}

func bp(what string, v, max uint64) error {
	if v > max {
		return errcode.Errorf(ErrWeight, "%s is %d; want 0 to %d", what, v, max)
	}
	return nil
}

// MetricIndex returns the position of a configured metric.
func (c Config) MetricIndex(name string) (int, bool) {
	for i, m := range c.Metrics {
		if m.Name == name {
			return i, true
		}
	}
	return 0, false
}

// Validate checks a configuration: names, ranges, sums, and that the pool
// can always be handed out or carried.
//
// Errors: ErrConfig, ErrWeight, ErrCategoryShare, ErrUnallocatable,
// ErrMetric, ErrID, ErrLimit, ledger.ErrAccount.
func (c Config) Validate() error {
	if c.Currency == "" {
		return errcode.Errorf(ErrConfig, "currency is missing")
	}
	for _, check := range []func() error{
		c.Epoch.validate,
		c.validateMetrics,
		c.Pool.validate,
		c.Formula.validate,
		func() error { return bp("cap_bp", c.CapBP, TotalBP) },
		c.validateQualify,
		c.validateTier,
		c.Smoothing.validate,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateMetrics checks the metrics: names, each once, weights that sum
// to 100%, clips from 1× to 100× the median.
func (c Config) validateMetrics() error {
	if len(c.Metrics) == 0 || len(c.Metrics) > MetricsMax {
		return errcode.Errorf(ErrLimit, "%d metrics configured; want 1 to %d", len(c.Metrics), MetricsMax)
	}
	var weights uint64
	seen := map[string]bool{}
	for _, m := range c.Metrics {
		if err := ValidateName("metric", m.Name); err != nil {
			return err
		}
		if seen[m.Name] {
			return errcode.Errorf(ErrConfig, "metric %q is configured twice", m.Name)
		}
		seen[m.Name] = true
		if err := bp("metric "+m.Name+" weight_bp", m.WeightBP, TotalBP); err != nil {
			return err
		}
		if m.ClipBP != 0 && (m.ClipBP < TotalBP || m.ClipBP > ClipBPMax) {
			return errcode.Errorf(ErrWeight, "metric %s clip_bp is %d; want 0 (no clipping) or %d (1× the median) to %d", m.Name, m.ClipBP, TotalBP, ClipBPMax)
		}
		weights += m.WeightBP
	}
	if weights != TotalBP {
		return errcode.Errorf(ErrWeight, "metric weights sum to %d bp; want exactly %d", weights, TotalBP)
	}
	return nil
}

// validateQualify checks the thresholds: each one some participant could
// meet, and the active-users metric configured.
func (c Config) validateQualify() error {
	q := c.Qualify
	if q.MinScoreBP > TotalBP {
		return errcode.Errorf(ErrUnallocatable, "qualify.min_score_bp is %d; above %d no participant could ever qualify", q.MinScoreBP, TotalBP)
	}
	if (q.ActiveUsersMetric == "") != (q.MinActiveUsers == 0) {
		return errcode.Errorf(ErrConfig, "qualify.active_users_metric and qualify.min_active_users go together")
	}
	if q.ActiveUsersMetric != "" {
		if _, ok := c.MetricIndex(q.ActiveUsersMetric); !ok {
			return errcode.Errorf(ErrMetric, "qualify.active_users_metric %q is not a configured metric", q.ActiveUsersMetric)
		}
		if q.MinActiveUsers > CountMax {
			return errcode.Errorf(ErrUnallocatable, "qualify.min_active_users is %d; counts never exceed %d, so no participant could qualify", q.MinActiveUsers, uint64(CountMax))
		}
	}
	return nil
}

// validateTier checks the tier, when there is one: a configured metric and
// levels in increasing order of epochs with multipliers in range.
func (c Config) validateTier() error {
	t := c.Tier
	if t == nil {
		return nil
	}
	if _, ok := c.MetricIndex(t.Metric); !ok {
		return errcode.Errorf(ErrMetric, "tier.metric %q is not a configured metric", t.Metric)
	}
	if len(t.Levels) == 0 || len(t.Levels) > TierLevelsMax {
		return errcode.Errorf(ErrLimit, "tier has %d levels; want 1 to %d", len(t.Levels), TierLevelsMax)
	}
	for i, l := range t.Levels {
		if l.Epochs == 0 || l.Epochs > 1000 {
			return errcode.Errorf(ErrConfig, "tier level %d: epochs is %d; want 1 to 1000", i+1, l.Epochs)
		}
		if l.MultiplierBP == 0 || l.MultiplierBP > MultiplierBPMax {
			return errcode.Errorf(ErrWeight, "tier level %d: multiplier_bp is %d; want 1 to %d", i+1, l.MultiplierBP, MultiplierBPMax)
		}
		if i > 0 && l.Epochs <= t.Levels[i-1].Epochs {
			return errcode.Errorf(ErrConfig, "tier levels must be in increasing order of epochs; level %d has %d after %d", i+1, l.Epochs, t.Levels[i-1].Epochs)
		}
	}
	return nil
}

func (s Smoothing) validate() error {
	switch s.Kind {
	case "", SmoothingNone:
		if s.Epochs != 0 || s.DecayBP != 0 {
			return errcode.Errorf(ErrConfig, "smoothing has epochs or decay_bp but no kind; want kind rolling or decay")
		}
	case SmoothingRolling:
		if s.Epochs < 1 || s.Epochs > SmoothingEpochsMax {
			return errcode.Errorf(ErrLimit, "smoothing.epochs is %d; want 1 to %d", s.Epochs, SmoothingEpochsMax)
		}
	case SmoothingDecay:
		if s.DecayBP >= TotalBP {
			return errcode.Errorf(ErrWeight, "smoothing.decay_bp is %d; want 0 to %d (the weight kept by the past)", s.DecayBP, TotalBP-1)
		}
	default:
		return errcode.Errorf(ErrConfig, "smoothing.kind %q is unknown; want none, rolling or decay", s.Kind)
	}
	return nil
}

func (e Epoch) validate() error {
	if e.Anchor.IsZero() {
		return errcode.Errorf(ErrConfig, "epoch.anchor is missing; want an RFC 3339 time in UTC")
	}
	if _, off := e.Anchor.Zone(); off != 0 {
		return errcode.Errorf(ErrConfig, "epoch.anchor %s is not in UTC; epochs are cut in UTC", e.Anchor.Format(time.RFC3339))
	}
	switch e.Length {
	case EpochDay, EpochWeek:
	case EpochMonth:
		if e.Anchor.Day() > 28 {
			return errcode.Errorf(ErrConfig, "a monthly epoch.anchor must fall on day 1 to 28, so that every month has it; got day %d", e.Anchor.Day())
		}
	case EpochSeconds:
		if e.Seconds < EpochSecondsMin || e.Seconds > EpochSecondsMax {
			return errcode.Errorf(ErrConfig, "epoch.seconds is %d; want %d to %d", e.Seconds, EpochSecondsMin, EpochSecondsMax)
		}
		return nil
	default:
		return errcode.Errorf(ErrConfig, "epoch.length %q is unknown; want day, week, month or seconds", e.Length)
	}
	if e.Seconds != 0 {
		return errcode.Errorf(ErrConfig, "epoch.seconds goes with length seconds only")
	}
	return nil
}

func (p Pool) validate() error {
	if err := ledger.ValidateAccount(p.Account); err != nil {
		return errcode.Errorf(ledger.ErrAccount, "pool.account: %v", err)
	}
	if ledger.IsExternal(p.Account) {
		return errcode.Errorf(ErrConfig, "pool.account %q is external; the pool is held in an internal account so it can never be overdrawn", p.Account)
	}
	switch p.Kind {
	case PoolFixedPercentage:
		if err := bp("pool.percent_bp", p.PercentBP, TotalBP); err != nil {
			return err
		}
		if p.PercentBP == 0 {
			return errcode.Errorf(ErrUnallocatable, "pool.percent_bp is 0: the pool would always be empty")
		}
		if len(p.Bands) > 0 || !p.Amount.IsZero() {
			return errcode.Errorf(ErrConfig, "a fixed_percentage pool has percent_bp only")
		}
	case PoolDynamic:
		if len(p.Bands) == 0 || len(p.Bands) > BandsMax {
			return errcode.Errorf(ErrLimit, "a dynamic pool has %d bands; want 1 to %d", len(p.Bands), BandsMax)
		}
		if p.PercentBP != 0 || !p.Amount.IsZero() {
			return errcode.Errorf(ErrConfig, "a dynamic pool has bands only")
		}
		any := false
		for i, b := range p.Bands {
			if err := bp(fmt.Sprintf("pool band %d rate_bp", i+1), b.RateBP, TotalBP); err != nil {
				return err
			}
			any = any || b.RateBP > 0
			last := i == len(p.Bands)-1
			if b.UpTo.IsZero() != last {
				return errcode.Errorf(ErrConfig, "pool band %d: every band but the last has up_to, and the last has none (it has no upper limit)", i+1)
			}
			if i > 0 && !last && b.UpTo.Cmp(p.Bands[i-1].UpTo) <= 0 {
				return errcode.Errorf(ErrConfig, "pool band %d: up_to %s is not above the previous band's %s", i+1, b.UpTo, p.Bands[i-1].UpTo)
			}
		}
		if !any {
			return errcode.Errorf(ErrUnallocatable, "every pool band has rate_bp 0: the pool would always be empty")
		}
	case PoolFixedAmount:
		if p.Amount.IsZero() {
			return errcode.Errorf(ErrUnallocatable, "a fixed_amount pool needs an amount above zero")
		}
		if p.PercentBP != 0 || len(p.Bands) > 0 {
			return errcode.Errorf(ErrConfig, "a fixed_amount pool has amount only")
		}
	default:
		return errcode.Errorf(ErrConfig, "pool.kind %q is unknown; want fixed_percentage, dynamic or fixed_amount", p.Kind)
	}
	return nil
}

func (f Formula) validate() error {
	if f.Kind != RankedDecay && (f.DecayBP != 0 || f.Remainder != "" || f.Ranks != 0) {
		return errcode.Errorf(ErrConfig, "decay_bp, remainder and ranks belong to the ranked_decay formula")
	}
	if f.Kind != CategoryWeighted && len(f.Categories) > 0 {
		return errcode.Errorf(ErrConfig, "categories belong to the category_weighted formula")
	}
	switch f.Kind {
	case ProRata, Quadratic:
	case RankedDecay:
		if f.DecayBP == 0 || f.DecayBP > TotalBP {
			return errcode.Errorf(ErrUnallocatable, "formula.decay_bp is %d; want 1 to %d (0 would pay no rank)", f.DecayBP, TotalBP)
		}
		if f.Remainder != "" && f.Remainder != RemainderCarry && f.Remainder != RemainderSpread {
			return errcode.Errorf(ErrConfig, "formula.remainder %q is unknown; want carry or spread", f.Remainder)
		}
		if f.Ranks > ParticipantsMax {
			return errcode.Errorf(ErrLimit, "formula.ranks is %d; at most %d", f.Ranks, ParticipantsMax)
		}
	case CategoryWeighted:
		if len(f.Categories) == 0 || len(f.Categories) > CategoriesMax {
			return errcode.Errorf(ErrUnallocatable, "category_weighted has %d categories; want 1 to %d", len(f.Categories), CategoriesMax)
		}
		var sum uint64
		seen := map[string]bool{}
		for _, c := range f.Categories {
			if err := ValidateName("category", c.Name); err != nil {
				return err
			}
			if seen[c.Name] {
				return errcode.Errorf(ErrConfig, "category %q is listed twice", c.Name)
			}
			seen[c.Name] = true
			if c.ShareBP == 0 || c.ShareBP > TotalBP {
				return errcode.Errorf(ErrWeight, "category %s share_bp is %d; want 1 to %d", c.Name, c.ShareBP, TotalBP)
			}
			sum += c.ShareBP
		}
		if sum != TotalBP {
			return errcode.Errorf(ErrCategoryShare, "category shares sum to %d bp; want exactly %d", sum, TotalBP)
		}
	default:
		return errcode.Errorf(ErrConfig, "formula.kind %q is unknown; want pro_rata, quadratic, category_weighted or ranked_decay", f.Kind)
	}
	return nil
}

// remainder returns the ranked_decay remainder policy, carry by default.
func (f Formula) remainder() string {
	if f.Remainder == "" {
		return RemainderCarry
	}
	return f.Remainder
}

// SameEpochs reports whether two configurations cut time the same way.
func (e Epoch) SameEpochs(o Epoch) bool {
	return e.Length == o.Length && e.Seconds == o.Seconds && e.Anchor.Equal(o.Anchor)
}
