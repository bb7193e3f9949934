package feeshare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	fs "github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// eth is a chain that collects its base fee, with fees in ETH.
var eth = fs.Chain{Currency: "ETH"}

func open(t testing.TB) (*engine.Engine, *sqlite.Store) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return engine.New(s, money.NewRegistry()), s
}

// view reads the program's committed state, as the API does.
type view struct{ s *sqlite.Store }

func (v view) State(key string) ([]byte, bool, error) {
	return v.s.State(context.Background(), fs.Program, key)
}
func (v view) Withdrawal(string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, nil
}
func (v view) Balance(a, c string) (ledger.Balance, error) { return ledger.Balance{}, nil }

func addr(b byte) fs.Address { return fs.Address{0: 0xaa, 19: b} }

func posted(t testing.TB, s *sqlite.Store, account string) string {
	t.Helper()
	bals, err := s.AccountBalances(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Currency == "ETH" {
			return b.Posted().String()
		}
	}
	return "0"
}

func applyAll(t testing.TB, e *engine.Engine, ops []engine.Op) []engine.Result {
	t.Helper()
	res, err := e.Apply(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func lastErr(res []engine.Result) error { return res[len(res)-1].Err }

// TestRegisterApplyRevert is the life of a registration on SQLite: register
// with a signed request, distribute a block's fees, apply it again, revert
// it, and re-include a transaction in another block.
func TestRegisterApplyRevert(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	deployer := addr(1)
	withdrawer := addr(2)
	contract, _ := fs.DeriveCreate(deployer, []uint64{5, 2, 1})
	facts := fs.Facts{DeployerNonce: 9, ContractHasCode: true}
	req := fs.Request{Contract: contract, Deployer: deployer, Withdrawer: &withdrawer, Nonces: []uint64{5, 2, 1}, ChainID: 9001, Expiry: t0.Unix() + 60, Nonce: 1}
	if _, err := e.ApplyOne(ctx, fs.Register("reg-1", t0, req, facts, fs.ByDeployer)); err != nil {
		t.Fatal(err)
	}
	// The same key replays; the same request nonce under a new key is a
	// replayed signature; an expired one is refused.
	if res, err := e.ApplyOne(ctx, fs.Register("reg-1", t0.Add(time.Second), req, fs.Facts{DeployerNonce: 10, ContractHasCode: true, Head: 51}, fs.ByDeployer)); err != nil || !res.Replayed {
		t.Errorf("same key again: replayed %v, %v; want a replay (facts read later do not change the request)", res.Replayed, err)
	}
	for _, tc := range []struct {
		name string
		op   engine.Op
		code string
	}{
		{"replayed nonce", fs.Register("reg-2", t0, req, facts, fs.ByDeployer), "feeshare_request_replayed"},
		{"expired", fs.Cancel("can-0", t0.Add(2*time.Minute), fs.Request{Contract: contract, Deployer: deployer, Expiry: t0.Unix() + 60, Nonce: 2}, 0, fs.ByDeployer), "feeshare_request_expired"},
		{"not the deployer", fs.Cancel("can-1", t0, fs.Request{Contract: contract, Deployer: addr(3), Expiry: t0.Unix() + 60, Nonce: 2}, 0, fs.ByDeployer), "feeshare_not_deployer"},
		{"bad actor", fs.Cancel("can-2", t0, fs.Request{Contract: contract, Deployer: deployer, Expiry: t0.Unix() + 60, Nonce: 3}, 0, "someone"), "feeshare_by_invalid"},
	} {
		if _, err := e.ApplyOne(ctx, tc.op); errcode.Code(err) != tc.code {
			t.Errorf("%s: %v; want %s", tc.name, err, tc.code)
		}
	}
	reg, err := fs.ReadRegistration(view{s}, contract)
	if err != nil || reg.Withdrawer == nil || *reg.Withdrawer != withdrawer || reg.By != "deployer" {
		t.Fatalf("registration = %+v, %v", reg, err)
	}
	// The seed's event, with its attributes, in the outbox.
	evs, err := s.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ev := range evs {
		if ev.Type == fs.EventRegister {
			var attrs map[string]string
			json.Unmarshal(ev.Data, &attrs)
			want := map[string]string{"contract": contract.Hex(), "sender": deployer.Bech32(), "withdrawer_address": withdrawer.Bech32(), "by": "deployer"}
			if fmt.Sprint(attrs) != fmt.Sprint(want) {
				t.Errorf("register_revenue attributes = %v; want %v", attrs, want)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("no %s event among %d", fs.EventRegister, len(evs))
	}

	gen := fs.Hash{0xee}
	to := func(a fs.Address) *fs.Address { return &a }
	price := money.FromUint64(3)
	unregistered := addr(9)
	b1 := fs.Block{Number: 1, Hash: fs.Hash{1}, Parent: gen, Time: t0.Add(time.Minute), Txs: []fs.Tx{
		{Hash: fs.Hash{0x11}, To: to(contract), GasUsed: 21000, EffectiveGasPrice: price, Success: true},           // 63000: 31500 + 31500
		{Hash: fs.Hash{0x12}, To: to(contract), GasUsed: 1001, EffectiveGasPrice: price, Success: false},           // failed: 3003 to validators
		{Hash: fs.Hash{0x13}, To: nil, GasUsed: 100, EffectiveGasPrice: price, Success: true},                      // creation: 300
		{Hash: fs.Hash{0x14}, To: to(unregistered), GasUsed: 7, EffectiveGasPrice: price, Success: true},           // 21
		{Hash: fs.Hash{0x15}, To: to(contract), GasUsed: 0, EffectiveGasPrice: price, Success: true},               // zero fee: nothing
		{Hash: fs.Hash{0x16}, To: to(contract), GasUsed: 3, EffectiveGasPrice: money.FromUint64(1), Success: true}, // 3: 1 + 2
	}}
	ops := fs.ApplyBlock(b1, eth)
	if len(ops) != 6 {
		t.Fatalf("ApplyBlock: %d ops; want 5 fee-bearing txs + 1 seal", len(ops))
	}
	for i, r := range applyAll(t, e, ops) {
		if r.Err != nil || r.Replayed {
			t.Fatalf("op %d: %v (replayed %v)", i, r.Err, r.Replayed)
		}
	}
	want := map[string]string{withdrawer.Account(): "31501", deployer.Account(): "0", fs.ValidatorsAccount: "34826", fs.FeesAccount: "-66327"}
	check := func(when string, want map[string]string) {
		t.Helper()
		for a, w := range want {
			if got := posted(t, s, a); got != w {
				t.Errorf("%s: %s = %s; want %s", when, a, got, w)
			}
		}
	}
	check("after block 1", want)
	// Applying the same block again credits nothing more.
	for i, r := range applyAll(t, e, fs.ApplyBlock(b1, eth)) {
		if r.Err != nil || !r.Replayed {
			t.Errorf("block 1 again, op %d: replayed %v, %v; want a replay", i, r.Replayed, r.Err)
		}
	}
	check("after block 1 twice", want)
	// A block that does not follow the head is refused, all of it.
	stray := fs.Block{Number: 2, Hash: fs.Hash{0x2f}, Parent: fs.Hash{0x77}, Time: t0, Txs: b1.Txs[:1]}
	for i, r := range applyAll(t, e, fs.ApplyBlock(stray, eth)) {
		if errcode.Code(r.Err) != "feeshare_block_parent" {
			t.Errorf("stray block op %d: %v; want feeshare_block_parent", i, r.Err)
		}
	}
	b2 := fs.Block{Number: 2, Hash: fs.Hash{2}, Parent: b1.Hash, Time: t0.Add(2 * time.Minute), Txs: []fs.Tx{
		{Hash: fs.Hash{0x21}, To: to(contract), GasUsed: 10, EffectiveGasPrice: price, Success: true}, // 30: 15 + 15
	}}
	if err := lastErr(applyAll(t, e, fs.ApplyBlock(b2, eth))); err != nil {
		t.Fatal(err)
	}
	check("after block 2", map[string]string{withdrawer.Account(): "31516", fs.ValidatorsAccount: "34841"})
	cur, _ := fs.ReadCursor(view{s})
	if head, _ := cur.Head(); head.Hash != b2.Hash || len(cur.Blocks) != 2 {
		t.Errorf("cursor = %+v; want [1 2]", cur)
	}
	// Reorg: revert newest first, back to nothing.
	if _, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 1, Hash: b1.Hash}, t0)[0]); errcode.Code(err) != "feeshare_revert_not_head" {
		t.Errorf("reverting block 1 under block 2: %v; want feeshare_revert_not_head", err)
	}
	for _, b := range []fs.Block{b2, b1} {
		if _, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: b.Number, Hash: b.Hash}, t0.Add(3*time.Minute))[0]); err != nil {
			t.Fatalf("revert block %d: %v", b.Number, err)
		}
	}
	check("after reverting both", map[string]string{withdrawer.Account(): "0", fs.ValidatorsAccount: "0", fs.FeesAccount: "0"})
	cur, _ = fs.ReadCursor(view{s})
	if head, _ := cur.Head(); head.Hash != gen || len(cur.Blocks) != 1 {
		t.Errorf("cursor after revert = %+v; want the genesis parent", cur)
	}
	// The first transaction re-included in block 1': applied again, once.
	b1b := fs.Block{Number: 1, Hash: fs.Hash{0x1b}, Parent: gen, Time: t0.Add(4 * time.Minute), Txs: b1.Txs[:1]}
	for range 2 {
		if err := lastErr(applyAll(t, e, fs.ApplyBlock(b1b, eth))); err != nil {
			t.Fatal(err)
		}
	}
	check("after block 1'", map[string]string{withdrawer.Account(): "31500", fs.ValidatorsAccount: "31500"})
	// The orphaned block 1 canonical again (a reorg flip-flop): ApplyBlock
	// replays its spent keys, credits nothing and leaves the cursor; in
	// the round Round names, it applies again under fresh keys.
	if _, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 1, Hash: b1b.Hash}, t0)[0]); err != nil {
		t.Fatal(err)
	}
	for _, r := range applyAll(t, e, fs.ApplyBlock(b1, eth)) {
		if !r.Replayed {
			t.Errorf("orphaned block 1 again in round 0: %v, replayed %v; want a replay", r.Err, r.Replayed)
		}
	}
	check("after a round-0 replay of the orphaned block", map[string]string{withdrawer.Account(): "0", fs.ValidatorsAccount: "0"})
	round, err := fs.Round(view{s}, b1.Hash)
	if err != nil || round != 1 {
		t.Fatalf("Round(block 1) = %d, %v; want 1", round, err)
	}
	if err := lastErr(applyAll(t, e, fs.ApplyBlockAt(b1, eth, 2))); errcode.Code(err) != "feeshare_block_round" {
		t.Errorf("block 1 in round 2: %v; want feeshare_block_round", err)
	}
	for range 2 {
		if err := lastErr(applyAll(t, e, fs.ApplyBlockAt(b1, eth, 1))); err != nil {
			t.Fatalf("block 1 in round 1: %v", err)
		}
	}
	check("after block 1 in round 1", want)
	if res, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 1, Hash: b1.Hash}, t0)[0]); err == nil && !res.Replayed {
		t.Error("reverting round 1 with round 0's key: want a replay or refusal, not a second reversal")
	}
	check("after a round-0 revert of round 1", want)
	if _, err := e.ApplyOne(ctx, fs.RevertBlockAt(fs.BlockRef{Number: 1, Hash: b1.Hash}, t0, 1)[0]); err != nil {
		t.Fatal(err)
	}
	check("after reverting round 1", map[string]string{withdrawer.Account(): "0", fs.ValidatorsAccount: "0", fs.FeesAccount: "0"})
	// Reverting the parent a full revert left behind, never applied here,
	// reverses nothing and empties the cursor.
	if _, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 0, Hash: gen}, t0)[0]); err != nil {
		t.Fatalf("reverting the genesis parent: %v", err)
	}
	if cur, _ := fs.ReadCursor(view{s}); len(cur.Blocks) != 0 {
		t.Errorf("cursor after reverting the genesis parent = %+v; want empty", cur)
	}
	if rep, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("verify: %v (%+v)", err, rep)
	}
}

