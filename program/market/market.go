// Package market is the marketplace program of seed 004 (a
// RevenueDistributor): IP assets and their licenses are sold; the first sale
// of an item is primary (a platform fee to the treasury, the rest by the
// asset's revenue split, or all to its owner), every later sale is secondary
// (a royalty by the split, the rest to the seller); licenses can also be
// paid for period by period, with a penalty per missed period.
//
// The rules here are pure: they take the configuration, the item's state,
// the amount and the time, and return postings with their explanation.
// Fees and royalties are rounded down (the platform never takes more than
// its rate), and what they leave is handed out exactly by largest remainder,
// so every wei of a sale is accounted for.
package market

import (
	"fmt"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// Program names the market's state and entries.
const Program = "market"

// TotalBP is 100% in basis points: shares and rates are out of 10000. (The
// seed writes "70% (700 basis points)"; out of 10000, 70% is 7000 bp.)
const TotalBP = 10000

// Limits.
const (
	// RecipientsMax bounds an asset's revenue split.
	RecipientsMax = 100
	// IDMaxLen bounds asset and license IDs.
	IDMaxLen = 64
	// PeriodsMax bounds the missed periods one payment may settle, so that a
	// long-forgotten license cannot produce an absurd penalty silently.
	PeriodsMax = 10000
)

// Errors.
var (
	ErrConfig          = errcode.New(errcode.Unprocessable, "market_config_invalid", "market configuration is invalid")
	ErrID              = errcode.New(errcode.Invalid, "market_id_invalid", "asset or license ID is invalid")
	ErrExists          = errcode.New(errcode.Conflict, "market_exists", "an asset or license with this ID exists")
	ErrRoyalty         = errcode.New(errcode.Unprocessable, "market_royalty_invalid", "royalty must be 0 to 10000 basis points")
	ErrAddress         = errcode.New(errcode.Unprocessable, "market_address_invalid", "recipient address is invalid")
	ErrAmount          = errcode.New(errcode.Unprocessable, "market_amount_invalid", "sale amount is invalid")
	ErrSeller          = errcode.New(errcode.Unprocessable, "market_seller_invalid", "a secondary sale needs a seller")
	ErrLicenseRevoked  = errcode.New(errcode.Unprocessable, "market_license_revoked", "license is revoked")
	ErrLicenseExpired  = errcode.New(errcode.Unprocessable, "market_license_expired", "license has expired")
	ErrLicenseUnderpay = errcode.New(errcode.Unprocessable, "market_license_underpaid", "payment is less than the amount due")
	ErrLicenseTerms    = errcode.New(errcode.Unprocessable, "market_license_invalid", "license terms are invalid")
	ErrCurrency        = errcode.New(errcode.Unprocessable, "market_currency_mismatch", "payment is in another currency than the license")
)

// Config is the market's configuration.
type Config struct {
	// The platform fee on primary sales and license payments, in basis points
	// out of 10000 (250 is 2.5%).
	FeeBP uint64 `json:"fee_bp" jsonschema:"minimum=0,maximum=10000"`
	// The royalty on secondary sales of assets without their own, in basis
	// points out of 10000 (1000 is 10%).
	DefaultRoyaltyBP uint64 `json:"default_royalty_bp" jsonschema:"minimum=0,maximum=10000"`
	// The internal account receiving platform fees, such as `market:treasury`.
	Treasury string `json:"treasury" schema:"AccountName"`
}

// DefaultConfig is the seed's: a 2.5% fee, a 10% default royalty.
func DefaultConfig() Config {
	return Config{FeeBP: 250, DefaultRoyaltyBP: 1000, Treasury: "market:treasury"}
}

// Validate checks rates and the treasury account.
//
// Errors: ErrConfig, ErrRoyalty, ledger.ErrAccount.
func (c Config) Validate() error {
	if c.FeeBP > TotalBP {
		return errcode.Errorf(ErrConfig, "fee_bp is %d; want 0 to %d", c.FeeBP, TotalBP)
	}
	if c.DefaultRoyaltyBP > TotalBP {
		return errcode.Errorf(ErrRoyalty, "default_royalty_bp is %d; want 0 to %d", c.DefaultRoyaltyBP, TotalBP)
	}
	return checkRecipient(c.Treasury, "treasury")
}

// Recipient is one line of an asset's revenue split.
type Recipient = split.Share

// Asset is an IP asset.
type Asset struct {
	ID        string      `json:"id"`
	Owner     string      `json:"owner"`
	Split     []Recipient `json:"split,omitempty"`
	RoyaltyBP *uint64     `json:"royalty_bp,omitempty"` // nil: the default applies
	Sold      bool        `json:"sold"`
}

// License is a license for an asset: sold like an asset, and optionally
// paid for period by period.
type License struct {
	ID    string `json:"id" schema:"MarketId"`
	Asset string `json:"asset" schema:"MarketId"`
	// The currency of recurring payments; omitted when none was given.
	Currency string `json:"currency,omitempty"`
	// Due per period.
	Base money.Amount `json:"base" schema:"Amount"`
	// Added per missed period.
	Penalty money.Amount `json:"penalty" schema:"Amount"`
	// The payment period; omitted for a license that is only sold.
	PeriodSeconds uint64 `json:"period_seconds,omitempty" jsonschema:"minimum=1"`
	// The last payment, or the start while none was made.
	LastPaid time.Time `json:"last_paid" schema:"Time"`
	// When it stops taking payments; omitted when it does not expire.
	Expires time.Time `json:"expires,omitzero" schema:"Time"`
	Revoked bool      `json:"revoked"`
	// Whether the license was sold: its next sale is secondary.
	Sold bool `json:"sold"`
}

// Royalty returns the asset's effective royalty: its own if set, the
// default otherwise (getAssetRoyalty).
func Royalty(cfg Config, a Asset) uint64 {
	if a.RoyaltyBP != nil {
		return *a.RoyaltyBP
	}
	return cfg.DefaultRoyaltyBP
}

// ValidateID checks an asset or license ID: 1 to 64 bytes of letters,
// digits and . _ : -.
func ValidateID(id string) error {
	if id == "" || len(id) > IDMaxLen {
		return errcode.Errorf(ErrID, "ID %q must be 1 to %d bytes", id, IDMaxLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:-", c) >= 0) {
			return errcode.Errorf(ErrID, "ID %q has %q; want letters, digits and . _ : -", id, c)
		}
	}
	return nil
}

// checkRecipient checks an account that receives money: an internal
// account, and when written as an EVM address (0x…), 20 bytes that are not
// the zero address.
func checkRecipient(account, what string) error {
	if err := ledger.ValidateAccount(account); err != nil {
		return errcode.Errorf(ledger.ErrAccount, "%s: %v", what, err)
	}
	if ledger.IsExternal(account) {
		return errcode.Errorf(ErrAddress, "%s %q is external; revenue goes to internal accounts", what, account)
	}
	if hexPart, ok := strings.CutPrefix(strings.ToLower(account), "0x"); ok {
		if len(hexPart) != 40 || strings.Trim(hexPart, "0123456789abcdef") != "" {
			return errcode.Errorf(ErrAddress, "%s %q is not a 20-byte hex address", what, account)
		}
		if strings.Trim(hexPart, "0") == "" {
			return errcode.Errorf(ErrAddress, "%s is the zero address; money sent there is lost", what)
		}
	}
	return nil
}

// ValidateAsset checks an asset's owner, split and royalty.
//
// Errors: ErrID, ErrAddress, ErrRoyalty, ledger.ErrAccount, and the split
// package's errors for the split (split_shares_sum, split_empty,
// split_receiver_duplicate, split_receivers_max…).
func ValidateAsset(a Asset) error {
	if err := ValidateID(a.ID); err != nil {
		return err
	}
	if err := checkRecipient(a.Owner, "owner"); err != nil {
		return err
	}
	if a.RoyaltyBP != nil && *a.RoyaltyBP > TotalBP {
		return errcode.Errorf(ErrRoyalty, "royalty_bp is %d; want 0 to %d", *a.RoyaltyBP, TotalBP)
	}
	if a.Split != nil {
		return ValidateSplit(a.Split)
	}
	return nil
}

// ValidateSplit checks a revenue split: at least one recipient, no zero or
// malformed address, no duplicate, basis points summing to exactly 10000.
func ValidateSplit(rs []Recipient) error {
	for i, r := range rs {
		if err := checkRecipient(r.Account, fmt.Sprintf("split recipient %d", i+1)); err != nil {
			return err
		}
	}
	return split.OfShares("market", rs).Validate(split.Limits{ReceiversMax: RecipientsMax})
}

// amountMax is the largest sale amount: amount × 10000 must fit in 256
// bits, as it must in the on-chain distributor, so that every rate
// computation stays in range on both sides.
var amountMax, _, _ = money.Max.MulDiv(1, TotalBP)

func checkAmount(a money.Amount) error {
	if a.IsZero() {
		return errcode.Errorf(ErrAmount, "sale amount is zero; want at least one base unit")
	}
	if a.Cmp(amountMax) > 0 {
		return errcode.Errorf(money.ErrOverflow, "sale amount %s times 10000 bp does not fit in 256 bits; the largest sale is %s base units", a, amountMax)
	}
	return nil
}

// rate returns floor(total × bp / 10000): fees and royalties round down.
func rate(total money.Amount, bp uint64) money.Amount {
	q, _, err := total.MulDiv(bp, TotalBP)
	if err != nil {
		panic(err) // bp <= TotalBP: the result is at most total
	}
	return q
}

func pct(bp uint64) string { return split.FormatShare(split.BasisPoints, bp, TotalBP) }

// distribute hands amount out by the asset's split, or all to its owner,
// appending postings from from with paths under prefix.
func distribute(ps []ledger.Posting, a Asset, amount money.Amount, currency, from, prefix string) []ledger.Posting {
	if amount.IsZero() {
		return ps
	}
	if len(a.Split) == 0 {
		return append(ps, ledger.Posting{From: from, To: a.Owner, Currency: currency, Amount: amount, Path: prefix + " → all to the owner → " + a.Owner})
	}
	parts, err := split.AllocateShares(amount, a.Split)
	if err != nil {
		panic(err) // the split was validated when it was set
	}
	for i, p := range parts {
		if p.IsZero() {
			continue
		}
		r := a.Split[i]
		ps = append(ps, ledger.Posting{From: from, To: r.Account, Currency: currency, Amount: p, Path: prefix + " → split " + pct(r.ShareBP) + " → " + r.Account})
	}
	return ps
}

// Primary returns the postings of a primary sale of item (an asset, or a
// license of it) for total, paid from from: the platform fee to the
// treasury, the rest by the asset's split or to its owner.
//
// Errors: ErrAmount, money.ErrOverflow.
func Primary(cfg Config, a Asset, item string, total money.Amount, currency, from string) ([]ledger.Posting, error) {
	if err := checkAmount(total); err != nil {
		return nil, err
	}
	return primary(cfg, a, "market:"+item+" → primary sale", total, currency, from), nil
}

func primary(cfg Config, a Asset, prefix string, total money.Amount, currency, from string) []ledger.Posting {
	fee := rate(total, cfg.FeeBP)
	net, _ := total.Sub(fee)
	var ps []ledger.Posting
	if !fee.IsZero() {
		ps = append(ps, ledger.Posting{From: from, To: cfg.Treasury, Currency: currency, Amount: fee, Path: prefix + " → platform fee " + pct(cfg.FeeBP) + " → " + cfg.Treasury})
	}
	return distribute(ps, a, net, currency, from, prefix)
}

// Secondary returns the postings of a later sale of item: the royalty (the
// asset's or the default) by the split or to the owner, the rest to seller.
//
// Errors: ErrAmount, ErrSeller, money.ErrOverflow.
func Secondary(cfg Config, a Asset, item string, total money.Amount, currency, from, seller string) ([]ledger.Posting, error) {
	if err := checkAmount(total); err != nil {
		return nil, err
	}
	if seller == "" {
		return nil, errcode.Errorf(ErrSeller, "%s was sold before, so this sale is secondary and needs the seller's account", item)
	}
	if err := checkRecipient(seller, "seller"); err != nil {
		return nil, err
	}
	bp := Royalty(cfg, a)
	royalty := rate(total, bp)
	rest, _ := total.Sub(royalty)
	prefix := "market:" + item + " → secondary sale"
	ps := distribute(nil, a, royalty, currency, from, prefix+" → royalty "+pct(bp))
	if !rest.IsZero() {
		ps = append(ps, ledger.Posting{From: from, To: seller, Currency: currency, Amount: rest, Path: prefix + " → seller remainder → " + seller})
	}
	return ps, nil
}

// Due returns what a license payment at now must cover: the base for the
// current period plus the penalty for each period missed since the last
// payment (a payment due one period after the last, missed if now is two or
// more periods after it).
//
// Errors: ErrLicenseRevoked, ErrLicenseExpired, ErrLicenseTerms.
func Due(l License, now time.Time) (due money.Amount, missed uint64, err error) {
	switch {
	case l.Revoked:
		return money.Zero, 0, errcode.Errorf(ErrLicenseRevoked, "license %s is revoked; it takes no payments", l.ID)
	case !l.Expires.IsZero() && !now.Before(l.Expires):
		return money.Zero, 0, errcode.Errorf(ErrLicenseExpired, "license %s expired at %s", l.ID, l.Expires.Format(time.RFC3339))
	case l.PeriodSeconds == 0:
		return money.Zero, 0, errcode.Errorf(ErrLicenseTerms, "license %s has no payment period; it is sold, not paid for recurrently", l.ID)
	case now.Before(l.LastPaid):
		return money.Zero, 0, errcode.Errorf(ErrLicenseTerms, "payment time %s is before the last payment %s", now.Format(time.RFC3339), l.LastPaid.Format(time.RFC3339))
	}
	elapsed := uint64(now.Sub(l.LastPaid) / time.Second)
	if periods := elapsed / l.PeriodSeconds; periods > 1 {
		missed = periods - 1
	}
	if missed > PeriodsMax {
		return money.Zero, 0, errcode.Errorf(ErrLicenseTerms, "license %s has %d missed periods; at most %d are settled by one payment", l.ID, missed, PeriodsMax)
	}
	penalty, _, err := l.Penalty.MulDiv(missed, 1)
	if err != nil {
		return money.Zero, 0, err
	}
	if due, err = l.Base.Add(penalty); err != nil {
		return money.Zero, 0, err
	}
	return due, missed, nil
}

// Payment returns the postings of a recurring license payment of paid at
// now, distributed like a primary sale, and the license as it stands after
// it. Paying more than is due is accepted and distributed alike.
//
// The license's terms are checked before the payment's currency: a
// license that takes no payments (revoked, expired, or sold outright, with
// no period and so no currency) says so, rather than that the currency
// differs from its empty one.
//
// Errors: those of Due, ErrCurrency, ErrLicenseUnderpay, ErrAmount.
func Payment(cfg Config, a Asset, l License, paid money.Amount, currency, from string, now time.Time) ([]ledger.Posting, License, error) {
	due, missed, err := Due(l, now)
	if err != nil {
		return nil, l, err
	}
	if currency != l.Currency {
		return nil, l, errcode.Errorf(ErrCurrency, "license %s is paid in %s, not %s", l.ID, l.Currency, currency)
	}
	if paid.Cmp(due) < 0 {
		return nil, l, errcode.Errorf(ErrLicenseUnderpay, "license %s: %s base units are due (base %s + %d missed × %s); %s were paid", l.ID, due, l.Base, missed, l.Penalty, paid)
	}
	if err := checkAmount(paid); err != nil {
		return nil, l, err
	}
	what := "license payment"
	if missed > 0 {
		what = fmt.Sprintf("license payment (%d missed period%s)", missed, map[bool]string{true: "", false: "s"}[missed == 1])
	}
	ps := primary(cfg, a, "market:"+l.ID+" → "+what, paid, currency, from)
	l.LastPaid = now
	return ps, l, nil
}
