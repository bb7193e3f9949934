package splitbook_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/splitbook"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var t0 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func open(t *testing.T) (*engine.Engine, *sqlite.Store) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return engine.New(s, money.NewRegistry()), s
}

func acct(a string, share uint64) splitbook.ReceiverDef {
	return splitbook.ReceiverDef{Account: a, Share: share}
}

func nested(id string, share uint64) splitbook.ReceiverDef {
	return splitbook.ReceiverDef{Split: id, Share: share}
}

func put(e *engine.Engine, key string, d splitbook.Def, replace bool) error {
	_, err := e.ApplyOne(context.Background(), splitbook.Put(key, t0, d, replace, split.DefaultLimits))
	return err
}

func TestPutAndPayNested(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	band := splitbook.Def{ID: "band", Unit: "weight", Receivers: []splitbook.ReceiverDef{acct("singer", 2), acct("drummer", 1)}}
	song := splitbook.Def{ID: "song", Unit: "bp", Receivers: []splitbook.ReceiverDef{nested("band", 8000), acct("label", 2000)}}
	// A split may not name a split that does not exist yet.
	if err := put(e, "k0", song, false); errcode.Code(err) != "split_unknown" {
		t.Fatalf("song before band: %v; want split_unknown", err)
	}
	for i, d := range []splitbook.Def{band, song} {
		if err := put(e, "k"+string(rune('1'+i)), d, false); err != nil {
			t.Fatalf("put %s: %v", d.ID, err)
		}
	}
	res, err := e.ApplyOne(ctx, splitbook.Pay("pay-1", t0, "@buyer:1", "song", money.FromUint64(1000), "USD", "order 7", split.DefaultLimits))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		units uint64
		path  string
	}{
		"singer":  {533, "payment:pay-1 (order 7) → split:song → split 80% → split:band → split 2/3 → singer"},
		"drummer": {267, "payment:pay-1 (order 7) → split:song → split 80% → split:band → split 1/3 → drummer"},
		"label":   {200, "payment:pay-1 (order 7) → split:song → split 20% → label"},
	}
	var sum uint64
	for _, p := range res.Entry.Postings {
		w := want[p.To]
		if p.Amount != money.FromUint64(w.units) || p.Path != w.path || p.From != "@buyer:1" {
			t.Errorf("posting to %s = %s %q; want %d %q", p.To, p.Amount, p.Path, w.units, w.path)
		}
		sum += p.Amount.Uint64()
	}
	if sum != 1000 || len(res.Entry.Postings) != 3 {
		t.Errorf("payment postings sum to %d over %d postings; want 1000 over 3", sum, len(res.Entry.Postings))
	}
	// Replacing a split changes what the next payment does, and only that.
	band.Receivers = []splitbook.ReceiverDef{acct("singer", 1), acct("drummer", 1)}
	if err := put(e, "k3", band, true); err != nil {
		t.Fatalf("replacing band: %v", err)
	}
	res, err = e.ApplyOne(ctx, splitbook.Pay("pay-2", t0, "@buyer:1", "song", money.FromUint64(1000), "USD", "", split.DefaultLimits))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Entry.Postings[0]; got.To != "singer" || got.Amount != money.FromUint64(400) {
		t.Errorf("after replacing band, singer gets %s; want 400", got.Amount)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Error(err)
	}
}