// TestBlockRefusals: an unknown currency refuses every entry and the seal,
// so the cursor stays and the block is retried, never skipped.
func TestBlockRefusals(t *testing.T) {
	e, s := open(t)
	to := fs.Address{19: 1}
	b := fs.Block{Number: 7, Hash: fs.Hash{7}, Parent: fs.Hash{6}, Time: t0, Txs: []fs.Tx{{Hash: fs.Hash{1}, To: &to, GasUsed: 1, EffectiveGasPrice: money.FromUint64(5), Success: true}}}
	res := applyAll(t, e, fs.ApplyBlock(b, fs.Chain{Currency: "XYZ"}))
	if errcode.Code(res[0].Err) != errcode.Code(money.ErrUnknownCurrency) || errcode.Code(lastErr(res)) != "feeshare_block_partial" {
		t.Errorf("unknown currency: %v / %v; want %s then feeshare_block_partial", res[0].Err, lastErr(res), errcode.Code(money.ErrUnknownCurrency))
	}
	if cur, _ := fs.ReadCursor(view{s}); len(cur.Blocks) != 0 {
		t.Errorf("cursor moved to %+v after a refused block", cur)
	}
	dup := b
	dup.Txs = append(slices.Clone(b.Txs), b.Txs[0])
	if ops := fs.ApplyBlock(dup, eth); len(ops) != 1 || errcode.Code(lastErr(applyAll(t, e, ops))) != "feeshare_block_invalid" {
		t.Errorf("duplicate tx: want one refusing op")
	}
	huge := b
	huge.Txs = []fs.Tx{{Hash: fs.Hash{2}, To: &to, GasUsed: 2, EffectiveGasPrice: money.Max, Success: true}}
	if res := applyAll(t, e, fs.ApplyBlock(huge, eth)); errcode.Code(res[0].Err) != errcode.Code(money.ErrOverflow) || errcode.Code(lastErr(res)) != "feeshare_block_partial" {
		t.Errorf("fee overflow: %v / %v", res[0].Err, lastErr(res))
	}
	big := b
	big.Txs = make([]fs.Tx, fs.TxsMax+1)
	if ops := fs.ApplyBlock(big, eth); len(ops) != 1 || errcode.Code(lastErr(applyAll(t, e, ops))) != "feeshare_block_invalid" {
		t.Errorf("%d txs: want one refusing op", fs.TxsMax+1)
	}
	// Now the right currency: it applies.
	if err := lastErr(applyAll(t, e, fs.ApplyBlock(b, eth))); err != nil {
		t.Fatal(err)
	}
	if got := posted(t, s, fs.ValidatorsAccount); got != "5" {
		t.Errorf("validators = %s; want 5", got)
	}
}

