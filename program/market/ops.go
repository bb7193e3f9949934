package market

import (
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
)

// The market keeps its state under these keys. Each operation reads what it
// needs through the engine's View, which locks it until the transaction
// ends: whether an item was sold before is decided in the same transaction
// that records the sale, so two concurrent "first" sales cannot both be
// primary.
const configKey = "config"

func assetKey(id string) string   { return "asset/" + id }
func licenseKey(id string) string { return "license/" + id }

// ReadConfig returns the market's configuration, the default until set.
func ReadConfig(v engine.View) (Config, error) {
	c := DefaultConfig()
	return c, engine.ReadJSONOr(v, configKey, &c)
}

// ReadAsset returns an asset.
//
// Errors: ledger.ErrNotFound.
func ReadAsset(v engine.View, id string) (Asset, error) {
	var a Asset
	return a, engine.ReadJSON(v, assetKey(id), "asset", id, &a)
}

// ReadLicense returns a license.
//
// Errors: ledger.ErrNotFound.
func ReadLicense(v engine.View, id string) (License, error) {
	var l License
	return l, engine.ReadJSON(v, licenseKey(id), "license", id, &l)
}

// configure returns a Config entry writing state, with a config.changed
// event naming what changed and how.
func configure(kind, id, action string, writes ...engine.StateWrite) engine.Change {
	return engine.ConfigChange("market:"+id, "market_"+kind, id, action, writes...)
}

// op is a market operation whose request digest has the fields fields
// adds; legacy is what the digest was made of before (engine.ProgramOp).
func op(key, what string, at time.Time, fields func(*ledger.Hasher), legacy any, run func(engine.View) (engine.Change, error)) engine.Op {
	return engine.ProgramOp(Program, key, what, at, fields, legacy, run)
}

// SetConfig sets the fee, default royalty and treasury (admin only: the
// caller checks).
func SetConfig(key string, at time.Time, c Config) engine.Op {
	return op(key, "config", at, func(h *ledger.Hasher) { h.Uint(c.FeeBP).Uint(c.DefaultRoyaltyBP).String(c.Treasury) }, c, func(engine.View) (engine.Change, error) {
		if err := c.Validate(); err != nil {
			return engine.Change{}, err
		}
		return configure("config", "config", "set", engine.WriteJSON(configKey, c)), nil
	})
}

// CreateAsset registers an asset, unsold.
//
// Refusals: ErrExists and those of ValidateAsset.
func CreateAsset(key string, at time.Time, a Asset) engine.Op {
	a.Sold = false
	return op(key, "asset", at, func(h *ledger.Hasher) {
		h.String(a.ID).String(a.Owner)
		program.HashShares(h, a.Split)
		h.OptUint(a.RoyaltyBP)
	}, a, func(v engine.View) (engine.Change, error) {
		if err := ValidateAsset(a); err != nil {
			return engine.Change{}, err
		}
		if _, ok, err := v.State(assetKey(a.ID)); err != nil {
			return engine.Change{}, err
		} else if ok {
			return engine.Change{}, errcode.Errorf(ErrExists, "asset %q exists", a.ID)
		}
		return configure("asset", a.ID, "created", engine.WriteJSON(assetKey(a.ID), a)), nil
	})
}