func TestGraphRefusals(t *testing.T) {
	e, _ := open(t)
	a := splitbook.Def{ID: "a", Unit: "weight", Receivers: []splitbook.ReceiverDef{acct("x", 1)}}
	b := splitbook.Def{ID: "b", Unit: "weight", Receivers: []splitbook.ReceiverDef{nested("a", 1)}}
	for i, d := range []splitbook.Def{a, b} {
		if err := put(e, "p"+string(rune('0'+i)), d, false); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing a so that it contains b closes a cycle through b.
	cyclic := splitbook.Def{ID: "a", Unit: "weight", Receivers: []splitbook.ReceiverDef{nested("b", 1)}}
	err := put(e, "p2", cyclic, true)
	if errcode.Code(err) != "split_cycle" || !strings.Contains(err.Error(), "a → b → a") && !strings.Contains(err.Error(), "b → a → b") {
		t.Errorf("replace making a cycle: %v; want split_cycle naming a → b → a", err)
	}
	tests := []struct {
		name    string
		d       splitbook.Def
		replace bool
		code    string
	}{
		{"create existing", a, false, "split_exists"},
		{"replace missing", splitbook.Def{ID: "zz", Unit: "bp", Receivers: []splitbook.ReceiverDef{acct("x", 10000)}}, true, "not_found"},
		{"bad unit", splitbook.Def{ID: "c", Unit: "pct", Receivers: []splitbook.ReceiverDef{acct("x", 1)}}, false, "split_unit_invalid"},
		{"bp sum", splitbook.Def{ID: "c", Unit: "bp", Receivers: []splitbook.ReceiverDef{acct("x", 5000)}}, false, "split_shares_sum"},
		{"external receiver", splitbook.Def{ID: "c", Unit: "weight", Receivers: []splitbook.ReceiverDef{acct("@world", 1)}}, false, "split_receiver_invalid"},
		{"self", splitbook.Def{ID: "c", Unit: "weight", Receivers: []splitbook.ReceiverDef{nested("c", 1)}}, false, "split_cycle"},
	}
	for _, tt := range tests {
		if err := put(e, "t-"+strings.ReplaceAll(tt.name, " ", "-"), tt.d, tt.replace); errcode.Code(err) != tt.code {
			t.Errorf("%s: %v; want %s", tt.name, err, tt.code)
		}
	}
	// Depth: a chain deeper than DepthMax is refused when the last link is
	// added, wherever it is added.
	prev := "a"
	var depthErr error
	for i := 0; i < split.DefaultLimits.DepthMax+1 && depthErr == nil; i++ {
		id := "chain-" + string(rune('a'+i))
		depthErr = put(e, "d-"+id, splitbook.Def{ID: id, Unit: "weight", Receivers: []splitbook.ReceiverDef{nested(prev, 1)}}, false)
		prev = id
	}
	if errcode.Code(depthErr) != "split_depth_max" {
		t.Errorf("deep chain: %v; want split_depth_max", depthErr)
	}
}

func TestPayRefusals(t *testing.T) {
	e, _ := open(t)
	if err := put(e, "s", splitbook.Def{ID: "s", Unit: "bp", Receivers: []splitbook.ReceiverDef{acct("x", 10000)}}, false); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name string
		op   engine.Op
		code string
	}{
		{"unknown split", splitbook.Pay("p1", t0, "@b", "nope", money.FromUint64(1), "USD", "", split.DefaultLimits), "not_found"},
		{"zero amount", splitbook.Pay("p2", t0, "@b", "s", money.Zero, "USD", "", split.DefaultLimits), "posting_invalid"},
		{"internal payer short", splitbook.Pay("p3", t0, "wallet", "s", money.FromUint64(1), "USD", "", split.DefaultLimits), "overdraft"},
		{"unknown currency", splitbook.Pay("p4", t0, "@b", "s", money.FromUint64(1), "XYZ", "", split.DefaultLimits), "currency_unknown"},
	}
	for _, tt := range tests {
		if _, err := e.ApplyOne(ctx, tt.op); errcode.Code(err) != tt.code {
			t.Errorf("%s: %v; want %s", tt.name, err, tt.code)
		}
	}
	// The same payment key with another amount is a conflict.
	if _, err := e.ApplyOne(ctx, splitbook.Pay("p5", t0, "@b", "s", money.FromUint64(5), "USD", "", split.DefaultLimits)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, splitbook.Pay("p5", t0, "@b", "s", money.FromUint64(6), "USD", "", split.DefaultLimits)); errcode.Code(err) != ledger.ErrKeyConflict.Code() {
		t.Errorf("same key, other amount: %v; want key_conflict", err)
	}
}
