package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/wire"
)

// Who may configure an asset: a configurator, an admin, or the asset's
// owner acting with a payee token for the owner's account.
var assetConfigurers = []auth.Role{auth.Admin, auth.Configurator, auth.Payee}

func (s *Server) marketRoutes() []Route {
	read := []auth.Role{auth.Admin, auth.Reader, auth.Configurator}
	return []Route{
		{"GET", "/v1/market/config", read, s.marketConfig},
		{"PUT", "/v1/market/config", admins, s.putMarketConfig},
		{"POST", "/v1/market/assets", assetConfigurers, s.createAsset},
		{"GET", "/v1/market/assets/{id}", read, s.getAsset},
		{"PUT", "/v1/market/assets/{id}/split", assetConfigurers, s.putAssetSplit},
		{"PUT", "/v1/market/assets/{id}/royalty", assetConfigurers, s.putAssetRoyalty},
		{"POST", "/v1/market/licenses", assetConfigurers, s.createLicense},
		{"GET", "/v1/market/licenses/{id}", read, s.getLicense},
		{"POST", "/v1/market/licenses/{id}/revoke", assetConfigurers, s.revokeLicense},
		{"POST", "/v1/market/licenses/{id}/payments", ingestors, s.payLicense},
		{"POST", "/v1/market/sales", ingestors, s.sell},
	}
}

// view lets a handler read program state through the same functions the
// operations use, outside any transaction, for the checks it makes before
// submitting an operation.
func (s *Server) view(r *http.Request, program string) engine.View {
	return storeView{s: s.cfg.Store, r: r, program: program}
}

type storeView struct {
	s       Store
	r       *http.Request
	program string
}

func (v storeView) State(key string) ([]byte, bool, error) {
	return v.s.State(v.r.Context(), v.program, key)
}

func (v storeView) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	w, err := v.s.Withdrawal(v.r.Context(), id)
	if errors.Is(err, ledger.ErrNotFound) {
		return w, false, nil
	}
	return w, err == nil, err
}

func (v storeView) Balance(account, currency string) (ledger.Balance, error) {
	bals, err := v.s.AccountBalances(v.r.Context(), account)
	for _, b := range bals {
		if b.Currency == currency {
			return b, err
		}
	}
	return ledger.Balance{BalanceKey: ledger.BalanceKey{Account: account, Currency: currency}}, err
}

func (s *Server) storedMarketConfig(r *http.Request) (market.Config, error) {
	return market.ReadConfig(s.view(r, market.Program))
}

func (s *Server) storedAsset(r *http.Request, id string) (market.Asset, error) {
	return market.ReadAsset(s.view(r, market.Program), id)
}

func (s *Server) storedLicense(r *http.Request, id string) (market.License, error) {
	return market.ReadLicense(s.view(r, market.Program), id)
}

// ownerOnly lets a payee token configure only what its account owns (what
// names it: an asset, a participant). An owner never changes, so checking
// before the operation commits cannot be outrun.
func ownerOnly(c *Call, what, owner string) error {
	if c.Token.Role == auth.Payee && !c.Token.MayAct(owner) {
		return errcode.Errorf(auth.ErrForbidden, "only the %s's owner (%s) or a configurator may configure it", what, owner)
	}
	return nil
}

