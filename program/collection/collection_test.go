package collection_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/collection"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var (
	t0  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reg = money.NewRegistry()
)

func amt(s string, c money.Currency) money.Amount {
	a, err := money.Parse(s, c)
	if err != nil {
		panic(err)
	}
	return a
}

func received(ps []ledger.Posting, c money.Currency) map[string]string {
	sums := map[string]money.Amount{}
	for _, p := range ps {
		sums[p.To], _ = sums[p.To].Add(p.Amount)
	}
	out := map[string]string{}
	for k, v := range sums {
		out[k] = money.Format(v, c)
	}
	return out
}

func song1(cur money.Currency) collection.Track {
	return collection.Track{ID: "song-1", Price: amt("1.98", cur), Currency: cur.Code, Split: []collection.Recipient{{Account: "payee-1", ShareBP: 5000}, {Account: "payee-2", ShareBP: 1500}, {Account: "payee-3", ShareBP: 3500}}}
}

// TestSeedPurchase is the seed's purchase: a $5.00 collection whose next
// track, SONG 1, costs $1.98 split 50/15/35; payee 3 is the creator.
func TestSeedPurchase(t *testing.T) {
	tests := []struct {
		cur  money.Currency
		want map[string]string
	}{
		// In cents all of $1.98 is handed out: 0.99 + 0.30 + 0.69 (the seed
		// prints 0.29 and loses a cent).
		{money.USD, map[string]string{"payee-1": "0.99", "payee-2": "0.30", "payee-3": "3.71", "collection:treasury": "0.25", "@processor": "0.47"}},
		{money.USDC, map[string]string{"payee-1": "0.99", "payee-2": "0.297", "payee-3": "3.713", "collection:treasury": "0.25", "@processor": "0.465757"}},
	}
	for _, tt := range tests {
		c := collection.Collection{ID: "best-of-2026", Creator: "payee-3", Price: amt("5.00", tt.cur), Currency: tt.cur.Code, Tracks: []string{"song-1", "song-2", "song-3"}}
		ps, after, q, err := collection.BuyCollection(collection.DefaultConfig(), c, song1(tt.cur), tt.cur, "@buyer")
		if err != nil {
			t.Fatal(err)
		}
		got := received(ps, tt.cur)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: purchase pays %v; want %v", tt.cur.Code, got, tt.want)
		}
		var sum money.Amount
		for _, p := range ps {
			sum, _ = sum.Add(p.Amount)
		}
		if sum != q.Total {
			t.Errorf("%s: postings sum to %s; the buyer paid %s", tt.cur.Code, sum, q.Total)
		}
		if tt.cur == money.USD && money.Format(q.Total, tt.cur) != "5.72" {
			t.Errorf("USD total = %s; want 5.72", money.Format(q.Total, tt.cur))
		}
		if after.Next != 1 {
			t.Errorf("rotation after one purchase = %d; want 1", after.Next)
		}
		for _, p := range ps {
			if p.To == "payee-2" && p.Path != "collection:best-of-2026 → track:song-1 (rotation 1 of 3) → split 15% → payee-2" {
				t.Errorf("payee-2's path = %q", p.Path)
			}
		}
	}
}

func TestGross(t *testing.T) {
	tests := []struct {
		fees              collection.Fees
		price             string
		total, proc, prot string
	}{
		{collection.DefaultConfig().Fees, "5.00", "5.72", "0.47", "0.25"},
		{collection.DefaultConfig().Fees, "1.98", "2.45", "0.38", "0.09"}, // (1.98 + 0.09 + 0.30) / 0.971 = 2.4408…
		{collection.Fees{ProcessorFix: "0"}, "1.00", "1.00", "0.00", "0.00"},
		{collection.Fees{ProtocolBP: 10000, ProcessorFix: "0"}, "1.00", "2.00", "0.00", "1.00"},
	}
	for _, tt := range tests {
		q, err := collection.Gross(tt.fees, amt(tt.price, money.USD), money.USD)
		if err != nil {
			t.Fatal(err)
		}
		got := [3]string{money.Format(q.Total, money.USD), money.Format(q.Processor, money.USD), money.Format(q.Protocol, money.USD)}
		if got != [3]string{tt.total, tt.proc, tt.prot} {
			t.Errorf("Gross(%+v, %s) = %v; want total %s, processor %s, protocol %s", tt.fees, tt.price, got, tt.total, tt.proc, tt.prot)
		}
		// The processor's share of the total is never less than its rate.
		need, _, _ := q.Total.MulDiv(tt.fees.ProcessorBP, 10000)
		if q.Processor.Cmp(need) < 0 {
			t.Errorf("Gross(%s): processor gets %s of %s, less than its rate", tt.price, q.Processor, q.Total)
		}
	}
	if _, err := collection.Gross(collection.Fees{ProcessorFix: "0.001"}, amt("1", money.USD), money.USD); errcode.Code(err) != "collection_config_invalid" {
		t.Errorf("a fixed fee finer than a cent: %v; want collection_config_invalid", err)
	}
}