// SetSplit replaces an asset's revenue split; an empty split sends
// everything to the owner.
//
// Refusals: ledger.ErrNotFound and those of ValidateSplit.
func SetSplit(key string, at time.Time, id string, rs []Recipient) engine.Op {
	return op(key, "split", at, func(h *ledger.Hasher) { h.String(id); program.HashShares(h, rs) }, []any{id, rs}, func(v engine.View) (engine.Change, error) {
		a, err := ReadAsset(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		a.Split = nil
		if len(rs) > 0 {
			if err := ValidateSplit(rs); err != nil {
				return engine.Change{}, err
			}
			a.Split = rs
		}
		return configure("split", id, "replaced", engine.WriteJSON(assetKey(id), a)), nil
	})
}

// SetRoyalty sets an asset's royalty override; nil clears it, so the
// default applies again.
//
// Refusals: ledger.ErrNotFound, ErrRoyalty.
func SetRoyalty(key string, at time.Time, id string, bp *uint64) engine.Op {
	return op(key, "royalty", at, func(h *ledger.Hasher) { h.String(id).OptUint(bp) }, []any{id, bp}, func(v engine.View) (engine.Change, error) {
		a, err := ReadAsset(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		if bp != nil && *bp > TotalBP {
			return engine.Change{}, errcode.Errorf(ErrRoyalty, "royalty_bp is %d; want 0 to %d", *bp, TotalBP)
		}
		a.RoyaltyBP = bp
		action := "set"
		if bp == nil {
			action = "cleared"
		}
		return configure("royalty", id, action, engine.WriteJSON(assetKey(id), a)), nil
	})
}

// CreateLicense registers a license for an existing asset. A license with
// a period is paid recurrently from its start (LastPaid), which defaults to
// the operation's time: defaulted inside the operation, so that a resent
// request without a start is the same request and replays.
//
// Refusals: ErrExists, ErrID, ErrLicenseTerms, ledger.ErrNotFound,
// money.ErrUnknownCurrency.
func CreateLicense(key string, at time.Time, l License, currencies ledger.Currencies) engine.Op {
	l.Sold, l.Revoked = false, false
	return op(key, "license", at, func(h *ledger.Hasher) {
		h.String(l.ID).String(l.Asset).String(l.Currency).Amount(l.Base).Amount(l.Penalty).Uint(l.PeriodSeconds).Time(l.LastPaid).Time(l.Expires)
	}, l, func(v engine.View) (engine.Change, error) {
		if err := ValidateID(l.ID); err != nil {
			return engine.Change{}, err
		}
		if l.LastPaid.IsZero() {
			l.LastPaid = at
		}
		if !l.Expires.IsZero() && !l.Expires.After(l.LastPaid) {
			return engine.Change{}, errcode.Errorf(ErrLicenseTerms, "license %s expires at %s, not after its start %s", l.ID, l.Expires.Format(time.RFC3339), l.LastPaid.Format(time.RFC3339))
		}
		if l.Currency != "" {
			if _, err := currencies.Lookup(l.Currency); err != nil {
				return engine.Change{}, err
			}
		}
		if _, err := ReadAsset(v, l.Asset); err != nil {
			return engine.Change{}, err
		}
		if l.PeriodSeconds > 0 {
			if l.Currency == "" {
				return engine.Change{}, errcode.Errorf(ErrLicenseTerms, "license %s has a period but no currency", l.ID)
			}
			if l.Base.IsZero() {
				return engine.Change{}, errcode.Errorf(ErrLicenseTerms, "license %s has a period but no base amount", l.ID)
			}
		}
		if _, ok, err := v.State(licenseKey(l.ID)); err != nil {
			return engine.Change{}, err
		} else if ok {
			return engine.Change{}, errcode.Errorf(ErrExists, "license %q exists", l.ID)
		}
		return configure("license", l.ID, "created", engine.WriteJSON(licenseKey(l.ID), l)), nil
	})
}

// RevokeLicense revokes a license: it takes no more payments.
func RevokeLicense(key string, at time.Time, id string) engine.Op {
	return op(key, "revoke", at, func(h *ledger.Hasher) { h.String(id) }, id, func(v engine.View) (engine.Change, error) {
		l, err := ReadLicense(v, id)
		if err != nil {
			return engine.Change{}, err
		}
		l.Revoked = true
		return configure("license", id, "revoked", engine.WriteJSON(licenseKey(id), l)), nil
	})
}

// Sale is a sale of an asset, or of a license when License is set.
type Sale struct {
	Asset    string       `json:"asset,omitempty"`
	License  string       `json:"license,omitempty"`
	Amount   money.Amount `json:"amount"`
	Currency string       `json:"currency"`
	Buyer    string       `json:"buyer"`  // paying account, usually external: "@buyer:42"
	Seller   string       `json:"seller"` // who receives the remainder of a secondary sale
}

// Sell records a sale: primary if the item was never sold, secondary
// otherwise, decided and recorded in the same transaction.
//
// Refusals: ledger.ErrNotFound, ErrAmount, ErrSeller, money.ErrOverflow,
// ledger.ErrAccount.
func Sell(key string, at time.Time, s Sale) engine.Op {
	return op(key, "sale", at, func(h *ledger.Hasher) {
		h.String(s.Asset).String(s.License).Amount(s.Amount).String(s.Currency).String(s.Buyer).String(s.Seller)
	}, s, func(v engine.View) (engine.Change, error) {
		if err := ledger.ValidateAccount(s.Buyer); err != nil {
			return engine.Change{}, err
		}
		cfg, err := ReadConfig(v)
		if err != nil {
			return engine.Change{}, err
		}
		item, assetID := s.Asset, s.Asset
		var lic License
		if s.License != "" {
			if lic, err = ReadLicense(v, s.License); err != nil {
				return engine.Change{}, err
			}
			item, assetID = s.License, lic.Asset
		}
		a, err := ReadAsset(v, assetID)
		if err != nil {
			return engine.Change{}, err
		}
		sold := a.Sold
		if s.License != "" {
			sold = lic.Sold
		}
		var ps []ledger.Posting
		if sold {
			ps, err = Secondary(cfg, a, item, s.Amount, s.Currency, s.Buyer, s.Seller)
		} else {
			ps, err = Primary(cfg, a, item, s.Amount, s.Currency, s.Buyer)
		}
		if err != nil {
			return engine.Change{}, err
		}
		var w engine.StateWrite
		if s.License != "" {
			lic.Sold = true
			w = engine.WriteJSON(licenseKey(lic.ID), lic)
		} else {
			a.Sold = true
			w = engine.WriteJSON(assetKey(a.ID), a)
		}
		return engine.Change{Kind: ledger.Transfer, Ref: "market:" + item, Postings: ps, State: []engine.StateWrite{w}}, nil
	})
}

// Pay records a recurring license payment at its time, from payer.
//
// Refusals: those of Payment, ledger.ErrNotFound.
func Pay(key string, at time.Time, license string, paid money.Amount, currency, payer string) engine.Op {
	return op(key, "payment", at, func(h *ledger.Hasher) { h.String(license).Amount(paid).String(currency).String(payer) }, []any{license, paid, currency, payer}, func(v engine.View) (engine.Change, error) {
		if err := ledger.ValidateAccount(payer); err != nil {
			return engine.Change{}, err
		}
		cfg, err := ReadConfig(v)
		if err != nil {
			return engine.Change{}, err
		}
		l, err := ReadLicense(v, license)
		if err != nil {
			return engine.Change{}, err
		}
		a, err := ReadAsset(v, l.Asset)
		if err != nil {
			return engine.Change{}, err
		}
		ps, l, err := Payment(cfg, a, l, paid, currency, payer, at)
		if err != nil {
			return engine.Change{}, err
		}
		return engine.Change{Kind: ledger.Transfer, Ref: "market:" + l.ID, Postings: ps, State: []engine.StateWrite{engine.WriteJSON(licenseKey(l.ID), l)}}, nil
	})
}
