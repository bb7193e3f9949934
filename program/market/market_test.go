package market_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/market"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func eth(s string) money.Amount {
	a, err := money.Parse(s, money.ETH)
	if err != nil {
		panic(err)
	}
	return a
}

// received sums postings by receiving account, in ETH decimals.
func received(ps []ledger.Posting) map[string]string {
	sums := map[string]money.Amount{}
	for _, p := range ps {
		sums[p.To], _ = sums[p.To].Add(p.Amount)
	}
	out := map[string]string{}
	for k, v := range sums {
		out[k] = money.Format(v, money.ETH)
	}
	return out
}

func sameMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

var seedAsset = market.Asset{ID: "asset-7", Owner: "owner", Split: []market.Recipient{{Account: "owner", ShareBP: 7000}, {Account: "collaborator", ShareBP: 3000}}}

func TestSeedGolden(t *testing.T) {
	cfg := market.DefaultConfig()
	ps, err := market.Primary(cfg, seedAsset, "asset-7", eth("1000"), "ETH", "@buyer")
	if err != nil {
		t.Fatal(err)
	}
	sameMap(t, "primary sale of 1000 ETH", received(ps), map[string]string{"market:treasury": "25", "owner": "682.5", "collaborator": "292.5"})
	for _, p := range ps {
		if p.To == "owner" && p.Path != "market:asset-7 → primary sale → split 70% → owner" {
			t.Errorf("owner's path = %q", p.Path)
		}
	}
	ps, err = market.Secondary(cfg, seedAsset, "asset-7", eth("1000"), "ETH", "@buyer:2", "seller")
	if err != nil {
		t.Fatal(err)
	}
	sameMap(t, "secondary sale of 1000 ETH", received(ps), map[string]string{"seller": "900", "owner": "70", "collaborator": "30"})
	for _, p := range ps {
		if p.To == "owner" && p.Path != "market:asset-7 → secondary sale → royalty 10% → split 70% → owner" {
			t.Errorf("owner's royalty path = %q", p.Path)
		}
	}
	lic := market.License{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: 30 * 86400, LastPaid: t0}
	solo := market.Asset{ID: "asset-8", Owner: "owner"}
	ps, after, err := market.Payment(cfg, solo, lic, eth("105"), "ETH", "@licensee", t0.Add(60*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sameMap(t, "recurring payment of 105 ETH", received(ps), map[string]string{"market:treasury": "2.625", "owner": "102.375"})
	if !after.LastPaid.Equal(t0.Add(60 * 24 * time.Hour)) {
		t.Errorf("last payment time = %v; want the payment's time", after.LastPaid)
	}
}

func TestDue(t *testing.T) {
	day := 24 * time.Hour
	base := market.License{ID: "l", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: 30 * 86400, LastPaid: t0}
	tests := []struct {
		name   string
		mod    func(*market.License)
		at     time.Duration
		due    string
		missed uint64
		code   string
	}{
		{"on time", nil, 30 * day, "100", 0, ""},
		{"early", nil, 10 * day, "100", 0, ""},
		{"one missed", nil, 60 * day, "105", 1, ""},
		{"three missed", nil, 120*day + time.Hour, "115", 3, ""},
		{"revoked", func(l *market.License) { l.Revoked = true }, 30 * day, "", 0, "market_license_revoked"},
		{"expired", func(l *market.License) { l.Expires = t0.Add(20 * day) }, 30 * day, "", 0, "market_license_expired"},
		{"no period", func(l *market.License) { l.PeriodSeconds = 0 }, 30 * day, "", 0, "market_license_invalid"},
		{"before last payment", nil, -day, "", 0, "market_license_invalid"},
	}
	for _, tt := range tests {
		l := base
		if tt.mod != nil {
			tt.mod(&l)
		}
		due, missed, err := market.Due(l, t0.Add(tt.at))
		if tt.code != "" {
			if errcode.Code(err) != tt.code {
				t.Errorf("%s: Due error = %v; want %s", tt.name, err, tt.code)
			}
			continue
		}
		if err != nil || money.Format(due, money.ETH) != tt.due || missed != tt.missed {
			t.Errorf("%s: Due = %s, %d, %v; want %s, %d", tt.name, money.Format(due, money.ETH), missed, err, tt.due, tt.missed)
		}
	}
	_, _, err := market.Payment(market.DefaultConfig(), market.Asset{ID: "a", Owner: "o"}, base, eth("104.999999999999999999"), "ETH", "@p", t0.Add(60*day))
	if errcode.Code(err) != "market_license_underpaid" {
		t.Errorf("paying 1 wei too little: %v; want market_license_underpaid", err)
	}
	_, _, err = market.Payment(market.DefaultConfig(), market.Asset{ID: "a", Owner: "o"}, base, money.FromUint64(105), "USDC", "@p", t0.Add(60*day))
	if errcode.Code(err) != "market_currency_mismatch" {
		t.Errorf("paying in USDC: %v; want market_currency_mismatch", err)
	}
}

// TestPaymentTermsBeforeCurrency: a payment is refused for what is wrong
// with the license before what is wrong with the payment. A license sold
// outright has no period and no currency, so any payment's currency
// differs from its empty one; the answer must still say that the license
// takes no recurring payments (issue #18.3).
func TestPaymentTermsBeforeCurrency(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const day = 24 * time.Hour
	recurring := market.License{ID: "lic", Asset: "a", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: 30 * 86400, LastPaid: t0}
	sold := market.License{ID: "lic", Asset: "a", LastPaid: t0} // no period, no currency
	for _, tt := range []struct {
		name     string
		l        market.License
		currency string
		code     string
	}{
		{"no period, paid in ETH", sold, "ETH", "market_license_invalid"},
		{"no period, paid in USDC", sold, "USDC", "market_license_invalid"},
		{"revoked, another currency", func() market.License { l := recurring; l.Revoked = true; return l }(), "USDC", "market_license_revoked"},
		{"expired, another currency", func() market.License { l := recurring; l.Expires = t0.Add(20 * day); return l }(), "USDC", "market_license_expired"},
		{"valid terms, another currency", recurring, "USDC", "market_currency_mismatch"},
	} {
		_, _, err := market.Payment(market.DefaultConfig(), market.Asset{ID: "a", Owner: "o"}, tt.l, eth("105"), tt.currency, "@p", t0.Add(30*day))
		if got := errcode.Code(err); got != tt.code {
			t.Errorf("%s: error %v (%s); want %s", tt.name, err, got, tt.code)
		}
	}
}

// TestConservation: over random amounts (including ones that do not divide
// evenly), rates and splits, every sale hands out exactly its amount.
func TestConservation(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	a := market.Asset{ID: "x", Owner: "o", Split: []market.Recipient{{Account: "a", ShareBP: 5000}, {Account: "b", ShareBP: 3000}, {Account: "c", ShareBP: 2000}}}
	for i := 0; i < 20000; i++ {
		cfg := market.Config{FeeBP: r.Uint64N(10001), DefaultRoyaltyBP: r.Uint64N(10001), Treasury: "t"}
		amount := money.FromUint64(1 + r.Uint64())
		if i%3 == 0 {
			amount, _ = eth("1000").Add(money.FromUint64(r.Uint64N(1000)))
		}
		p1, err1 := market.Primary(cfg, a, "x", amount, "ETH", "@b")
		p2, err2 := market.Secondary(cfg, a, "x", amount, "ETH", "@b", "s")
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for _, ps := range [][]ledger.Posting{p1, p2} {
			var sum money.Amount
			for _, p := range ps {
				sum, _ = sum.Add(p.Amount)
			}
			if sum != amount {
				t.Fatalf("sale of %s at fee %d royalty %d hands out %s", amount, cfg.FeeBP, cfg.DefaultRoyaltyBP, sum)
			}
		}
	}
	// The seed's 5000/3000/2000 split of an amount that does not divide.
	ps, _ := market.Primary(market.Config{Treasury: "t"}, a, "x", money.FromUint64(1000000000000000007), "ETH", "@b")
	got := received(ps)
	if got["a"] != "0.500000000000000004" || got["b"] != "0.300000000000000002" || got["c"] != "0.200000000000000001" {
		t.Errorf("5000/3000/2000 of 1e18+7 wei = %v; want 4, 2 and 1 extra wei by largest remainder", got)
	}
}

func TestRefusals(t *testing.T) {
	nine := uint64(10001)
	tests := []struct {
		name string
		a    market.Asset
		code string
	}{
		{"shares not 10000", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{{Account: "x", ShareBP: 7000}, {Account: "y", ShareBP: 2000}}}, "split_shares_sum"},
		{"empty split", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{}}, "split_empty"},
		{"zero address", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{{Account: "0x0000000000000000000000000000000000000000", ShareBP: 10000}}}, "market_address_invalid"},
		{"malformed address", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{{Account: "0x12345", ShareBP: 10000}}}, "market_address_invalid"},
		{"zero-address owner", market.Asset{ID: "a", Owner: "0x0000000000000000000000000000000000000000"}, "market_address_invalid"},
		{"duplicate recipients", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{{Account: "x", ShareBP: 5000}, {Account: "x", ShareBP: 5000}}}, "split_receiver_duplicate"},
		{"royalty over 100%", market.Asset{ID: "a", Owner: "o", RoyaltyBP: &nine}, "market_royalty_invalid"},
		{"external recipient", market.Asset{ID: "a", Owner: "o", Split: []market.Recipient{{Account: "@world", ShareBP: 10000}}}, "market_address_invalid"},
		{"bad id", market.Asset{ID: "a b", Owner: "o"}, "market_id_invalid"},
	}
	for _, tt := range tests {
		if err := market.ValidateAsset(tt.a); errcode.Code(err) != tt.code {
			t.Errorf("%s: ValidateAsset = %v; want %s", tt.name, err, tt.code)
		}
	}
	cfg := market.DefaultConfig()
	if _, err := market.Primary(cfg, seedAsset, "x", money.Zero, "ETH", "@b"); errcode.Code(err) != "market_amount_invalid" {
		t.Errorf("zero-amount sale: %v; want market_amount_invalid", err)
	}
	if _, err := market.Primary(cfg, seedAsset, "x", money.Max, "ETH", "@b"); errcode.Code(err) != "amount_overflow" {
		t.Errorf("sale whose amount × rate overflows: %v; want amount_overflow", err)
	}
	if _, err := market.Secondary(cfg, seedAsset, "x", eth("1"), "ETH", "@b", ""); errcode.Code(err) != "market_seller_invalid" {
		t.Errorf("secondary sale without a seller: %v; want market_seller_invalid", err)
	}
}