func open(t testing.TB) (*engine.Engine, *sqlite.Store) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return engine.New(s, reg), s
}

func apply(t *testing.T, e *engine.Engine, ops ...engine.Op) {
	t.Helper()
	for _, op := range ops {
		if _, err := e.ApplyOne(context.Background(), op); err != nil {
			t.Fatalf("%s: %v", op.Key, err)
		}
	}
}

func track(id, price string, payee string) collection.Track {
	return collection.Track{ID: id, Price: amt(price, money.USD), Currency: "USD", Split: []collection.Recipient{{Account: payee, ShareBP: 10000}}}
}

// TestThirtyPurchases: three tracks at $1.00, $2.00 and $1.50 in a $5.00
// album; after 30 purchases each track has been paid 10 times and the
// creator has 30 × $5.00 minus the tracks' payouts.
func TestThirtyPurchases(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	apply(t, e,
		collection.CreateTrack("t1", t0, track("t1", "1.00", "artist-1"), reg),
		collection.CreateTrack("t2", t0, track("t2", "2.00", "artist-2"), reg),
		collection.CreateTrack("t3", t0, track("t3", "1.50", "artist-3"), reg),
		collection.CreateCollection("album", t0, collection.Collection{ID: "album-1", Creator: "creator", Price: amt("5.00", money.USD), Currency: "USD", Tracks: []string{"t1", "t2", "t3"}}, reg),
	)
	for i := 0; i < 30; i++ {
		apply(t, e, collection.Buy(fmt.Sprintf("buy-%d", i), t0, collection.Purchase{Collection: "album-1", Currency: "USD", Buyer: fmt.Sprintf("@buyer:%d", i)}, reg))
	}
	want := map[string]string{"artist-1": "10.00", "artist-2": "20.00", "artist-3": "15.00", "creator": "105.00"}
	for acct, w := range want {
		bals, err := s.AccountBalances(ctx, acct)
		if err != nil || len(bals) != 1 || money.Format(bals[0].Available().Amount, money.USD) != w {
			t.Errorf("%s = %v, %v; want %s", acct, bals, err, w)
		}
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Error(err)
	}
}

