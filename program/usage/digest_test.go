package usage

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
)

// TestDigests pins every write's request digest and the digest older
// builds gave the same request (see the market's TestDigests).
func TestDigests(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := Config{Currency: "USD", Epoch: Epoch{Length: EpochMonth, Anchor: at},
		Metrics: []Metric{{Name: "calls", WeightBP: 10000}}, Pool: Pool{Kind: PoolFixedAmount, Amount: money.FromUint64(100_000), Account: "usage:treasury"},
		Formula: Formula{Kind: ProRata}}
	p := Participant{ID: "app-1", Owner: "dev-1", Account: "dev-1", Category: "games", Split: []split.Share{{Account: "dev-1", ShareBP: 10000}}}
	tests := []struct {
		name         string
		op           engine.Op
		want, legacy string
	}{
		{"config", ApplyConfig("k", at, cfg, nil), "aea7c32e9b1f9318764f3b25372ee9c976a90f588d894e923cc16b04ed6bc8ee", "61279b05182fbfb5723c566272f751878c03e0c423d9fe1616a8a433cc1b9fc7"},
		{"register", Register("k", at, []Participant{p}), "f7119a0b43508506d0f77a9649bf3cd650398df55d67194299eac36f634e5e21", "890a69bf013b61ad8dd324fc2a58431dae059da8bbc58d52b2a92f6e9fa12a40"},
		{"update", Update("k", at, p, "dev-1"), "a9e09a1d3df3c87551010966acc6691d91718b13a08b50ed05049de47a81d49e", "cb150f43af0e9bcb056f3b38475674cecfac0aa5c13af278951e015380b09391"},
		{"deregister", Deregister("k", at, "app-1", "dev-1"), "55586617913f5103337813e4f51f11ef2b075de7de46e851a66b66edfb2ce42b", "a7d0af3243db8d41209d9ef1f91e862e769071b5c95070c7f3179841d20d7474"},
		{"revenue", RecordRevenue("k", at, "@platform", money.FromUint64(5000), "USD"), "c83c2c0c69cadf6662011de72551acaf617550764562db08e96ecdeb4bb86cb1", "6a27e9e19d0164b07a9eda583e254854ca8e2a14b287a6c9d6d38157c2e0ccf4"},
		{"report", ReportUsage("k", at, Batch{Epoch: 0, Reports: []Report{{Participant: "app-1", Metric: "calls", Count: 42}}}), "270c3909af36a6d2d6ed43b744366708d2e3e647fbc86663dfd3af483ce6b20c", "a64c04d4430d88a8bc1c0a09aa74678a57beab94b7b8edb58d4c731746ae5d88"},
		{"close", CloseEpoch("k", at, 3), "1ed3f756e97f05eb4aed3f499a8d21eaa99cd4a9139fecd7d98ed530a2999b9e", "9323fab94d76aca92be3ca2c6427d4786004f3c6bf0b80f28e2e606206de51c7"},
	}
	for _, tt := range tests {
		l := tt.op.Legacy()
		got, legacy := hex.EncodeToString(tt.op.Hash[:]), hex.EncodeToString(l[:])
		if got != tt.want || legacy != tt.legacy {
			t.Errorf("%s: digest %s, legacy %s; want %s, %s", tt.name, got, legacy, tt.want, tt.legacy)
		}
	}
	// State the program decides is no part of a request.
	slotted := p
	slotted.Active, slotted.Slot = true, 7
	if Register("k", at, []Participant{slotted}).Hash != Register("k", at, []Participant{p}).Hash {
		t.Error("a registration's digest depends on the participant's slot")
	}
}
