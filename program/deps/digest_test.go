package deps

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestDigests pins every write's request digest (see the market's
// TestDigests): a change to what a digest covers fails here, not in
// production as a key_conflict on a retry.
func TestDigests(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := Params{Currency: "USD", Anchor: at, BaseRate: BaseRate{Public: money.FromUint64(5510), Private: money.FromUint64(5800), NoTelemetry: money.FromUint64(4000)}, PassBP: []uint64{2848}}
	r := Repo{ID: "npm:date-fp", Owner: "owner:1", Treasury: "treasury:1", Visibility: Public, Packages: []string{"npm:date-fp"}}
	tests := []struct {
		name string
		op   engine.Op
		want string
	}{
		{"config", SetParams("k", at, p, nil), "8930f9acd87dc22047ec2ef85767ff07d01de81106c3b67ceac214da3567c47e"},
		{"repo", LinkRepo("k", at, r), "e572467a80355c074a170c732f3ffda3c606df3d238d856285a0cead785bdb84"},
		{"packages", MapPackages("k", at, "npm:date-fp", []string{"npm:date-fp", "npm:date-fp-extra"}), "de55aca1e487c1e2648a4a05bf7aad63ae7326b66157bc0ca461445aef6e0a38"},
		{"meta", SetMeta("k", at, "npm:date-fp", Meta{Stars: 120, Commits90: 14}), "5ec291bb98dc4e327ba9eaa39a4e9c16f28b04a716c54c1049017dc0bc4aa2e0"},
		{"asset", ApplyAsset("k", at, "npm:date-fp", "[royalties]\nmultiplier = 1.0\n"), "4dc0fe469021aa818ed956474bb4f29130120a3f2a3481c873e67cdaf1bc2d2d"},
		{"lockfile", StoreGraph("k", at, "npm:date-fp", ledger.Hash{1, 2, 3}, Graph{Deps: []string{"npm:chrono-utils"}}), "e9f5aa9ef942b0d2f33a81ca49b1a4c8c3f8a035c424e5c44898f5d772934662"},
		{"usage", RecordUsage("k", at, []Report{{From: "npm:meeting-bot", To: "npm:date-fp", Calls: 4_100_000, Epoch: 3, Source: SourceProd}}), "55b000f0dd924fb07aedecb0d733a1a7ac982cff4d7b8072ff51bb873287c6ab"},
		{"open", OpenEpoch("k", at, 3), "26556db84fd173bc2a98859c264c58b2eafc3e88ef55a20dd171dabebe2a396e"},
		{"close", CloseEpoch("k", at, 3), "53e518e5be742bd32bb2d60ee466c844572b099b2f62a50c92796a4a7e938575"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.op.Hash[:]); got != tt.want {
			t.Errorf("%s: digest %s; want %s", tt.name, got, tt.want)
		}
		if tt.op.Legacy != nil {
			t.Errorf("%s has a legacy digest; the program never had one", tt.name)
		}
	}
	// What the program decides is no part of a request: a link's asset
	// and metadata start at their defaults whatever the caller sent.
	r2 := r
	r2.Meta = Meta{Stars: 9}
	if LinkRepo("k", at, r2).Hash != LinkRepo("k", at, r).Hash {
		t.Error("a link's digest depends on metadata it ignores")
	}
}
