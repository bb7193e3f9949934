package api_test

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/program/market"
)

// replayStep is one request of a replay case, sent with the admin token
// (which every route below allows) and its idempotency key.
type replayStep struct {
	method, path, key, body string
}

// TestReplayAnswersTheFirstAnswer holds every write whose answer reads
// program state to the replay promise: after a different, later write has
// changed what the first one answered, replaying the first answers its
// status and body byte for byte, says Idempotent-Replayed: true, and
// changes nothing (no entry, no event, the resource as it was).
func TestReplayAnswersTheFirstAnswer(t *testing.T) {
	deployer := feeshare.Address{0: 0xde, 19: 1}
	contract, _ := feeshare.DeriveCreate(deployer, []uint64{5, 2, 1})
	other, _ := feeshare.DeriveCreate(deployer, []uint64{7})
	register := func(c feeshare.Address, nonces string) string {
		return `{"contract":"` + c.Hex() + `","deployer":"` + deployer.Hex() + `","nonces":[` + nonces + `]}`
	}
	genesis := `{"params":{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":50},"revenues":[` +
		`{"contract_address":"` + feeshare.Address{0: 0x1c, 19: 3}.Hex() + `","deployer_address":"` + feeshare.Address{0: 0xd2, 19: 4}.Bech32() + `"}]}`
	anchor := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3).Format(time.RFC3339)
	usageConfig := func(calls, users int) string {
		return `{"currency":"USD","epoch":{"length":"day","anchor":"` + anchor + `"},"metrics":[{"name":"calls","weight_bp":` + strconv.Itoa(calls) + `},{"name":"users","weight_bp":` + strconv.Itoa(users) + `}],` +
			`"pool":{"kind":"fixed_percentage","percent_bp":5000,"account":"usage:pool"},"formula":{"kind":"pro_rata"}}`
	}
	asset := replayStep{"POST", "/v1/market/assets", "asset", `{"id":"asset-7","owner":"artist:1"}`}
	track := func(id, price string) replayStep {
		return replayStep{"POST", "/v1/collection/tracks", "track-" + id, `{"id":"` + id + `","price":"` + price + `","currency":"USD","split":[{"account":"payee-1","share_bp":10000}]}`}
	}
	participant := replayStep{"POST", "/v1/usage/participants", "app-1", `{"id":"app-1","owner":"artist:1","account":"artist:1"}`}

	cases := []struct {
		name   string
		setup  []replayStep
		first  replayStep
		status int
		later  []replayStep // change what first answered
		look   string       // a read of what first changed
	}{
		{
			name:   "market asset split, then its royalty",
			setup:  []replayStep{asset},
			first:  replayStep{"PUT", "/v1/market/assets/asset-7/split", "k1", `{"split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}]}`},
			status: 200,
			later:  []replayStep{{"PUT", "/v1/market/assets/asset-7/royalty", "k2", `{"royalty_bp":2500}`}},
			look:   "/v1/market/assets/asset-7",
		},
		{
			name:   "market asset royalty, then its split",
			setup:  []replayStep{asset},
			first:  replayStep{"PUT", "/v1/market/assets/asset-7/royalty", "k1", `{"royalty_bp":2500}`},
			status: 200,
			later:  []replayStep{{"PUT", "/v1/market/assets/asset-7/split", "k2", `{"split":[{"account":"artist:1","share_bp":7000},{"account":"artist:2","share_bp":3000}]}`}},
			look:   "/v1/market/assets/asset-7",
		},
		{
			name:   "market asset royalty cleared, then the default royalty",
			setup:  []replayStep{asset, {"PUT", "/v1/market/assets/asset-7/royalty", "k0", `{"royalty_bp":2500}`}},
			first:  replayStep{"PUT", "/v1/market/assets/asset-7/royalty", "k1", `{"royalty_bp":null}`},
			status: 200,
			later:  []replayStep{{"PUT", "/v1/market/config", "k2", `{"fee_bp":250,"default_royalty_bp":500,"treasury":"market:treasury"}`}},
			look:   "/v1/market/assets/asset-7",
		},
		{
			name:   "market asset registered, then the default royalty",
			first:  asset,
			status: 201,
			later:  []replayStep{{"PUT", "/v1/market/config", "k2", `{"fee_bp":250,"default_royalty_bp":500,"treasury":"market:treasury"}`}},
			look:   "/v1/market/assets/asset-7",
		},
		{
			name:   "market license revoked, then sold",
			setup:  []replayStep{asset, {"POST", "/v1/market/licenses", "license", `{"id":"license-1","asset":"asset-7"}`}},
			first:  replayStep{"POST", "/v1/market/licenses/license-1/revoke", "k1", ""},
			status: 200,
			later:  []replayStep{{"POST", "/v1/market/sales", "k2", `{"license":"license-1","amount":"1000","currency":"ETH","buyer":"@buyer:1"}`}},
			look:   "/v1/market/licenses/license-1",
		},
		{
			name:   "collection track repriced, then repriced again",
			setup:  []replayStep{track("song-1", "198")},
			first:  replayStep{"PUT", "/v1/collection/tracks/song-1/price", "k1", `{"price":"175"}`},
			status: 200,
			later:  []replayStep{{"PUT", "/v1/collection/tracks/song-1/price", "k2", `{"price":"150"}`}},
			look:   "/v1/collection/tracks/song-1",
		},
		{
			name:   "collection track repriced, then put in a collection",
			setup:  []replayStep{track("song-1", "198")},
			first:  replayStep{"PUT", "/v1/collection/tracks/song-1/price", "k1", `{"price":"175"}`},
			status: 200,
			later:  []replayStep{{"POST", "/v1/collection/collections", "k2", `{"id":"best-of","creator":"payee-3","price":"500","currency":"USD","tracks":["song-1"]}`}},
			look:   "/v1/collection/tracks/song-1",
		},
		{
			name: "collection changed, then bought from",
			setup: []replayStep{track("song-1", "198"), track("song-2", "200"),
				{"POST", "/v1/collection/collections", "best-of", `{"id":"best-of","creator":"payee-3","price":"500","currency":"USD","tracks":["song-1"]}`}},
			first:  replayStep{"PUT", "/v1/collection/collections/best-of", "k1", `{"price":"600","tracks":["song-1","song-2"]}`},
			status: 200,
			later:  []replayStep{{"POST", "/v1/collection/purchases", "k2", `{"collection":"best-of","currency":"USD","buyer":"@buyer:1"}`}},
			look:   "/v1/collection/collections/best-of",
		},
		{
			name:   "usage configuration, then the next",
			first:  replayStep{"PUT", "/v1/usage/config", "k1", usageConfig(7000, 3000)},
			status: 200,
			later:  []replayStep{{"PUT", "/v1/usage/config", "k2", usageConfig(6000, 4000)}},
			look:   "/v1/usage/config",
		},
		{
			name:   "usage participant registered, then changed",
			first:  participant,
			status: 201,
			later:  []replayStep{{"PUT", "/v1/usage/participants/app-1", "k2", `{"account":"artist:2","category":"games"}`}},
			look:   "/v1/usage/participants/app-1",
		},
		{
			name:   "usage participant changed, then deregistered",
			setup:  []replayStep{participant},
			first:  replayStep{"PUT", "/v1/usage/participants/app-1", "k1", `{"account":"artist:2","category":"games"}`},
			status: 200,
			later:  []replayStep{{"DELETE", "/v1/usage/participants/app-1", "k2", ""}},
			look:   "/v1/usage/participants/app-1",
		},
		{
			name:   "fee-share registration, then the derivation cost",
			first:  replayStep{"POST", "/v1/feeshare/register", "k1", register(contract, `"5","2","1"`)},
			status: 201,
			later:  []replayStep{{"PUT", "/v1/feeshare/params", "k2", `{"enable_revenue":true,"developer_shares":"0.5","addr_derivation_cost_create":60}`}},
			look:   "/v1/feeshare/params",
		},
		{
			name:   "fee-share genesis, then a registration and the parameters",
			first:  replayStep{"POST", "/v1/feeshare/genesis", "k1", genesis},
			status: 200,
			later: []replayStep{
				{"POST", "/v1/feeshare/register", "k2", register(other, `"7"`)},
				{"PUT", "/v1/feeshare/params", "k3", `{"enable_revenue":true,"developer_shares":"40%","addr_derivation_cost_create":60}`},
			},
			look: "/v1/feeshare/genesis",
		},
	}
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					chain := &fakeChain{facts: feeshare.Facts{DeployerNonce: 12, ContractHasCode: true, Head: 99}, signer: deployer}
					e := startFeeshare(t, open(t), chain)
					send := func(s replayStep) answer {
						t.Helper()
						var body any
						if s.body != "" {
							body = []byte(s.body)
						}
						return e.call(t, s.method, s.path, adminSecret, s.key, body)
					}
					ok := func(what string, s replayStep) answer {
						t.Helper()
						a := send(s)
						if a.status/100 != 2 {
							t.Fatalf("%s %s %s: HTTP %d %s", what, s.method, s.path, a.status, a.body)
						}
						return a
					}
					look := func() []byte {
						t.Helper()
						a := e.call(t, "GET", tc.look, adminSecret, "", nil)
						if a.status != 200 {
							t.Fatalf("GET %s: HTTP %d %s", tc.look, a.status, a.body)
						}
						return a.body
					}
					for _, s := range tc.setup {
						ok("setup", s)
					}
					first := ok("first", tc.first)
					if first.status != tc.status || first.replayed {
						t.Fatalf("first %s %s: HTTP %d, replayed %v; want %d, not replayed", tc.first.method, tc.first.path, first.status, first.replayed, tc.status)
					}
					before := look()
					for _, s := range tc.later {
						ok("later", s)
					}
					changed := look()
					if bytes.Equal(before, changed) {
						t.Fatalf("the later writes did not change GET %s (%s): the case tests nothing", tc.look, before)
					}
					entries, events := e.counts(t)

					again := send(tc.first)
					if again.status != first.status || !bytes.Equal(again.body, first.body) {
						t.Errorf("replay: HTTP %d %s\nwant the first answer: HTTP %d %s", again.status, again.body, first.status, first.body)
					}
					if !again.replayed {
						t.Errorf("replay: no Idempotent-Replayed: true")
					}
					if n, m := e.counts(t); n != entries || m != events {
						t.Errorf("replay: %d entries and %d events; want %d and %d as before", n, m, entries, events)
					}
					if after := look(); !bytes.Equal(after, changed) {
						t.Errorf("replay changed GET %s: %s; was %s", tc.look, after, changed)
					}
				})
			}
		})
	}
}

