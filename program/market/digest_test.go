package market

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
)

// TestDigests pins every write's request digest, and the digest older
// builds gave the same request (which a retry across an upgrade must still
// match): a change to what a digest covers fails here, not in production
// as a key_conflict on a retry.
func TestDigests(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fifteen := uint64(1500)
	eth := money.FromUint64(1_000_000)
	split := []Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}
	tests := []struct {
		name         string
		op           engine.Op
		want, legacy string
	}{
		{"config", SetConfig("k", at, DefaultConfig()), "1d75fa3db9f732734a1c9e65a923ad9ade5a3c973d031ce4f4772eccd44721c5", "16886785eafb861f60a139a861c515844efb0c28c9d2cd7c3182e799a10e6960"},
		{"asset", CreateAsset("k", at, Asset{ID: "asset-7", Owner: "owner", Split: split, RoyaltyBP: &fifteen}), "fadde9e9186e2598f2a1db57616910cc06695bd6ed0d0c5a1d54db55a7755974", "2928944dbe3ba80daa1b359e8a21e0f3f816bdee0dc35fe1739c4ae1192a5d51"},
		{"split", SetSplit("k", at, "asset-7", split), "9bf0752cecf09339607f6f1475cc19872401506553582b05a725147c32db9752", "61cbabc2f7fe2e8b60f905792e5bb9ff3b9d84a6848c444af64df563496eee7e"},
		{"royalty", SetRoyalty("k", at, "asset-7", &fifteen), "d685d104f1aa5cfe8b2a5fafe5528c42889f687b6a4462ee560f0227479b74a2", "5097c91b825816acdd24c2f76c1cab691616f6d2839ed790e9a6cb11e47edd82"},
		{"license", CreateLicense("k", at, License{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: eth, Penalty: eth, PeriodSeconds: 86400, LastPaid: at}, nil), "52e68433b41500ccf3a85dd230511ff2ea2bb569a41bc328b174dd0dba0ee03b", "eb27f69dbc8366959a0f47d6790a465214b3ec1623a3f116450ed87694f5bbd1"},
		{"revoke", RevokeLicense("k", at, "lic-1"), "31443d8181f28f9e3df9c5e16dfceb584fa6dcf4147a333ee035f8a3744510e3", "6194444b88bef1ab79514350eb416213c206e0a63a16b718a2bf28d573df3ffc"},
		{"sale", Sell("k", at, Sale{Asset: "asset-7", Amount: eth, Currency: "ETH", Buyer: "@buyer:1", Seller: "seller"}), "5e1adb636cbaf6d7fdd576498a2ed39d4d63af0331fa814464bdafae5ffcc6f8", "77a6072893a310a4fda13f9bc106808306120b2d2e71cc92e390e6b401b4695b"},
		{"payment", Pay("k", at, "lic-1", eth, "ETH", "@licensee"), "298c2efb39a540cbee01ef93411185d7f7caeb098a650a04334eceb592a85f79", "6b8e3c9f7c6f555e4d38085c0fa3afc4683932c7cf35f59b4b1f42518b059cd4"},
	}
	for _, tt := range tests {
		l := tt.op.Legacy()
		got, legacy := hex.EncodeToString(tt.op.Hash[:]), hex.EncodeToString(l[:])
		if got != tt.want || legacy != tt.legacy {
			t.Errorf("%s: digest %s, legacy %s; want %s, %s", tt.name, got, legacy, tt.want, tt.legacy)
		}
	}
	// State the program decides is no part of a request.
	sold := Asset{ID: "asset-7", Owner: "owner", Sold: true}
	if CreateAsset("k", at, sold).Hash != CreateAsset("k", at, Asset{ID: "asset-7", Owner: "owner"}).Hash {
		t.Error("an asset's digest depends on whether it was sold")
	}
}