// TestCancelStopsShare: after a cancel, and when the module is disabled,
// the developer gets nothing; an admin acts on the deployer's behalf.
func TestCancelStopsShare(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	req := fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}
	if _, err := e.ApplyOne(ctx, fs.Register("r", t0, req, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("tok-9"))); err != nil {
		t.Fatal(err)
	}
	if r, _ := fs.ReadRegistration(view{s}, c); r.By != "admin:tok-9" {
		t.Errorf("by = %q; want admin:tok-9", r.By)
	}
	tx := func(h byte) fs.Tx {
		return fs.Tx{Hash: fs.Hash{h}, To: &c, GasUsed: 100, EffectiveGasPrice: money.FromUint64(1), Success: true}
	}
	blocks := []fs.Block{
		{Number: 1, Hash: fs.Hash{1}, Time: t0, Txs: []fs.Tx{tx(1)}},
		{Number: 2, Hash: fs.Hash{2}, Parent: fs.Hash{1}, Time: t0, Txs: []fs.Tx{tx(2)}},
		{Number: 3, Hash: fs.Hash{3}, Parent: fs.Hash{2}, Time: t0, Txs: []fs.Tx{tx(3)}},
	}
	if err := lastErr(applyAll(t, e, fs.ApplyBlock(blocks[0], eth))); err != nil {
		t.Fatal(err)
	}
	p := fs.DefaultParams()
	p.EnableRevenue = false
	if _, err := e.ApplyOne(ctx, fs.SetParams("p", t0, p)); err != nil {
		t.Fatal(err)
	}
	if err := lastErr(applyAll(t, e, fs.ApplyBlock(blocks[1], eth))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, fs.Cancel("c", t0, fs.Request{Contract: c, Deployer: d}, 0, fs.ByAdmin("tok-9"))); errcode.Code(err) != "feeshare_disabled" {
		t.Errorf("cancel while disabled: %v; want feeshare_disabled", err)
	}
	p.EnableRevenue = true
	if _, err := e.ApplyOne(ctx, fs.SetParams("p2", t0, p)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ApplyOne(ctx, fs.Cancel("c2", t0, fs.Request{Contract: c, Deployer: d}, 0, fs.ByAdmin("tok-9"))); err != nil {
		t.Fatal(err)
	}
	if err := lastErr(applyAll(t, e, fs.ApplyBlock(blocks[2], eth))); err != nil {
		t.Fatal(err)
	}
	if got, v := posted(t, s, d.Account()), posted(t, s, fs.ValidatorsAccount); got != "50" || v != "250" {
		t.Errorf("deployer %s, validators %s; want 50 (block 1 only) and 250", got, v)
	}
	if _, err := fs.ReadRegistration(view{s}, c); errcode.Code(err) != "not_found" {
		t.Errorf("registration after cancel: %v; want not_found", err)
	}
	if _, err := e.ApplyOne(ctx, fs.SetParams("p3", t0, fs.Params{DeveloperSharesBP: 10001})); errcode.Code(err) != "feeshare_shares_invalid" {
		t.Errorf("params 10001 bp: %v", err)
	}
}