// counts returns how many entries and events the store holds.
func (e *fsEnv) counts(t *testing.T) (entries, events int) {
	t.Helper()
	ctx := context.Background()
	ents, err := e.store.Journal(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.store.Events(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents), len(evs)
}

// TestReplayRacingTheFirstWrite sends one write many times at once under
// one key: whichever request commits it, and whichever replays it (also a
// request whose own run lost the race and found the key taken), every one
// answers the same bytes, and exactly one is not a replay.
func TestReplayRacingTheFirstWrite(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := startFeeshare(t, open(t), nil)
			e.call(t, "POST", "/v1/market/assets", adminSecret, "asset", []byte(`{"id":"asset-7","owner":"artist:1"}`)).want(t, "registering the asset", 201, "")
			const n = 8
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = e.call(t, "PUT", "/v1/market/assets/asset-7/royalty", adminSecret, "k1", []byte(`{"royalty_bp":2500}`))
				}()
			}
			wg.Wait()
			firsts := 0
			for i, a := range answers {
				if a.status != 200 || !bytes.Equal(a.body, answers[0].body) {
					t.Errorf("request %d: HTTP %d %s; want 200 %s like request 0", i, a.status, a.body, answers[0].body)
				}
				if !a.replayed {
					firsts++
				}
			}
			if firsts != 1 {
				t.Errorf("%d requests were not replays; want 1", firsts)
			}
		})
	}
}