func (s *Server) marketConfig(w http.ResponseWriter, r *http.Request, _ *Call) error {
	cfg, err := s.storedMarketConfig(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

func (s *Server) putMarketConfig(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, cfg, err := readWrite[market.Config](r)
	if err != nil {
		return err
	}
	return s.apply(w, r, market.SetConfig(key, c.Now, cfg), http.StatusOK, func(ledger.Entry) (any, error) { return cfg, nil })
}

// assetAnswer is an asset with its effective royalty as v sees them: the
// stored state for a read, the state a change leaves for a write's
// recorded answer.
func assetAnswer(v engine.View, id string) (wire.AssetJSON, error) {
	a, err := market.ReadAsset(v, id)
	if err != nil {
		return wire.AssetJSON{}, err
	}
	cfg, err := market.ReadConfig(v)
	if err != nil {
		return wire.AssetJSON{}, err
	}
	return wire.AssetJSON{Asset: a, EffectiveRoyaltyBP: market.Royalty(cfg, a)}, nil
}

// recordAsset records the answer of a write to asset id: the asset as the
// write left it, with the royalty in effect then, which a later change of
// the default royalty must not rewrite.
func recordAsset(id string) answerFunc {
	return func(v engine.View) (any, error) { return assetAnswer(v, id) }
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.AssetRequest](r)
	if err != nil {
		return err
	}
	if err := ownerOnly(c, "asset", req.Owner); err != nil {
		return err
	}
	a := market.Asset{ID: req.ID, Owner: req.Owner, Split: req.Split, RoyaltyBP: req.RoyaltyBP}
	return s.applyAnswered(w, r, market.CreateAsset(key, c.Now, a), http.StatusCreated, recordAsset(a.ID), nil)
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request, _ *Call) error {
	out, err := assetAnswer(s.view(r, market.Program), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// royaltyBody decodes a RoyaltyRequest and insists that royalty_bp is there.
type royaltyBody struct {
	wire.RoyaltyRequest
}

func (b *royaltyBody) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	v, ok := raw["royalty_bp"]
	if !ok {
		return errcode.Errorf(ErrBadRequest, "royalty_bp is required: a number of basis points, or null to clear the override")
	}
	delete(raw, "royalty_bp")
	for k := range raw {
		return errcode.Errorf(ErrBadRequest, "unknown field %q; the body has royalty_bp only", k)
	}
	return json.Unmarshal(v, &b.RoyaltyBP)
}

// configureAsset decodes body, checks that the caller may configure the
// asset, applies the operation build makes, and answers with the asset as
// the operation left it (recorded, so that a replay answers the same).
func (s *Server) configureAsset(w http.ResponseWriter, r *http.Request, c *Call, body any, build func(key string, at time.Time, id string) engine.Op) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	if err := decode(r, body); err != nil {
		return err
	}
	id := r.PathValue("id")
	a, err := s.storedAsset(r, id)
	if err != nil {
		return err
	}
	if err := ownerOnly(c, "asset", a.Owner); err != nil {
		return err
	}
	return s.applyAnswered(w, r, build(key, c.Now, id), http.StatusOK, recordAsset(id), nil)
}

func (s *Server) putAssetSplit(w http.ResponseWriter, r *http.Request, c *Call) error {
	var req wire.SplitRequest
	return s.configureAsset(w, r, c, &req, func(key string, at time.Time, id string) engine.Op {
		return market.SetSplit(key, at, id, req.Split)
	})
}

func (s *Server) putAssetRoyalty(w http.ResponseWriter, r *http.Request, c *Call) error {
	var req royaltyBody
	return s.configureAsset(w, r, c, &req, func(key string, at time.Time, id string) engine.Op {
		return market.SetRoyalty(key, at, id, req.RoyaltyBP)
	})
}

func units(a wire.Amount) (money.Amount, error) {
	if a == "" {
		return money.Zero, nil
	}
	return money.ParseUnits(string(a))
}

func (s *Server) createLicense(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.LicenseRequest](r)
	if err != nil {
		return err
	}
	a, err := s.storedAsset(r, req.Asset)
	if err != nil {
		return err
	}
	if err := ownerOnly(c, "asset", a.Owner); err != nil {
		return err
	}
	l := market.License{ID: req.ID, Asset: req.Asset, Currency: req.Currency, PeriodSeconds: req.PeriodSeconds, LastPaid: req.Start}
	if l.Base, err = units(req.Base); err != nil {
		return err
	}
	if l.Penalty, err = units(req.Penalty); err != nil {
		return err
	}
	if req.Expires != nil {
		l.Expires = *req.Expires
	}
	// The start defaults to the request's time inside the operation, so
	// that resending the same body replays; answer with the stored license.
	return s.apply(w, r, market.CreateLicense(key, c.Now, l, s.cfg.Currencies), http.StatusCreated, func(e ledger.Entry) (any, error) {
		if l.LastPaid.IsZero() {
			l.LastPaid = e.Time
		}
		return l, nil
	})
}

func (s *Server) getLicense(w http.ResponseWriter, r *http.Request, c *Call) error {
	l, err := s.storedLicense(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := wire.LicenseJSON{License: l}
	if due, missed, err := market.Due(l, c.Now); err == nil {
		d := wire.Amount(due.String())
		out.DueNow, out.MissedPeriod = &d, &missed
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) revokeLicense(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	l, err := s.storedLicense(r, id)
	if err != nil {
		return err
	}
	a, err := s.storedAsset(r, l.Asset)
	if err != nil {
		return err
	}
	if err := ownerOnly(c, "asset", a.Owner); err != nil {
		return err
	}
	// The license as the revocation left it, recorded: l was read before
	// the transaction, and a later sale changes the stored one.
	return s.applyAnswered(w, r, market.RevokeLicense(key, c.Now, id), http.StatusOK, func(v engine.View) (any, error) {
		return market.ReadLicense(v, id)
	}, nil)
}

func (s *Server) payLicense(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.LicensePaymentRequest](r)
	if err != nil {
		return err
	}
	amt, err := s.amount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	return s.apply(w, r, market.Pay(key, c.Now, r.PathValue("id"), amt, req.Currency, req.Payer), http.StatusCreated, entryBody)
}

func (s *Server) sell(w http.ResponseWriter, r *http.Request, c *Call) error {
	key, req, err := readWrite[wire.SaleRequest](r)
	if err != nil {
		return err
	}
	if (req.Asset == "") == (req.License == "") {
		return errcode.Errorf(ErrBadRequest, "a sale names exactly one of asset and license")
	}
	amt, err := s.amount(req.Amount, req.Currency)
	if err != nil {
		return err
	}
	return s.apply(w, r, market.Sell(key, c.Now, market.Sale{Asset: req.Asset, License: req.License, Amount: amt, Currency: req.Currency, Buyer: req.Buyer, Seller: req.Seller}), http.StatusCreated, entryBody)
}