// TestIndexes registers, updates and cancels at random and compares every
// list with a model after each step.
func TestIndexes(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(6, 6))
	deployers := []fs.Address{addr(1), addr(2), addr(3)}
	withdrawers := []*fs.Address{nil, {19: 0x51}, {19: 0x52}}
	model := map[fs.Address]fs.Registration{}
	nonce := map[fs.Address]uint64{}
	for step := 0; step < 300; step++ {
		d := deployers[rng.IntN(len(deployers))]
		n := uint64(rng.IntN(12))
		c, _ := fs.DeriveCreate(d, []uint64{n})
		w := withdrawers[rng.IntN(len(withdrawers))]
		nonce[d]++
		req := fs.Request{Contract: c, Deployer: d, Withdrawer: w, Nonces: []uint64{n}, Expiry: t0.Unix(), Nonce: nonce[d]}
		key := fmt.Sprintf("k%d", step)
		_, registered := model[c]
		var err error
		switch op := rng.IntN(3); {
		case op == 0 || !registered:
			_, err = e.ApplyOne(ctx, fs.Register(key, t0, req, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByDeployer))
			if registered != (errcode.Code(err) == "feeshare_already_registered") || !registered && err != nil {
				t.Fatalf("step %d register: %v (registered %v)", step, err, registered)
			}
			if err == nil {
				model[c] = fs.Registration{Contract: c, Deployer: d, Withdrawer: w}
			}
		case op == 1:
			_, err = e.ApplyOne(ctx, fs.Update(key, t0, req, 0, fs.ByDeployer))
			old := model[c].Withdrawer
			if (old == nil) == (w == nil) && (w == nil || *w == *old) {
				if errcode.Code(err) != "feeshare_withdrawer_unchanged" {
					t.Fatalf("step %d update to the same: %v", step, err)
				}
			} else if err != nil {
				t.Fatalf("step %d update: %v", step, err)
			} else {
				r := model[c]
				r.Withdrawer = w
				model[c] = r
			}
		default:
			if _, err = e.ApplyOne(ctx, fs.Cancel(key, t0, req, 0, fs.ByDeployer)); err != nil {
				t.Fatalf("step %d cancel: %v", step, err)
			}
			delete(model, c)
		}
		// Compare the lists, read in small pages.
		type lister func(off uint64) (fs.Page, error)
		collect := func(l lister) []string {
			var out []string
			for off := uint64(0); ; {
				p, err := l(off)
				if err != nil {
					t.Fatalf("step %d list: %v", step, err)
				}
				for _, r := range p.Registrations {
					out = append(out, r.Contract.Hex())
				}
				if p.Next == 0 {
					break
				}
				off = p.Next
			}
			slices.Sort(out)
			return out
		}
		wantOf := func(keep func(fs.Registration) bool) []string {
			var out []string
			for c, r := range model {
				if keep(r) {
					out = append(out, c.Hex())
				}
			}
			slices.Sort(out)
			return out
		}
		v := view{s}
		if got, want := collect(func(o uint64) (fs.Page, error) { return fs.Contracts(v, o, 3) }), wantOf(func(fs.Registration) bool { return true }); !slices.Equal(got, want) {
			t.Fatalf("step %d: contracts %v; want %v", step, got, want)
		}
		for _, dd := range deployers {
			if got, want := collect(func(o uint64) (fs.Page, error) { return fs.DeployerContracts(v, dd, o, 2) }), wantOf(func(r fs.Registration) bool { return r.Deployer == dd }); !slices.Equal(got, want) {
				t.Fatalf("step %d: deployer %s contracts %v; want %v", step, dd.Hex(), got, want)
			}
		}
		for _, ww := range withdrawers[1:] {
			if got, want := collect(func(o uint64) (fs.Page, error) { return fs.WithdrawerContracts(v, *ww, o, 2) }), wantOf(func(r fs.Registration) bool { return r.Withdrawer != nil && *r.Withdrawer == *ww }); !slices.Equal(got, want) {
				t.Fatalf("step %d: withdrawer %s contracts %v; want %v", step, ww.Hex(), got, want)
			}
		}
	}
	if len(model) == 0 {
		t.Fatal("the random walk ended with nothing registered; the test checks too little")
	}
}