// TestReplayOfAWriteWithoutARecordedAnswer replays a write committed
// before answers were recorded (applied here through the engine, as an
// older server did): nothing tells what it first answered, so it answers
// with the state as it is, as replays did then, and still writes nothing.
func TestReplayOfAWriteWithoutARecordedAnswer(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			e := startFeeshare(t, s, nil)
			e.call(t, "POST", "/v1/market/assets", adminSecret, "asset", []byte(`{"id":"asset-7","owner":"artist:1"}`)).want(t, "registering the asset", 201, "")
			bp := uint64(2500)
			if _, err := engine.New(s, money.NewRegistry()).ApplyOne(context.Background(), market.SetRoyalty("k-old", time.Now(), "asset-7", &bp)); err != nil {
				t.Fatal(err)
			}
			entries, events := e.counts(t)
			a := e.call(t, "PUT", "/v1/market/assets/asset-7/royalty", adminSecret, "k-old", []byte(`{"royalty_bp":2500}`))
			if a.want(t, "the replay", 200, ""); !a.replayed || decodeAs[market.AssetJSON](t, a).EffectiveRoyaltyBP != 2500 {
				t.Errorf("replay without a recorded answer: replayed %v, %s; want the asset as it stands", a.replayed, a.body)
			}
			if n, m := e.counts(t); n != entries || m != events {
				t.Errorf("the replay wrote: %d entries and %d events; want %d and %d", n, m, entries, events)
			}
		})
	}
}

// TestReplayOfAnEquivalentBody resends a write with a body that says the
// same thing in other bytes ("0100000" for "100000" base units): the
// server takes it for the same request, so it must answer what the first
// answered, not an echo of the bytes it was sent this time.
func TestReplayOfAnEquivalentBody(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			e := startFeeshare(t, open(t), nil)
			first := e.call(t, "PUT", "/v1/config/withdrawal-minimums/USD", adminSecret, "k1", []byte(`{"amount":"0100000"}`))
			first.want(t, "setting the minimum", 200, "")
			again := e.call(t, "PUT", "/v1/config/withdrawal-minimums/USD", adminSecret, "k1", []byte(`{"amount":"100000"}`))
			if again.status != 200 || !again.replayed || !bytes.Equal(again.body, first.body) {
				t.Errorf("replay: HTTP %d, replayed %v, %s; want the first answer %s", again.status, again.replayed, again.body, first.body)
			}
			if stored := e.call(t, "GET", "/v1/config/withdrawal-minimums/USD", adminSecret, "", nil); !bytes.Equal(stored.body, first.body) {
				t.Errorf("GET answers %s; the write answered %s", stored.body, first.body)
			}
		})
	}
}
