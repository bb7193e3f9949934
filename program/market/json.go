package market

import (
	"encoding/json"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// AssetJSON is an asset with its effective royalty (getAssetRoyalty).
type AssetJSON struct {
	Asset
	// The royalty its next secondary sale pays: `royalty_bp` if set, otherwise
	// the configuration's default.
	EffectiveRoyaltyBP uint64 `json:"effective_royalty_bp" jsonschema:"minimum=0,maximum=10000"`
}

// AssetRequest is the body of POST /v1/market/assets.
type AssetRequest struct {
	ID string `json:"id" schema:"MarketId"`
	// The internal account that owns the asset; it never changes.
	Owner string `json:"owner" schema:"AccountName"`
	// The revenue split: 1 to 100 recipients whose shares sum to exactly 10000.
	// Leave it out for everything to go to the owner.
	Split []Recipient `json:"split,omitempty" jsonschema:"minItems=1,maxItems=100"`
	// The royalty on secondary sales, in basis points; leave it out for the
	// default.
	RoyaltyBP *uint64 `json:"royalty_bp,omitempty" jsonschema:"minimum=0,maximum=10000"`
}

// LicenseJSON is a license with what a payment made now would have to
// cover.
type LicenseJSON struct {
	License
	DueNow       *wire.Amount `json:"due_now,omitempty"`
	MissedPeriod *uint64      `json:"missed_periods,omitempty"`
}

// LicensePaymentRequest is the body of POST
// /v1/market/licenses/{id}/payments.
type LicensePaymentRequest struct {
	// At least what is due.
	Amount wire.Amount `json:"amount" schema:"Amount"`
	// The license's currency.
	Currency string `json:"currency" schema:"Currency"`
	// The paying account, usually external such as `@licensee:1`.
	Payer string `json:"payer" schema:"AccountName"`
}

// LicenseRequest is the body of POST /v1/market/licenses. A license with
// period_seconds is paid recurrently from start.
type LicenseRequest struct {
	ID string `json:"id" schema:"MarketId"`
	// The licensed asset.
	Asset string `json:"asset" schema:"MarketId"`
	// The currency of recurring payments; required with `period_seconds`.
	Currency string `json:"currency,omitempty" schema:"Currency"`
	// Due per period, in base units; required (and not zero) with
	// `period_seconds`.
	Base wire.Amount `json:"base,omitempty" schema:"Amount"`
	// Added per missed period, in base units; default 0.
	Penalty wire.Amount `json:"penalty,omitempty" schema:"Amount"`
	// The payment period in seconds; leave it out (or 0) for a license that is
	// only sold.
	PeriodSeconds uint64 `json:"period_seconds,omitempty" jsonschema:"minimum=0"`
	// When the first period starts, which counts as the last payment; default:
	// the time of the request.
	Start time.Time `json:"start,omitzero" schema:"Time"`
	// When the license stops taking payments; default: never.
	Expires *time.Time `json:"expires,omitempty" schema:"Time"`
}

// RoyaltyRequest is the body of PUT /v1/market/assets/{id}/royalty; null
// clears the override so the default applies. The field is required, so
// that an empty body cannot clear an override by accident.
type RoyaltyRequest struct {
	// The royalty on secondary sales in basis points, or null to clear the
	// override so the default applies.
	RoyaltyBP *uint64 `json:"royalty_bp" jsonschema:"minimum=0,maximum=10000"`
}

// UnmarshalJSON insists that royalty_bp is there, as a number or null.
func (b *RoyaltyRequest) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	v, ok := raw["royalty_bp"]
	if !ok {
		return errcode.Errorf(program.ErrBadRequest, "royalty_bp is required: a number of basis points, or null to clear the override")
	}
	delete(raw, "royalty_bp")
	for k := range raw {
		return errcode.Errorf(program.ErrBadRequest, "unknown field %q; the body has royalty_bp only", k)
	}
	return json.Unmarshal(v, &b.RoyaltyBP)
}

// SaleRequest is the body of POST /v1/market/sales: a sale of an asset, or
// of a license when license is set. seller is needed when the item was sold
// before (the sale is then secondary).
type SaleRequest struct {
	// The asset sold.
	Asset string `json:"asset,omitempty" schema:"MarketId"`
	// The license sold.
	License  string      `json:"license,omitempty" schema:"MarketId"`
	Amount   wire.Amount `json:"amount" schema:"Amount"`
	Currency string      `json:"currency" schema:"Currency"`
	// The paying account, usually external such as `@buyer:42`.
	Buyer string `json:"buyer" schema:"AccountName"`
	// The internal account receiving what the royalty leaves of a secondary
	// sale; required when the item was sold before, ignored otherwise.
	Seller string `json:"seller,omitempty" schema:"AccountName"`
}

// SplitRequest is the body of PUT /v1/market/assets/{id}/split; an empty
// list sends everything to the owner.
type SplitRequest struct {
	// The new split: recipients whose shares sum to exactly 10000, or an empty
	// list for everything to go to the owner.
	Split []Recipient `json:"split" jsonschema:"maxItems=100"`
}
