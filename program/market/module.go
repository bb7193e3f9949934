package market

import (
	_ "embed"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

//go:embed routes.md
var docs string

var (
	assetID   = program.Param{Name: "id", In: "path", Doc: "The asset's ID.", Schema: "MarketId"}
	licenseID = program.Param{Name: "id", In: "path", Doc: "The license's ID.", Schema: "MarketId"}
)

// Module is the market program's module: its routes, codes and state.
func Module() program.Module {
	return program.Module{
		Name: Program, Title: "Market", Docs: docs,
		Routes: []program.Route{
			{Method: "GET", Path: "/v1/market/config", ID: "getMarketConfig", Roles: program.ConfigReaders, Handler: program.Read(serveReadConfig)},
			{Method: "PUT", Path: "/v1/market/config", ID: "setMarketConfig", Roles: program.Admins, Handler: program.Write(serveSetConfig)},
			{Method: "POST", Path: "/v1/market/assets", ID: "createMarketAsset", Roles: program.Owners, Status: program.Created, Handler: program.Write(serveCreateAsset)},
			{Method: "GET", Path: "/v1/market/assets/{id}", ID: "getMarketAsset", Roles: program.ConfigReaders, Params: []program.Param{assetID}, Handler: program.Read(serveGetAsset)},
			{Method: "PUT", Path: "/v1/market/assets/{id}/split", ID: "setMarketAssetSplit", Roles: program.Owners, Params: []program.Param{assetID}, Handler: program.Write(serveSetAssetSplit)},
			// The royalty is the configurator's, as the seed's
			// serveSetAssetRoyalty is CONFIGURATOR_ROLE's; the owner sets
			// the split only.
			{Method: "PUT", Path: "/v1/market/assets/{id}/royalty", ID: "setMarketAssetRoyalty", Roles: program.Configurators, Params: []program.Param{assetID}, Handler: program.Write(serveSetAssetRoyalty)},
			{Method: "POST", Path: "/v1/market/licenses", ID: "createMarketLicense", Roles: program.Owners, Status: program.Created, Handler: program.Write(serveCreateLicense)},
			{Method: "GET", Path: "/v1/market/licenses/{id}", ID: "getMarketLicense", Roles: program.ConfigReaders, Params: []program.Param{licenseID}, Handler: program.Read(serveGetLicense)},
			{Method: "POST", Path: "/v1/market/licenses/{id}/revoke", ID: "revokeMarketLicense", Roles: program.Owners, Params: []program.Param{licenseID}, Handler: program.Write(serveRevokeLicense)},
			{Method: "POST", Path: "/v1/market/licenses/{id}/payments", ID: "payMarketLicense", Roles: program.Ingestors, Params: []program.Param{licenseID}, Status: program.Created, Handler: program.Write(servePayLicense)},
			{Method: "POST", Path: "/v1/market/sales", ID: "createMarketSale", Roles: program.Ingestors, Status: program.Created, Handler: program.Write(serveSell)},
		},
		Errors: []*errcode.Error{ErrConfig, ErrID, ErrExists, ErrRoyalty, ErrAddress, ErrAmount, ErrSeller, ErrLicenseRevoked, ErrLicenseExpired, ErrLicenseUnderpay, ErrLicenseTerms, ErrCurrency},
		State: []program.StateKey{
			{Pattern: configKey, Holds: "the configuration: fee, default royalty, treasury"},
			{Pattern: assetKey("{id}"), Holds: "an asset: owner, split, royalty override, whether it was sold"},
			{Pattern: licenseKey("{id}"), Holds: "a license: terms, last payment, revoked, sold"},
		},
	}
}

func serveReadConfig(c program.Call) (Config, error) { return ReadConfig(c.View()) }

func serveSetConfig(c program.Call, cfg Config) (program.Effect[Config], error) {
	return program.Answer(SetConfig(c.Key(), c.Now(), cfg), func(ledger.Entry) (Config, error) { return cfg, nil }), nil
}

// assetAnswer is an asset with its effective royalty as v sees them: the
// stored state for a read, the state a change leaves for a write's
// recorded answer (which a later change of the default royalty must not
// rewrite).
func assetAnswer(v engine.View, id string) (AssetJSON, error) {
	a, err := ReadAsset(v, id)
	if err != nil {
		return AssetJSON{}, err
	}
	cfg, err := ReadConfig(v)
	if err != nil {
		return AssetJSON{}, err
	}
	return AssetJSON{Asset: a, EffectiveRoyaltyBP: Royalty(cfg, a)}, nil
}

func recordAsset(op engine.Op, id string) program.Effect[AssetJSON] {
	return program.Record(op, func(v engine.View) (AssetJSON, error) { return assetAnswer(v, id) })
}

func serveCreateAsset(c program.Call, req AssetRequest) (program.Effect[AssetJSON], error) {
	if err := program.OwnerOnly(c, "asset", req.Owner); err != nil {
		return program.Effect[AssetJSON]{}, err
	}
	a := Asset{ID: req.ID, Owner: req.Owner, Split: req.Split, RoyaltyBP: req.RoyaltyBP}
	return recordAsset(CreateAsset(c.Key(), c.Now(), a), a.ID), nil
}

func serveGetAsset(c program.Call) (AssetJSON, error) { return assetAnswer(c.View(), c.Path("id")) }

// ownAsset checks that the caller may configure asset id.
func ownAsset(c program.Call, id string) error {
	a, err := ReadAsset(c.View(), id)
	if err != nil {
		return err
	}
	return program.OwnerOnly(c, "asset", a.Owner)
}

func serveSetAssetSplit(c program.Call, req SplitRequest) (program.Effect[AssetJSON], error) {
	id := c.Path("id")
	if err := ownAsset(c, id); err != nil {
		return program.Effect[AssetJSON]{}, err
	}
	return recordAsset(SetSplit(c.Key(), c.Now(), id, req.Split), id), nil
}

func serveSetAssetRoyalty(c program.Call, req RoyaltyRequest) (program.Effect[AssetJSON], error) {
	id := c.Path("id")
	return recordAsset(SetRoyalty(c.Key(), c.Now(), id, req.RoyaltyBP), id), nil
}

func units(a wire.Amount) (money.Amount, error) {
	if a == "" {
		return money.Zero, nil
	}
	return money.ParseUnits(string(a))
}

func serveCreateLicense(c program.Call, req LicenseRequest) (program.Effect[License], error) {
	if err := ownAsset(c, req.Asset); err != nil {
		return program.Effect[License]{}, err
	}
	l := License{ID: req.ID, Asset: req.Asset, Currency: req.Currency, PeriodSeconds: req.PeriodSeconds, LastPaid: req.Start}
	var err error
	if l.Base, err = units(req.Base); err != nil {
		return program.Effect[License]{}, err
	}
	if l.Penalty, err = units(req.Penalty); err != nil {
		return program.Effect[License]{}, err
	}
	if req.Expires != nil {
		l.Expires = *req.Expires
	}
	// The start defaults to the request's time inside the operation, so
	// that resending the same body replays; answer with the stored license.
	return program.Answer(CreateLicense(c.Key(), c.Now(), l, c.Currencies()), func(e ledger.Entry) (License, error) {
		if l.LastPaid.IsZero() {
			l.LastPaid = e.Time
		}
		return l, nil
	}), nil
}

func serveGetLicense(c program.Call) (LicenseJSON, error) {
	l, err := ReadLicense(c.View(), c.Path("id"))
	if err != nil {
		return LicenseJSON{}, err
	}
	out := LicenseJSON{License: l}
	if due, missed, err := Due(l, c.Now()); err == nil {
		d := wire.Amount(due.String())
		out.DueNow, out.MissedPeriod = &d, &missed
	}
	return out, nil
}

func serveRevokeLicense(c program.Call, _ program.NoBody) (program.Effect[License], error) {
	id := c.Path("id")
	l, err := ReadLicense(c.View(), id)
	if err != nil {
		return program.Effect[License]{}, err
	}
	if err := ownAsset(c, l.Asset); err != nil {
		return program.Effect[License]{}, err
	}
	// The license as the revocation left it, recorded: a later sale
	// changes the stored one.
	return program.Record(RevokeLicense(c.Key(), c.Now(), id), func(v engine.View) (License, error) {
		return ReadLicense(v, id)
	}), nil
}

func servePayLicense(c program.Call, req LicensePaymentRequest) (program.Effect[wire.EntryJSON], error) {
	amt, err := program.Amount(c, req.Amount, req.Currency)
	if err != nil {
		return program.Effect[wire.EntryJSON]{}, err
	}
	return program.EntryAnswer(Pay(c.Key(), c.Now(), c.Path("id"), amt, req.Currency, req.Payer)), nil
}

func serveSell(c program.Call, req SaleRequest) (program.Effect[wire.EntryJSON], error) {
	if (req.Asset == "") == (req.License == "") {
		return program.Effect[wire.EntryJSON]{}, errcode.Errorf(program.ErrBadRequest, "a sale names exactly one of asset and license")
	}
	amt, err := program.Amount(c, req.Amount, req.Currency)
	if err != nil {
		return program.Effect[wire.EntryJSON]{}, err
	}
	return program.EntryAnswer(Sell(c.Key(), c.Now(), Sale{Asset: req.Asset, License: req.License, Amount: amt, Currency: req.Currency, Buyer: req.Buyer, Seller: req.Seller})), nil
}
