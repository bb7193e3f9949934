package collection

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
)

// TestDigests pins every write's request digest and the digest older
// builds gave the same request (see the market's TestDigests).
func TestDigests(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	split := []Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 5000}}
	track := Track{ID: "song-1", Price: money.FromUint64(198), Currency: "USD", Split: split}
	col := Collection{ID: "best-of", Creator: "payee-3", Price: money.FromUint64(500), Currency: "USD", Tracks: []string{"song-1", "song-2"}, Split: split}
	tests := []struct {
		name         string
		op           engine.Op
		want, legacy string
	}{
		{"config", SetConfig("k", at, DefaultConfig(), nil), "348cd76464f351952afcab0b3ea518d2b6ae1d848af75053713f28dee3a0c387", "e3686406e8cb1d25f2f2f902b436563236b305b2bfc4641e4d8cbecb40472118"},
		{"track", CreateTrack("k", at, track, nil), "6d3c11d1e287a0ddd1382b2826f3fd9fb9a11b85e7bd92bdf911243e38cd4ad7", "c4f393391dd4943cc7941a73399ec2ae6b82f0e9abfabd7e6b0fb943491c9e92"},
		{"price", SetTrackPrice("k", at, "song-1", money.FromUint64(175)), "5ad15228c13132026e56be554f092d97823fc9dc2511d06349f823ccd497e805", "23b4fbb9536ed9596d7a9f8f25e64f5bc9b96d582b57483293efe91ec1e3e60a"},
		{"collection", CreateCollection("k", at, col, nil), "5b072e04bd39dfa70429cbc99291a97c4a505779d8b919fb94a1a228309da06f", "ed535b51de7688977d40d72cdfc6b6aac8d6e6a95fd905b6c88fd41d8315b16e"},
		{"update", UpdateCollection("k", at, col, nil), "35b11b94d74eab9458fd4c1a12f98e4bf2c7609b98a819f97da74cbe6d3c94a6", "2fa1471129dca7159eea4873e1fc2f7d403b83173d99f3d20658a36dc1cd96b9"},
		{"purchase", Buy("k", at, Purchase{Collection: "best-of", Currency: "USD", Buyer: "@buyer:1"}, nil), "7e1f6ceeccf82412a99413690aa94227450cb5795f9fcf2226c9d76535e08228", "7733a4ddca49b341c3b0f7295a31ddbbe22eff78429fcb5b15a9ed420c6b97ad"},
	}
	for _, tt := range tests {
		l := tt.op.Legacy()
		got, legacy := hex.EncodeToString(tt.op.Hash[:]), hex.EncodeToString(l[:])
		if got != tt.want || legacy != tt.legacy {
			t.Errorf("%s: digest %s, legacy %s; want %s, %s", tt.name, got, legacy, tt.want, tt.legacy)
		}
	}
	// State the program decides is no part of a request.
	moved := col
	moved.Next = 2
	if UpdateCollection("k", at, moved, nil).Hash != UpdateCollection("k", at, col, nil).Hash {
		t.Error("an update's digest depends on the collection's rotation")
	}
	inCollections := track
	inCollections.Collections = []string{"best-of"}
	if CreateTrack("k", at, inCollections, nil).Hash != CreateTrack("k", at, track, nil).Hash {
		t.Error("a track's digest depends on the collections it is in")
	}
}