// TestConcurrentPurchases: purchases racing on one collection still pay the
// tracks in turn, once per round.
func TestConcurrentPurchases(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	apply(t, e,
		collection.CreateTrack("t1", t0, track("t1", "1.00", "artist-1"), reg),
		collection.CreateTrack("t2", t0, track("t2", "1.00", "artist-2"), reg),
		collection.CreateCollection("album", t0, collection.Collection{ID: "album-1", Creator: "creator", Price: amt("2.00", money.USD), Currency: "USD", Tracks: []string{"t1", "t2"}}, reg),
	)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := e.ApplyOne(ctx, collection.Buy(fmt.Sprintf("g%d-%d", g, i), t0, collection.Purchase{Collection: "album-1", Currency: "USD", Buyer: "@b"}, reg)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, acct := range []string{"artist-1", "artist-2"} {
		bals, _ := s.AccountBalances(ctx, acct)
		if len(bals) != 1 || money.Format(bals[0].Available().Amount, money.USD) != "20.00" {
			t.Errorf("%s = %v; want 20.00 (paid 20 of 40 purchases)", acct, bals)
		}
	}
}

func TestRefusals(t *testing.T) {
	e, _ := open(t)
	ctx := context.Background()
	apply(t, e,
		collection.CreateTrack("t1", t0, track("t1", "1.00", "a"), reg),
		collection.CreateTrack("t2", t0, track("t2", "2.00", "b"), reg),
		collection.CreateCollection("c1", t0, collection.Collection{ID: "c1", Creator: "creator", Price: amt("2.50", money.USD), Currency: "USD", Tracks: []string{"t1", "t2"}}, reg),
	)
	usdc := collection.Track{ID: "t9", Price: amt("1", money.USDC), Currency: "USDC", Split: []collection.Recipient{{Account: "a", ShareBP: 10000}}}
	apply(t, e, collection.CreateTrack("t9", t0, usdc, reg))
	coll := func(id, price string, tracks ...string) collection.Collection {
		return collection.Collection{ID: id, Creator: "creator", Price: amt(price, money.USD), Currency: "USD", Tracks: tracks}
	}
	tests := []struct {
		name string
		op   engine.Op
		code string
	}{
		{"priced below its dearest track", collection.CreateCollection("x1", t0, coll("x1", "1.99", "t1", "t2"), reg), "collection_price_below_track"},
		{"empty", collection.CreateCollection("x2", t0, coll("x2", "1.00"), reg), "collection_empty"},
		{"a track twice", collection.CreateCollection("x3", t0, coll("x3", "5.00", "t1", "t1"), reg), "collection_track_duplicate"},
		{"unknown track", collection.CreateCollection("x4", t0, coll("x4", "5.00", "nope"), reg), "not_found"},
		{"tracks in another currency", collection.CreateCollection("x5", t0, coll("x5", "5.00", "t1", "t9"), reg), "collection_currency_mismatch"},
		{"price change breaking a collection", collection.SetTrackPrice("x6", t0, "t1", amt("2.51", money.USD)), "collection_price_below_track"},
		{"split not 10000", collection.CreateTrack("x7", t0, collection.Track{ID: "t7", Price: amt("1", money.USD), Currency: "USD", Split: []collection.Recipient{{Account: "a", ShareBP: 9000}}}, reg), "split_shares_sum"},
		{"zero price", collection.CreateTrack("x8", t0, collection.Track{ID: "t8", Currency: "USD", Split: []collection.Recipient{{Account: "a", ShareBP: 10000}}}, reg), "collection_price_invalid"},
		{"unknown currency", collection.CreateTrack("x9", t0, collection.Track{ID: "t8", Price: money.FromUint64(1), Currency: "XYZ", Split: []collection.Recipient{{Account: "a", ShareBP: 10000}}}, reg), "currency_unknown"},
		{"purchase in another currency", collection.Buy("x10", t0, collection.Purchase{Collection: "c1", Currency: "USDC", Buyer: "@b"}, reg), "collection_currency_mismatch"},
		{"track exists", collection.CreateTrack("x11", t0, track("t1", "1.00", "a"), reg), "collection_exists"},
	}
	for _, tt := range tests {
		if _, err := e.ApplyOne(ctx, tt.op); errcode.Code(err) != tt.code {
			t.Errorf("%s: %v; want %s", tt.name, err, tt.code)
		}
	}
	// A price change that keeps the rule is fine.
	apply(t, e, collection.SetTrackPrice("ok", t0, "t1", amt("2.50", money.USD)))
	if _, err := money.Parse("-1", money.USD); errcode.Code(err) != "amount_negative" {
		t.Errorf("a negative price does not parse: %v", err)
	}
}

// TestUpdateAndCommunitySplit: a collection changes its price and tracks
// under the same rule as on creation; tracks it drops no longer bind its
// price; a community split takes the surplus.
func TestUpdateAndCommunitySplit(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	apply(t, e,
		collection.CreateTrack("t1", t0, track("t1", "1.00", "artist-1"), reg),
		collection.CreateTrack("t2", t0, track("t2", "2.00", "artist-2"), reg),
		collection.CreateTrack("t3", t0, track("t3", "3.00", "artist-3"), reg),
		collection.CreateCollection("c", t0, collection.Collection{ID: "mix", Creator: "curator", Price: amt("2.00", money.USD), Currency: "USD", Tracks: []string{"t1", "t2"}}, reg),
	)
	upd := func(key, price string, tracks []string, split []collection.Recipient) engine.Op {
		return collection.UpdateCollection(key, t0, collection.Collection{ID: "mix", Price: amt(price, money.USD), Tracks: tracks, Split: split}, reg)
	}
	if _, err := e.ApplyOne(ctx, upd("u1", "2.50", []string{"t1", "t3"}, nil)); errcode.Code(err) != "collection_price_below_track" {
		t.Errorf("adding a dearer track without raising the price: %v; want collection_price_below_track", err)
	}
	if _, err := e.ApplyOne(ctx, upd("u2", "1.50", []string{"t1", "t2"}, nil)); errcode.Code(err) != "collection_price_below_track" {
		t.Errorf("lowering the price below a track: %v; want collection_price_below_track", err)
	}
	if _, err := e.ApplyOne(ctx, upd("u3", "1.00", nil, nil)); errcode.Code(err) != "collection_empty" {
		t.Errorf("emptying the collection: %v; want collection_empty", err)
	}
	community := []collection.Recipient{{Account: "curator", ShareBP: 5000}, {Account: "fan-club", ShareBP: 5000}}
	apply(t, e, upd("u4", "4.00", []string{"t1", "t3"}, community))
	// t2 was dropped: it may now cost more than the collection.
	apply(t, e, collection.SetTrackPrice("p", t0, "t2", amt("9.00", money.USD)))
	// t3 is in: it may not.
	if _, err := e.ApplyOne(ctx, collection.SetTrackPrice("p2", t0, "t3", amt("4.01", money.USD))); errcode.Code(err) != "collection_price_below_track" {
		t.Errorf("repricing a track above the updated collection: %v", err)
	}
	res, err := e.ApplyOne(ctx, collection.Buy("b1", t0, collection.Purchase{Collection: "mix", Currency: "USD", Buyer: "@b"}, reg))
	if err != nil {
		t.Fatal(err)
	}
	got := received(res.Entry.Postings, money.USD)
	if got["artist-1"] != "1.00" || got["curator"] != "1.50" || got["fan-club"] != "1.50" {
		t.Errorf("purchase after the update pays %v; want artist-1 1.00 (rotation restarted) and the 3.00 surplus split 50/50", got)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Error(err)
	}
}
