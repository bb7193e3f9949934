package deps

import (
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Limits of the rule.
const (
	// DepthLimit is the deepest depth_max allowed.
	DepthLimit = 8
	// DepthDefault is depth_max when the configuration leaves it out.
	DepthDefault = 3
	// EpochSecondsDefault is an epoch of seven days.
	EpochSecondsDefault = 7 * 86400
	// EscrowEpochsDefault is how long unclaimed escrow waits: 52 epochs.
	EscrowEpochsDefault = 52
	// EpochsMax bounds epoch numbers, so that start times never overflow.
	EpochsMax = 1_000_000
	// TotalBP is 100% in basis points.
	TotalBP = 10000
)

// Escrow expiries: what unclaimed escrow becomes after EscrowEpochs.
const (
	ExpiryRefund  = "refund"
	ExpirySleeper = "sleeper"
)

// Payer classes.
const (
	ClassPublic      = "public"
	ClassPrivate     = "private"
	ClassNoTelemetry = "no_telemetry"
)

// SleeperAccount is the sleeper pool.
const SleeperAccount = "deps:sleeper"

// Params is the program's configuration.
type Params struct {
	Currency string `json:"currency" schema:"Currency"`
	// Anchor is the start of epoch 0, in UTC.
	Anchor time.Time `json:"anchor" schema:"Time"`
	// EpochSeconds is an epoch's length; 0 is seven days.
	EpochSeconds uint64 `json:"epoch_seconds,omitempty" jsonschema:"minimum=0,maximum=31622400"`
	// BaseRate is what a payer of each class pays per epoch at multiplier
	// 1.0, in base units.
	BaseRate BaseRate `json:"base_rate"`
	// SleeperBP of every budget goes to the sleeper pool.
	SleeperBP uint64 `json:"sleeper_bp" jsonschema:"minimum=0,maximum=10000"`
	// DepthMax bounds the depth streams pass through; 0 is 3, at most 8.
	DepthMax int `json:"depth_max,omitempty" jsonschema:"minimum=0,maximum=8"`
	// PassBP[d-1] is the default share a holder at depth d passes on, for
	// payers whose asset.toml sets none.
	PassBP []uint64 `json:"pass_bp,omitempty" jsonschema:"maxItems=8"`
	// PassMin: a share below this (base units) is not passed on; the
	// holder keeps it.
	PassMin money.Amount `json:"pass_min" schema:"Amount"`
	// EscrowEpochs is how many epochs an unlinked package's escrow waits
	// to be claimed; 0 is 52.
	EscrowEpochs uint64 `json:"escrow_epochs,omitempty"`
	// EscrowExpiry is what escrow becomes after that: "refund" (to the
	// payers, as each paid it) or "sleeper"; "" is refund.
	EscrowExpiry string `json:"escrow_expiry,omitempty" jsonschema:"enum=,enum=refund,enum=sleeper"`
	// Sleeper, when set, pays the sleeper pool at every close; without
	// it the pool accrues.
	Sleeper *Sleeper `json:"sleeper,omitempty"`
}

// BaseRate is the per-epoch budget of each payer class at multiplier 1.0.
type BaseRate struct {
	Public      money.Amount `json:"public" schema:"Amount"`
	Private     money.Amount `json:"private" schema:"Amount"`
	NoTelemetry money.Amount `json:"no_telemetry" schema:"Amount"`
}

// withDefaults fills the zero fields that have defaults.
func (p Params) withDefaults() Params {
	if p.EpochSeconds == 0 {
		p.EpochSeconds = EpochSecondsDefault
	}
	if p.DepthMax == 0 {
		p.DepthMax = DepthDefault
	}
	if p.EscrowEpochs == 0 {
		p.EscrowEpochs = EscrowEpochsDefault
	}
	if p.EscrowExpiry == "" {
		p.EscrowExpiry = ExpiryRefund
	}
	return p
}

// Validate checks the configuration and returns it with its defaults.
//
// Errors: ErrConfig, money.ErrUnknownCurrency.
func (p Params) Validate(currencies ledger.Currencies) (Params, error) {
	p = p.withDefaults()
	if currencies != nil {
		if _, err := currencies.Lookup(p.Currency); err != nil {
			return p, err
		}
	}
	switch {
	case p.Anchor.IsZero():
		return p, errcode.Errorf(ErrConfig, "anchor is missing; want the start of epoch 0 in UTC")
	case anchorOffset(p.Anchor) != 0:
		return p, errcode.Errorf(ErrConfig, "anchor %s is not in UTC; epochs are cut in UTC", p.Anchor.Format(time.RFC3339))
	case p.EpochSeconds < 60 || p.EpochSeconds > 366*86400:
		return p, errcode.Errorf(ErrConfig, "epoch_seconds is %d; want 60 to %d", p.EpochSeconds, 366*86400)
	case p.SleeperBP > TotalBP:
		return p, errcode.Errorf(ErrConfig, "sleeper_bp is %d; want 0 to 10000", p.SleeperBP)
	case p.DepthMax < 1 || p.DepthMax > DepthLimit:
		return p, errcode.Errorf(ErrConfig, "depth_max is %d; want 1 to %d", p.DepthMax, DepthLimit)
	case len(p.PassBP) > DepthLimit:
		return p, errcode.Errorf(ErrConfig, "pass_bp has %d depths; at most %d", len(p.PassBP), DepthLimit)
	case p.EscrowExpiry != ExpiryRefund && p.EscrowExpiry != ExpirySleeper:
		return p, errcode.Errorf(ErrConfig, "escrow_expiry is %q; want %q or %q", p.EscrowExpiry, ExpiryRefund, ExpirySleeper)
	}
	if p.Sleeper != nil {
		if err := p.Sleeper.validate(p.Currency); err != nil {
			return p, err
		}
	}
	for _, class := range []string{ClassPublic, ClassPrivate, ClassNoTelemetry} {
		if rate := p.BaseRate.rate(class); !rateFits(rate) {
			return p, errcode.Errorf(ErrConfig, "base_rate.%s is %s; at multiplier 100 its stream rate (× 10^9 per second) would pass 2^256-1: want a smaller base rate", class, rate)
		}
	}
	for d, bp := range p.PassBP {
		if bp > TotalBP {
			return p, errcode.Errorf(ErrConfig, "pass_bp[%d] is %d; want 0 to 10000", d, bp)
		}
	}
	p.Anchor = p.Anchor.UTC()
	return p, nil
}

// Start returns the start of epoch n.
func (p Params) Start(n uint64) time.Time {
	return p.Anchor.Add(time.Duration(n) * time.Duration(p.EpochSeconds) * time.Second)
}

// End returns the end of epoch n: the next one's start.
func (p Params) End(n uint64) time.Time { return p.Start(n + 1) }

// rate returns a class's base rate.
func (b BaseRate) rate(class string) money.Amount {
	switch class {
	case ClassPrivate:
		return b.Private
	case ClassNoTelemetry:
		return b.NoTelemetry
	}
	return b.Public
}

func anchorOffset(t time.Time) int {
	_, off := t.Zone()
	return off
}
