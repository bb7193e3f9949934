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
	EffectiveRoyaltyBP uint64 `json:"effective_royalty_bp"`
}

// AssetRequest is the body of POST /v1/market/assets.
type AssetRequest struct {
	ID        string      `json:"id"`
	Owner     string      `json:"owner"`
	Split     []Recipient `json:"split,omitempty"`
	RoyaltyBP *uint64     `json:"royalty_bp,omitempty"`
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
	Amount   wire.Amount `json:"amount"`
	Currency string      `json:"currency"`
	Payer    string      `json:"payer"`
}

// LicenseRequest is the body of POST /v1/market/licenses. A license with
// period_seconds is paid recurrently from start.
type LicenseRequest struct {
	ID            string      `json:"id"`
	Asset         string      `json:"asset"`
	Currency      string      `json:"currency,omitempty"`
	Base          wire.Amount `json:"base,omitempty"`
	Penalty       wire.Amount `json:"penalty,omitempty"`
	PeriodSeconds uint64      `json:"period_seconds,omitempty"`
	Start         time.Time   `json:"start,omitzero"`
	Expires       *time.Time  `json:"expires,omitempty"`
}

// RoyaltyRequest is the body of PUT /v1/market/assets/{id}/royalty; null
// clears the override so the default applies. The field is required, so
// that an empty body cannot clear an override by accident.
type RoyaltyRequest struct {
	RoyaltyBP *uint64 `json:"royalty_bp"`
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
	Asset    string      `json:"asset,omitempty"`
	License  string      `json:"license,omitempty"`
	Amount   wire.Amount `json:"amount"`
	Currency string      `json:"currency"`
	Buyer    string      `json:"buyer"`
	Seller   string      `json:"seller,omitempty"`
}

// SplitRequest is the body of PUT /v1/market/assets/{id}/split; an empty
// list sends everything to the owner.
type SplitRequest struct {
	Split []Recipient `json:"split"`
}
