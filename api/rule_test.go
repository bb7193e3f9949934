package api_test

import (
	"testing"

	"github.com/tributary-ledger/tributary/api"
)

func TestRule(t *testing.T) {
	for _, tc := range []struct{ path, to, want string }{
		{"market:asset-7 → split 70% → owner", "owner", "split"},
		{"market:asset-7 → platform fee 2.5% → platform", "platform", "platform fee"},
		{"market:asset-7 → seller remainder → seller", "seller", "seller remainder"},
		{"collection:best → track:song-1 (rotation 1 of 3) → split 50% → payee-1", "payee-1", "split"},
		{"collection:best → surplus → creator → payee-3", "payee-3", "creator"},
		{"fee:0xabc → base fee 100 × gas 21000 burned", "@chain:burned", "base fee"},
		{"split:s1 → 25% → artist:1", "artist:1", ""},
		{"", "x", ""},
		{"no arrows", "x", ""},
	} {
		if got := api.Rule(tc.path, tc.to); got != tc.want {
			t.Errorf("Rule(%q, %q) = %q; want %q", tc.path, tc.to, got, tc.want)
		}
	}
}