// TestGenesisRoundTrip: export, import elsewhere, export: the same bytes.
func TestGenesisRoundTrip(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	for i := range 5 {
		d := addr(byte(1 + i%2))
		c, _ := fs.DeriveCreate(d, []uint64{uint64(i)})
		var w *fs.Address
		if i%3 == 0 {
			w = &fs.Address{19: byte(0x40 + i)}
		}
		if _, err := e.ApplyOne(ctx, fs.Register(fmt.Sprint("r", i), t0, fs.Request{Contract: c, Deployer: d, Withdrawer: w, Nonces: []uint64{uint64(i)}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("t"))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.ApplyOne(ctx, fs.SetParams("p", t0, fs.Params{EnableRevenue: true, DeveloperSharesBP: 4321, AddrDerivationCostCreate: 60})); err != nil {
		t.Fatal(err)
	}
	g1, err := fs.ExportGenesis(view{s})
	if err != nil {
		t.Fatal(err)
	}
	out1 := fs.MarshalGenesis(g1)
	if len(g1.Revenues) != 5 || g1.Params.DeveloperShares != "0.4321" {
		t.Fatalf("export: %s", out1)
	}
	e2, s2 := open(t)
	if _, err := e2.ApplyOne(ctx, fs.ImportGenesis("g", t0, out1)); err != nil {
		t.Fatal(err)
	}
	g2, err := fs.ExportGenesis(view{s2})
	if err != nil {
		t.Fatal(err)
	}
	if out2 := fs.MarshalGenesis(g2); !bytes.Equal(out1, out2) {
		t.Errorf("export → import → export differs:\n%s\n%s", out1, out2)
	}
	if _, err := e2.ApplyOne(ctx, fs.ImportGenesis("g2", t0, out1)); errcode.Code(err) != "feeshare_genesis_not_empty" {
		t.Errorf("second import: %v; want feeshare_genesis_not_empty", err)
	}
	if _, err := e2.ApplyOne(ctx, fs.ImportGenesis("g3", t0, []byte("{"))); errcode.Code(err) != "feeshare_genesis_invalid" {
		t.Errorf("broken genesis: %v; want feeshare_genesis_invalid", err)
	}
}

// TestCursorKeepsReorgReach: after 300 blocks the cursor holds the last
// 256 and what older blocks posted is forgotten.
func TestCursorKeepsReorgReach(t *testing.T) {
	e, s := open(t)
	var parent fs.Hash
	var ops []engine.Op
	for n := uint64(1); n <= 300; n++ {
		h := fs.Hash{byte(n >> 8), byte(n)}
		ops = append(ops, fs.ApplyBlock(fs.Block{Number: n, Hash: h, Parent: parent, Time: t0}, eth)...)
		parent = h
	}
	for i, r := range applyAll(t, e, ops) {
		if r.Err != nil {
			t.Fatalf("block %d: %v", i+1, r.Err)
		}
	}
	cur, err := fs.ReadCursor(view{s})
	if err != nil {
		t.Fatal(err)
	}
	if len(cur.Blocks) != fs.CursorMax || cur.Blocks[0].Number != 45 || cur.Blocks[len(cur.Blocks)-1].Number != 300 {
		t.Errorf("cursor holds %d blocks, %d…; want %d, 45…300", len(cur.Blocks), cur.Blocks[0].Number, fs.CursorMax)
	}
	if _, ok, _ := s.State(context.Background(), fs.Program, "block/"+fs.Hash{0, 44}.Hex()); ok {
		t.Error("block 44's record is kept beyond reorg reach")
	}
	if _, ok, _ := s.State(context.Background(), fs.Program, "block/"+fs.Hash{0, 45}.Hex()); !ok {
		t.Error("block 45's record is gone while within reach")
	}
}

// TestRandomReorgs applies, replays and reverts random blocks (transactions
// of reverted blocks sometimes re-included in new ones), while the
// developer and the validators withdraw at random, and checks every
// balance against a model after each step: what the canonical blocks pay,
// exactly, computed with math/big, is what each holds plus what it
// withdrew less what it owes; it owes only when it holds nothing.
func TestRandomReorgs(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(20, 26))
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{3})
	if _, err := e.ApplyOne(ctx, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{3}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("t"))); err != nil {
		t.Fatal(err)
	}
	u := addr(9)
	gen := fs.Hash{0xff}
	var chain []fs.Block // applied, oldest first
	var orphaned []fs.Tx
	var reverted []fs.Block // candidates to become canonical again
	flipFlops, inDebt, withdrawals := 0, 0, 0
	withdrawn := map[string]*big.Int{d.Account(): new(big.Int), fs.ValidatorsAccount: new(big.Int)}
	serial := 0
	head := func() (uint64, fs.Hash) {
		if len(chain) == 0 {
			return 0, gen
		}
		b := chain[len(chain)-1]
		return b.Number, b.Hash
	}
	wantBalances := func() (dev, val *big.Int) {
		dev, val = new(big.Int), new(big.Int)
		for _, b := range chain {
			for _, tx := range b.Txs {
				fee := new(big.Int).Mul(new(big.Int).SetUint64(tx.GasUsed), tx.EffectiveGasPrice.Uint256().ToBig())
				share := new(big.Int)
				if tx.Success && tx.To != nil && *tx.To == c {
					share.Mul(fee, big.NewInt(5000)).Div(share, big.NewInt(10000))
				}
				dev.Add(dev, share)
				val.Add(val, fee.Sub(fee, share))
			}
		}
		return dev, val
	}
	for step := 0; step < 300; step++ {
		switch r := rng.IntN(10); {
		case r < 5 || len(chain) == 0:
			n, parent := head()
			if i := slices.IndexFunc(reverted, func(b fs.Block) bool { return b.Parent == parent && b.Number == n+1 }); i >= 0 && rng.IntN(2) == 0 {
				b := reverted[i]
				reverted = slices.Delete(reverted, i, i+1)
				round, err := fs.Round(view{s}, b.Hash)
				if err != nil || round == 0 {
					t.Fatalf("step %d: Round of reverted block %d = %d, %v", step, b.Number, round, err)
				}
				for _, res := range applyAll(t, e, fs.ApplyBlockAt(b, eth, round)) {
					if res.Err != nil {
						t.Fatalf("step %d: block %d again in round %d: %v", step, b.Number, round, res.Err)
					}
				}
				chain = append(chain, b)
				flipFlops++
				break
			}
			serial++
			b := fs.Block{Number: n + 1, Hash: fs.Hash{0xb0, byte(serial >> 8), byte(serial)}, Parent: parent, Time: t0}
			for i := rng.IntN(5); i > 0; i-- {
				if len(orphaned) > 0 && rng.IntN(3) == 0 {
					b.Txs = append(b.Txs, orphaned[0]) // re-included after a reorg
					orphaned = orphaned[1:]
					continue
				}
				serial++
				to := []*fs.Address{&c, &u, nil}[rng.IntN(3)]
				b.Txs = append(b.Txs, fs.Tx{Hash: fs.Hash{0x70, byte(serial >> 8), byte(serial)}, To: to, GasUsed: rng.Uint64N(100000), EffectiveGasPrice: money.FromUint64(rng.Uint64N(1 << 40)), Success: rng.IntN(4) > 0})
			}
			for range 1 + rng.IntN(2) { // sometimes applied twice
				for i, res := range applyAll(t, e, fs.ApplyBlock(b, eth)) {
					if res.Err != nil {
						t.Fatalf("step %d: block %d op %d: %v", step, b.Number, i, res.Err)
					}
				}
			}
			chain = append(chain, b)
		case r < 8:
			b := chain[len(chain)-1]
			round, err := fs.Round(view{s}, b.Hash)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.ApplyOne(ctx, fs.RevertBlockAt(fs.BlockRef{Number: b.Number, Hash: b.Hash}, t0, round)[0]); err != nil {
				t.Fatalf("step %d: revert block %d: %v", step, b.Number, err)
			}
			chain = chain[:len(chain)-1]
			reverted = append(reverted, b)
			if rng.IntN(2) == 0 {
				orphaned = append(orphaned, b.Txs...)
			}
			if posted(t, s, fs.ReceivableAccount(d.Account())) != "0" {
				inDebt++
			}
		default:
			if r == 9 {
				b := chain[len(chain)-1]
				for _, res := range applyAll(t, e, fs.ApplyBlock(b, eth)) {
					if res.Err != nil || !res.Replayed {
						t.Fatalf("step %d: the head again: %v, replayed %v", step, res.Err, res.Replayed)
					}
				}
				break
			}
			// Someone withdraws up to all it holds.
			acct := []string{d.Account(), fs.ValidatorsAccount}[rng.IntN(2)]
			held, _ := new(big.Int).SetString(posted(t, s, acct), 10)
			if held.Sign() <= 0 {
				break
			}
			amt := new(big.Int).Set(held) // all of it, or a part
			if rng.IntN(2) == 0 {
				amt.Mul(held, big.NewInt(int64(1+rng.IntN(1000))))
				if amt.Div(amt, big.NewInt(1000)).Sign() == 0 {
					amt.SetInt64(1)
				}
			}
			a, _ := money.ParseUnits(amt.String())
			withdrawals++
			mustApply(t, e, engine.WithdrawalRequest(fmt.Sprint("w", step), t0, acct, "", "ETH", a))
			mustApply(t, e, engine.WithdrawalResolve(fmt.Sprint("p", step), t0, fmt.Sprint("w", step), true))
			withdrawn[acct].Add(withdrawn[acct], amt)
		}
		dev, val := wantBalances()
		fees := new(big.Int).Neg(new(big.Int).Add(dev, val))
		if got := posted(t, s, fs.FeesAccount); got != fees.String() {
			t.Fatalf("step %d (%d blocks applied): %s = %s; want %s", step, len(chain), fs.FeesAccount, got, fees)
		}
		for acct, want := range map[string]*big.Int{d.Account(): dev, fs.ValidatorsAccount: val} {
			held, _ := new(big.Int).SetString(posted(t, s, acct), 10)
			owes, _ := new(big.Int).SetString(posted(t, s, fs.ReceivableAccount(acct)), 10)
			if got := new(big.Int).Add(held, withdrawn[acct]); got.Add(got, owes).Cmp(want) != 0 {
				t.Fatalf("step %d (%d blocks applied): %s holds %s, withdrew %s, its receivable is %s; want them to add up to %s", step, len(chain), acct, held, withdrawn[acct], owes, want)
			}
			if owes.Sign() > 0 || owes.Sign() < 0 && held.Sign() != 0 {
				t.Fatalf("step %d: %s holds %s while its receivable is %s; a debt is repaid before anything is credited", step, acct, held, owes)
			}
		}
		cur, _ := fs.ReadCursor(view{s})
		if n, h := head(); len(chain) > 0 {
			if got, _ := cur.Head(); got.Hash != h || got.Number != n {
				t.Fatalf("step %d: cursor head %+v; want block %d", step, got, n)
			}
		}
	}
	t.Logf("%d blocks applied again after a revert; %d canonical at the end; %d withdrawals, %d reversals after which the developer owed", flipFlops, len(chain), withdrawals, inDebt)
	if inDebt < 3 {
		t.Errorf("only %d reversals left the developer owing; the walk checks too little of that", inDebt)
	}
	if flipFlops < 3 {
		t.Errorf("only %d blocks became canonical again; the walk checks too little of that", flipFlops)
	}
	if rep, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("verify: %v (%+v)", err, rep)
	}
}
