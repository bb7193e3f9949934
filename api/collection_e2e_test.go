package api_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/wire"
)

// TestCollectionEndToEnd buys the seed's collection over HTTP.
func TestCollectionEndToEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := start(t, open(t))
			ctx := context.Background()
			config := e.token(t, auth.Configurator)
			ingest := e.token(t, auth.Ingestor)
			reader := e.token(t, auth.Reader)
			tracks := []collection.TrackRequest{
				{ID: "song-1", Price: "198", Currency: "USD", Split: []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}},
				{ID: "song-2", Price: "200", Currency: "USD", Split: []collection.Recipient{{Account: "payee-4", ShareBP: 10000}}},
				{ID: "song-3", Price: "150", Currency: "USD", Split: []collection.Recipient{{Account: "payee-5", ShareBP: 10000}}},
			}
			for _, tr := range tracks {
				if _, _, err := config.CreateCollectionTrack(ctx, "t-"+tr.ID, tr); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := ingest.CreateCollectionTrack(ctx, "t-x", tracks[0])
			wantCode(t, "an ingestor creating a track", err, "forbidden", 403)
			_, _, err = config.CreateCollection(ctx, "c0", collection.CollectionRequest{ID: "cheap", Creator: "payee-3", Price: "199", Currency: "USD", Tracks: []string{"song-1", "song-2"}})
			wantCode(t, "a collection below its dearest track", err, "collection_price_below_track", 422)
			if _, _, err := config.CreateCollection(ctx, "c1", collection.CollectionRequest{ID: "best-of-2026", Creator: "payee-3", Price: "500", Currency: "USD", Tracks: []string{"song-1", "song-2", "song-3"}}); err != nil {
				t.Fatal(err)
			}
			_, _, err = config.SetCollectionTrackPrice(ctx, "p0", "song-2", collection.PriceRequest{Price: "501"})
			wantCode(t, "repricing a track above its collection", err, "collection_price_below_track", 422)
			ent, _, err := ingest.CreateCollectionPurchase(ctx, "buy-1", collection.Purchase{Collection: "best-of-2026", Currency: "USD", Buyer: "@buyer"})
			if err != nil {
				t.Fatal(err)
			}
			var total uint64
			for _, p := range ent.Postings {
				var n uint64
				for _, ch := range string(p.Amount) {
					n = n*10 + uint64(ch-'0')
				}
				total += n
			}
			if total != 572 {
				t.Errorf("the buyer paid %d cents; want 572", total)
			}
			for acct, want := range map[string]string{"payee-1": "99", "payee-2": "30", "payee-3": "371", "collection:treasury": "25"} {
				if got := available(t, reader, acct, "USD"); got != want {
					t.Errorf("%s = %s cents; want %s", acct, got, want)
				}
			}
			col, err := reader.GetCollection(ctx, "best-of-2026")
			if err != nil || col.Next != 1 {
				t.Errorf("collection after one purchase = %+v, %v; want rotation at 1", col, err)
			}
			_, _, err = ingest.CreateCollectionPurchase(ctx, "buy-2", collection.Purchase{Collection: "best-of-2026", Currency: "USDC", Buyer: "@buyer"})
			wantCode(t, "a purchase in another currency", err, "collection_currency_mismatch", 422)
			// The collection changed: a track dropped, the price lowered;
			// the answer is the collection as stored, rotation included.
			_, _, err = config.UpdateCollection(ctx, "u0", "best-of-2026", collection.UpdateCollectionRequest{Price: "199", Tracks: []string{"song-1", "song-2"}})
			wantCode(t, "a change below the dearest track", err, "collection_price_below_track", 422)
			col, _, err = config.UpdateCollection(ctx, "u1", "best-of-2026", collection.UpdateCollectionRequest{Price: "400", Tracks: []string{"song-1", "song-2"}})
			if err != nil || col.Price.String() != "400" || len(col.Tracks) != 2 || col.Creator != "payee-3" {
				t.Errorf("collection after the change = %+v, %v; want price 400, 2 tracks, creator kept", col, err)
			}
			if stored, err := reader.GetCollection(ctx, "best-of-2026"); err != nil || !reflect.DeepEqual(stored, col) {
				t.Errorf("stored collection = %+v, %v; want the change's answer %+v", stored, err, col)
			}
			// The fees are configuration: read by readers, set by admins.
			cfg, err := reader.GetCollectionConfig(ctx)
			if err != nil || cfg != collection.DefaultConfig() {
				t.Errorf("config = %+v, %v; want the default %+v", cfg, err, collection.DefaultConfig())
			}
			cfg.Fees.ProtocolBP = 400
			_, _, err = config.SetCollectionConfig(ctx, "cfg-1", cfg)
			wantCode(t, "a configurator setting the fees", err, "forbidden", 403)
			if got, _, err := e.admin.SetCollectionConfig(ctx, "cfg-1", cfg); err != nil || got != cfg {
				t.Errorf("SetCollectionConfig = %+v, %v; want %+v", got, err, cfg)
			}
			if got, err := reader.GetCollectionConfig(ctx); err != nil || got.Fees.ProtocolBP != 400 {
				t.Errorf("config after setting = %+v, %v; want a 400 bp protocol fee", got, err)
			}
			// Small payments accrue until the minimum withdrawal.
			if _, _, err := e.admin.SetWithdrawalMinimum(ctx, "min-1", "USD", wire.MinimumRequest{Amount: "1000"}); err != nil {
				t.Fatal(err)
			}
			payee := e.token(t, auth.Payee, "payee-3")
			if _, _, err := e.admin.SetPayoutDestination(ctx, "dest-3", "payee-3", payout.DestinationRequest{Destination: "@bank:payee-3"}); err != nil {
				t.Fatal(err)
			}
			_, _, err = payee.RequestWithdrawal(ctx, "w-small", wire.WithdrawalRequest{Account: "payee-3", Amount: "371", Currency: "USD"})
			wantCode(t, "withdrawing below the minimum", err, "withdrawal_below_minimum", 422)
			if _, err := engine.Verify(ctx, e.s); err != nil {
				t.Error(err)
			}
		})
	}
}
