package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/wire"
)

const wei = "000000000000000000" // 18 zeros: ETH to wei

// TestMarketEndToEnd runs the seed's flows over HTTP with the roles the
// issue names: the owner (a payee token) and a configurator configure, an
// admin sets the default royalty, anyone else is refused, an ingestor sells.
func TestMarketEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			ctx := context.Background()
			owner := e.token(t, auth.Payee, "owner")
			stranger := e.token(t, auth.Payee, "stranger")
			config := e.token(t, auth.Configurator)
			ingest := e.token(t, auth.Ingestor)
			reader := e.token(t, auth.Reader)

			asset := market.AssetRequest{ID: "asset-7", Owner: "owner", Split: []market.Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}}
			_, _, err := stranger.CreateMarketAsset(ctx, "a0", asset)
			wantCode(t, "a payee creating another's asset", err, "forbidden", 403)
			got, _, err := owner.CreateMarketAsset(ctx, "a1", asset)
			if err != nil || got.EffectiveRoyaltyBP != 1000 {
				t.Fatalf("owner creating its asset = %+v, %v; want effective royalty 1000", got, err)
			}
			_, _, err = config.CreateMarketAsset(ctx, "a2", asset)
			wantCode(t, "creating it again", err, "market_exists", 409)
			_, _, err = stranger.SetMarketAssetSplit(ctx, "s0", "asset-7", market.SplitRequest{Split: []market.Recipient{{Account: "stranger", ShareBP: 10000}}})
			wantCode(t, "a stranger changing the split", err, "forbidden", 403)
			_, _, err = owner.SetMarketAssetSplit(ctx, "s1", "asset-7", market.SplitRequest{Split: []market.Recipient{{Account: "owner", ShareBP: 7000}}})
			wantCode(t, "a split of 7000 bp", err, "split_shares_sum", 422)
			_, _, err = reader.CreateMarketSale(ctx, "x", market.SaleRequest{Asset: "asset-7", Amount: "1", Currency: "ETH", Buyer: "@b"})
			wantCode(t, "a reader selling", err, "forbidden", 403)
			_, _, err = config.SetMarketConfig(ctx, "c0", market.Config{FeeBP: 250, DefaultRoyaltyBP: 1000, Treasury: "market:treasury"})
			wantCode(t, "a configurator setting the default royalty", err, "forbidden", 403)

			// The seed's flows.
			if _, _, err := ingest.CreateMarketSale(ctx, "sale-1", market.SaleRequest{Asset: "asset-7", Amount: "1000" + wei, Currency: "ETH", Buyer: "@buyer:1"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := ingest.CreateMarketSale(ctx, "sale-2", market.SaleRequest{Asset: "asset-7", Amount: "1000" + wei, Currency: "ETH", Buyer: "@buyer:2", Seller: "seller"}); err != nil {
				t.Fatal(err)
			}
			_, _, err = ingest.CreateMarketSale(ctx, "sale-3", market.SaleRequest{Asset: "asset-7", Amount: "1" + wei, Currency: "ETH", Buyer: "@buyer:3"})
			wantCode(t, "a secondary sale without a seller", err, "market_seller_invalid", 422)
			if _, _, err := owner.CreateMarketAsset(ctx, "a8", market.AssetRequest{ID: "asset-8", Owner: "owner"}); err != nil {
				t.Fatal(err)
			}
			start := time.Now().Add(-61 * 24 * time.Hour)
			if _, _, err := owner.CreateMarketLicense(ctx, "l1", market.LicenseRequest{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: "100" + wei, Penalty: "5" + wei, PeriodSeconds: 30 * 86400, Start: start}); err != nil {
				t.Fatal(err)
			}
			lic, err := reader.GetMarketLicense(ctx, "lic-1")
			if err != nil || lic.DueNow == nil || *lic.DueNow != "105"+wei || *lic.MissedPeriod != 1 {
				t.Fatalf("License = %+v, %v; want 105 ETH due with 1 missed period", lic, err)
			}
			_, _, err = ingest.PayMarketLicense(ctx, "p0", "lic-1", market.LicensePaymentRequest{Amount: "100" + wei, Currency: "ETH", Payer: "@licensee"})
			wantCode(t, "paying only the base", err, "market_license_underpaid", 422)
			if _, _, err := ingest.PayMarketLicense(ctx, "p1", "lic-1", market.LicensePaymentRequest{Amount: "105" + wei, Currency: "ETH", Payer: "@licensee"}); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"market:treasury": "27625" + wei[:15], "owner": "854875" + wei[:15], "collaborator": "3225" + wei[:17], "seller": "900" + wei}
			for acct, units := range want {
				if got := available(t, reader, acct, "ETH"); got != units {
					t.Errorf("available(%s) = %s; want %s", acct, got, units)
				}
			}

			// The royalty is the configurator's (seed 004: setAssetRoyalty
			// is CONFIGURATOR_ROLE's): the owner is refused, a
			// configurator sets it and clears it.
			fifteen := uint64(1500)
			_, _, err = owner.SetMarketAssetRoyalty(ctx, "r0", "asset-7", market.RoyaltyRequest{RoyaltyBP: &fifteen})
			wantCode(t, "the owner setting its asset's royalty", err, "forbidden", 403)
			if a, _, err := config.SetMarketAssetRoyalty(ctx, "r1", "asset-7", market.RoyaltyRequest{RoyaltyBP: &fifteen}); err != nil || a.EffectiveRoyaltyBP != 1500 {
				t.Errorf("override = %+v, %v; want 1500", a, err)
			}
			if a, _, err := config.SetMarketAssetRoyalty(ctx, "r2", "asset-7", market.RoyaltyRequest{RoyaltyBP: nil}); err != nil || a.EffectiveRoyaltyBP != 1000 || a.RoyaltyBP != nil {
				t.Errorf("cleared override = %+v, %v; want the default 1000", a, err)
			}
			if _, _, err := e.admin.SetMarketConfig(ctx, "c1", market.Config{FeeBP: 250, DefaultRoyaltyBP: 800, Treasury: "market:treasury"}); err != nil {
				t.Fatal(err)
			}
			if a, err := reader.GetMarketAsset(ctx, "asset-7"); err != nil || a.EffectiveRoyaltyBP != 800 {
				t.Errorf("asset after the default changed = %+v, %v; want 800", a, err)
			}
			// A license created without a start can be resent: same key, same
			// body, a replay — not a conflict on a server-chosen time.
			noStart := market.LicenseRequest{ID: "lic-2", Asset: "asset-8", Currency: "ETH", Base: "1" + wei, PeriodSeconds: 86400}
			first, _, err := owner.CreateMarketLicense(ctx, "l2", noStart)
			if err != nil {
				t.Fatal(err)
			}
			again, _, err := owner.CreateMarketLicense(ctx, "l2", noStart)
			if err != nil || !again.LastPaid.Equal(first.LastPaid) {
				t.Errorf("resending a license without a start = %+v, %v; want a replay with start %v", again, err, first.LastPaid)
			}
			past := time.Now().Add(-time.Hour)
			_, _, err = owner.CreateMarketLicense(ctx, "l3", market.LicenseRequest{ID: "lic-3", Asset: "asset-8", Currency: "ETH", Base: "1" + wei, PeriodSeconds: 86400, Expires: &past})
			wantCode(t, "a license expiring before it starts", err, "market_license_invalid", 422)
			_, _, err = owner.CreateMarketLicense(ctx, "l4", market.LicenseRequest{ID: "lic-4", Asset: "asset-8", Currency: "XYZ"})
			wantCode(t, "a license in an unknown currency", err, "currency_unknown", 422)
			// A revoked license takes no payments.
			if _, _, err := owner.RevokeMarketLicense(ctx, "rv", "lic-1"); err != nil {
				t.Fatal(err)
			}
			_, _, err = ingest.PayMarketLicense(ctx, "p2", "lic-1", market.LicensePaymentRequest{Amount: "200" + wei, Currency: "ETH", Payer: "@licensee"})
			wantCode(t, "paying a revoked license", err, "market_license_revoked", 422)
			// Recipients withdraw like everyone else, to where the
			// platform registered.
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-owner", "owner", payout.DestinationRequest{Destination: "@bank:owner"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := owner.RequestWithdrawal(ctx, "w1", wire.WithdrawalRequest{Account: "owner", Amount: wire.Amount("854875" + wei[:15]), Currency: "ETH"}); err != nil {
				t.Errorf("owner withdrawing: %v", err)
			}
			if _, err := engine.Verify(ctx, e.s); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRoyaltyBodyRequired: an empty body must not clear an override.
func TestRoyaltyBodyRequired(t *testing.T) {
	e := start(t, stores(t)["sqlite"](t))
	ctx := context.Background()
	if _, _, err := e.admin.CreateMarketAsset(ctx, "a", market.AssetRequest{ID: "a", Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{}`, `{"royalty_bp":5,"x":1}`} {
		req, _ := http.NewRequest("PUT", e.srv.URL+"/v1/market/assets/a/royalty", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminSecret)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "r-"+body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("PUT royalty %s = %d; want 400", body, resp.StatusCode)
		}
	}
}