func open(t *testing.T) (*engine.Engine, *sqlite.Store) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return engine.New(s, money.NewRegistry()), s
}

func balances(t *testing.T, s *sqlite.Store, accounts ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range accounts {
		bals, err := s.AccountBalances(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bals {
			out[a] = money.Format(b.Available().Amount, money.ETH)
		}
	}
	return out
}

// TestThroughEngine replays the seed's three flows through the engine and
// a real store, and checks nothing is written for refused operations.
func TestThroughEngine(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	reg := money.NewRegistry()
	steps := []engine.Op{
		market.CreateAsset("a7", t0, seedAsset),
		market.CreateAsset("a8", t0, market.Asset{ID: "asset-8", Owner: "owner"}),
		market.CreateLicense("l1", t0, market.License{ID: "lic-1", Asset: "asset-8", Currency: "ETH", Base: eth("100"), Penalty: eth("5"), PeriodSeconds: 30 * 86400, LastPaid: t0}, reg),
		market.Sell("s1", t0, market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:1"}),
		market.Sell("s2", t0, market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@buyer:2", Seller: "seller"}),
		market.Pay("p1", t0.Add(60*24*time.Hour), "lic-1", eth("105"), "ETH", "@licensee"),
	}
	for i, op := range steps {
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatalf("step %d (%s): %v", i, op.Key, err)
		}
	}
	sameMap(t, "balances after the seed's flows", balances(t, s, "market:treasury", "owner", "collaborator", "seller"),
		map[string]string{"market:treasury": "27.625", "owner": "854.875", "collaborator": "322.5", "seller": "900"})
	// Refusals write nothing.
	refused := map[string]engine.Op{
		"not_found":                market.Sell("r1", t0, market.Sale{Asset: "nope", Amount: eth("1"), Currency: "ETH", Buyer: "@b"}),
		"market_amount_invalid":    market.Sell("r2", t0, market.Sale{Asset: "asset-7", Amount: money.Zero, Currency: "ETH", Buyer: "@b", Seller: "seller"}),
		"market_exists":            market.CreateAsset("r3", t0, seedAsset),
		"market_license_underpaid": market.Pay("r4", t0.Add(120*24*time.Hour), "lic-1", eth("100"), "ETH", "@licensee"),
		"market_royalty_invalid":   market.SetRoyalty("r5", t0, "asset-7", func() *uint64 { v := uint64(10001); return &v }()),
		"split_shares_sum":         market.SetSplit("r6", t0, "asset-7", []market.Recipient{{Account: "owner", ShareBP: 9000}}),
	}
	for code, op := range refused {
		if _, err := e.ApplyOne(ctx, op); errcode.Code(err) != code {
			t.Errorf("%s: %v; want %s", op.Key, err, code)
		}
	}
	if rep, err := engine.Verify(ctx, s); err != nil || rep.Entries != 6 {
		t.Errorf("journal: %d entries, %v; want 6 and verified", rep.Entries, err)
	}
	// A royalty override, and clearing it.
	fifteen := uint64(1500)
	if _, err := e.ApplyOne(ctx, market.SetRoyalty("r7", t0, "asset-7", &fifteen)); err != nil {
		t.Fatal(err)
	}
	res, err := e.ApplyOne(ctx, market.Sell("s3", t0, market.Sale{Asset: "asset-7", Amount: eth("100"), Currency: "ETH", Buyer: "@b", Seller: "seller"}))
	if err != nil {
		t.Fatal(err)
	}
	sameMap(t, "secondary sale at a 15% override", received(res.Entry.Postings), map[string]string{"owner": "10.5", "collaborator": "4.5", "seller": "85"})
	if _, err := e.ApplyOne(ctx, market.SetRoyalty("r8", t0, "asset-7", nil)); err != nil {
		t.Fatal(err)
	}
	res, _ = e.ApplyOne(ctx, market.Sell("s4", t0, market.Sale{Asset: "asset-7", Amount: eth("100"), Currency: "ETH", Buyer: "@b", Seller: "seller"}))
	if got := received(res.Entry.Postings)["seller"]; got != "90" {
		t.Errorf("after clearing the override, seller gets %s; want 90 (default 10%%)", got)
	}
}

// TestConcurrentFirstSales races eight "first" sales of one asset: exactly
// one is primary.
func TestConcurrentFirstSales(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	if _, err := e.ApplyOne(ctx, market.CreateAsset("a", t0, seedAsset)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.ApplyOne(ctx, market.Sell(fmt.Sprintf("sale-%d", i), t0, market.Sale{Asset: "asset-7", Amount: eth("1000"), Currency: "ETH", Buyer: "@b", Seller: "seller"}))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ents, err := s.Journal(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	primaries := 0
	for _, e := range ents {
		for _, p := range e.Postings {
			if strings.Contains(p.Path, "primary sale → platform fee") {
				primaries++
			}
		}
	}
	if primaries != 1 {
		t.Errorf("%d primary sales among 8 concurrent first sales; want exactly 1", primaries)
	}
}
