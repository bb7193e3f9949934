package feeshare_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	fs "github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// feeBlock is block n of a chain whose block hashes are {0xb1, n}, with
// one successful transaction to each of to paying gas × 1 wei.
func feeBlock(n uint64, gas uint64, to ...fs.Address) fs.Block {
	b := fs.Block{Number: n, Hash: fs.Hash{0xb1, byte(n >> 8), byte(n)}, Parent: fs.Hash{0xb1, byte((n - 1) >> 8), byte(n - 1)}, Time: t0}
	for i, a := range to {
		a := a
		b.Txs = append(b.Txs, fs.Tx{Hash: fs.Hash{0x7a, byte(n >> 8), byte(n), byte(i)}, To: &a, GasUsed: gas, EffectiveGasPrice: money.FromUint64(1), Success: true})
	}
	return b
}

func applyBlocks(t testing.TB, e *engine.Engine, blocks ...fs.Block) {
	t.Helper()
	for _, b := range blocks {
		if err := lastErr(applyAll(t, e, fs.ApplyBlock(b, eth))); err != nil {
			t.Fatalf("block %d: %v", b.Number, err)
		}
	}
}

func mustApply(t testing.TB, e *engine.Engine, op engine.Op) {
	t.Helper()
	if _, err := e.ApplyOne(context.Background(), op); err != nil {
		t.Fatalf("%s: %v", op.Key, err)
	}
}

// TestRegistrationByBlock: register at head 10, set withdrawer 1 at head
// 12, withdrawer 2 at head 14, cancel at head 16; only then does the
// watcher apply blocks 1 to 18, each with a transaction of 100 wei to the
// contract. Each is paid by the registration as of its block: blocks 11
// and 12 the deployer, 13 and 14 withdrawer 1, 15 and 16 withdrawer 2,
// none before 11 nor after 16.
func TestRegistrationByBlock(t *testing.T) {
	e, s := open(t)
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	w1, w2 := addr(0x51), addr(0x52)
	mustApply(t, e, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true, Head: 10}, fs.ByAdmin("t")))
	mustApply(t, e, fs.Update("u1", t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w1}, 12, fs.ByAdmin("t")))
	mustApply(t, e, fs.Update("u2", t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w2}, 14, fs.ByAdmin("t")))
	mustApply(t, e, fs.Cancel("c", t0, fs.Request{Contract: c, Deployer: d}, 16, fs.ByAdmin("t")))
	if _, err := fs.ReadRegistration(view{s}, c); errcode.Code(err) != "not_found" {
		t.Errorf("registration after the cancel: %v; want not_found", err)
	}
	for n := uint64(1); n <= 18; n++ {
		applyBlocks(t, e, feeBlock(n, 100, c))
	}
	for acct, want := range map[string]string{d.Account(): "100", w1.Account(): "100", w2.Account(): "100", fs.ValidatorsAccount: "1500", fs.FeesAccount: "-1800"} {
		if got := posted(t, s, acct); got != want {
			t.Errorf("%s = %s; want %s", acct, got, want)
		}
	}

	// A registration accepted at a head behind the blocks applied (a
	// node behind the watcher's) takes effect after the last block
	// applied: what is applied is never contradicted.
	mustApply(t, e, fs.Register("r2", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true, Head: 3}, fs.ByAdmin("t")))
	if r, err := fs.ReadRegistration(view{s}, c); err != nil || r.From != 19 {
		t.Errorf("registration at head 3 after block 18 applied: %+v, %v; want from block 19", r, err)
	}
	applyBlocks(t, e, feeBlock(19, 100, c))
	if got := posted(t, s, d.Account()); got != "150" {
		t.Errorf("deployer after block 19 = %s; want 150", got)
	}
	if rep, err := engine.Verify(context.Background(), s); err != nil {
		t.Errorf("verify: %v (%+v)", err, rep)
	}
}

// programKeys lists the program's state keys that start with prefix.
func programKeys(t testing.TB, s *sqlite.Store, prefix string) []string {
	t.Helper()
	var out []string
	for _, k := range []string{"prune/head", "prune/tail", "prune/i/0", "prune/i/1", "prune/i/2"} {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if _, ok, err := s.State(context.Background(), fs.Program, k); err != nil {
			t.Fatal(err)
		} else if ok {
			out = append(out, k)
		}
	}
	return out
}

// TestHistoryPruned: the versions a change superseded are kept while the
// watcher may still apply a block they cover (a reorg back into them),
// and go once the cursor has moved CursorMax blocks past them; a
// cancelled contract's record goes with them.
func TestHistoryPruned(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	w1 := addr(0x51)
	mustApply(t, e, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true, Head: 1}, fs.ByAdmin("t")))
	mustApply(t, e, fs.Update("u", t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w1}, 3, fs.ByAdmin("t")))
	mustApply(t, e, fs.Cancel("c", t0, fs.Request{Contract: c, Deployer: d}, 5, fs.ByAdmin("t")))
	key := "revenue/" + c.Account()
	var ops []engine.Op
	last := uint64(4 + fs.CursorMax)
	for n := uint64(1); n <= last; n++ {
		ops = append(ops, fs.ApplyBlock(feeBlock(n, 10), eth)...)
	}
	for i, r := range applyAll(t, e, ops) {
		if r.Err != nil {
			t.Fatalf("op %d: %v", i, r.Err)
		}
	}
	// The versions cover blocks 2–3 (the deployer) and 4–5 (withdrawer
	// 1). The cursor holds blocks 5…last: block 5's child, 6, is the
	// lowest the watcher may apply again, so neither is needed.
	if _, ok, _ := s.State(ctx, fs.Program, key); ok {
		t.Errorf("the cancelled contract's record is kept after the cursor moved past its versions")
	}
	if got := programKeys(t, s, "prune/"); len(got) != 0 {
		t.Errorf("prune queue keys left: %v", got)
	}

	// One block short of that, block 5 may still be applied again, and
	// its version is kept.
	e2, s2 := open(t)
	mustApply(t, e2, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true, Head: 1}, fs.ByAdmin("t")))
	mustApply(t, e2, fs.Update("u", t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w1}, 3, fs.ByAdmin("t")))
	mustApply(t, e2, fs.Cancel("c", t0, fs.Request{Contract: c, Deployer: d}, 5, fs.ByAdmin("t")))
	if res := applyAll(t, e2, ops[:len(ops)-1]); lastErr(res) != nil {
		t.Fatal(lastErr(res))
	}
	if raw, ok, _ := s2.State(ctx, fs.Program, key); !ok || !strings.Contains(string(raw), `"to_block":6`) {
		t.Errorf("record one block before its versions leave reach = %s (%v); want the version ending at block 6", raw, ok)
	}
}

// TestPastMax: changes that never took effect (the same head) replace
// each other; changes that did are kept within reach, at most PastMax.
func TestPastMax(t *testing.T) {
	e, _ := open(t)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	mustApply(t, e, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("t")))
	w := []fs.Address{addr(0x51), addr(0x52)}
	for i := range 3 * fs.PastMax {
		mustApply(t, e, fs.Update(fmt.Sprint("same-", i), t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w[i%2]}, 0, fs.ByAdmin("t")))
	}
	for i := range fs.PastMax {
		mustApply(t, e, fs.Update(fmt.Sprint("u", i), t0, fs.Request{Contract: c, Deployer: d, Withdrawer: &w[i%2]}, uint64(i+1), fs.ByAdmin("t")))
	}
	if _, err := e.ApplyOne(ctx, fs.Cancel("c", t0, fs.Request{Contract: c, Deployer: d}, fs.PastMax+1, fs.ByAdmin("t"))); errcode.Code(err) != "feeshare_changes_max" {
		t.Errorf("change %d within reach: %v; want feeshare_changes_max", fs.PastMax+1, err)
	}
}

// TestChargeback: a reorg reverses a block whose developer share was
// withdrawn. The reversal takes back what the account still has
// available and books the rest on its receivable; the developer's next
// fees repay that before anything reaches its account; reversing a block
// that repaid puts the debt back. Conservation holds after every step.
func TestChargeback(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	dev, owed := d.Account(), fs.ReceivableAccount(d.Account())
	if owed != "@feeshare:receivable:"+dev {
		t.Fatalf("ReceivableAccount(%s) = %s", dev, owed)
	}
	mustApply(t, e, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true}, fs.ByAdmin("t")))
	check := func(when string, want map[string]string) {
		t.Helper()
		for a, w := range want {
			if got := posted(t, s, a); got != w {
				t.Errorf("%s: %s = %s; want %s", when, a, got, w)
			}
		}
		if rep, err := engine.Verify(ctx, s); err != nil {
			t.Fatalf("%s: verify: %v (%+v)", when, err, rep)
		}
	}
	b1 := feeBlock(1, 1000, c) // 500 to the developer
	applyBlocks(t, e, b1)
	// The developer withdraws 300 (posted: gone) and asks for 100 more
	// (pending: reserved); 100 stay available.
	mustApply(t, e, engine.WithdrawalRequest("w1", t0, dev, "", "ETH", money.FromUint64(300)))
	mustApply(t, e, engine.WithdrawalResolve("w1-post", t0, "w1", true))
	mustApply(t, e, engine.WithdrawalRequest("w2", t0, dev, "", "ETH", money.FromUint64(100)))
	res, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 1, Hash: b1.Hash}, t0)[0])
	if err != nil {
		t.Fatalf("reverting a block whose share was withdrawn: %v; want a chargeback, not a refusal", err)
	}
	var charged bool
	for _, p := range res.Entry.Postings {
		if p.From == owed && p.Amount.String() == "400" && strings.Contains(p.Path, "the rest is owed") {
			charged = true
		}
	}
	if !charged {
		t.Errorf("reversal postings %+v; want 400 from %s, its path saying it is owed", res.Entry.Postings, owed)
	}
	// The 100 available are taken back; the 300 withdrawn and the 100
	// on their way out (pending, which still posts below) are owed.
	check("after the reorg", map[string]string{dev: "100", owed: "-400", fs.ValidatorsAccount: "0", fs.FeesAccount: "0"})
	mustApply(t, e, engine.WithdrawalResolve("w2-post", t0, "w2", true))
	check("after the pending withdrawal posts", map[string]string{dev: "0", owed: "-400"})

	// The new chain: block 1' pays the developer 200, all of which
	// repays; block 2 pays 500: 200 repays, 300 reach the account.
	b1b := feeBlock(1, 400, c)
	b1b.Hash = fs.Hash{0xb2, 1}
	applyBlocks(t, e, b1b)
	check("after block 1'", map[string]string{dev: "0", owed: "-200", fs.ValidatorsAccount: "200", fs.FeesAccount: "-400"})
	b2 := feeBlock(2, 1000, c)
	b2.Parent = b1b.Hash
	applyBlocks(t, e, b2)
	check("after block 2", map[string]string{dev: "300", owed: "0", fs.ValidatorsAccount: "700", fs.FeesAccount: "-1400"})
	// Block 2 reorged away too: the repayment is undone (the debt
	// returns) and so is the credit.
	if _, err := e.ApplyOne(ctx, fs.RevertBlock(fs.BlockRef{Number: 2, Hash: b2.Hash}, t0)[0]); err != nil {
		t.Fatal(err)
	}
	check("after reverting block 2", map[string]string{dev: "0", owed: "-200", fs.ValidatorsAccount: "200", fs.FeesAccount: "-400"})
}

// TestRegistrationAcrossReorg: a registration placed after block 2 pays
// by block number on whichever branch becomes canonical: a transaction
// that moves from block 3 to block 2 stops paying the developer, one that
// moves from block 2 to block 3 starts.
func TestRegistrationAcrossReorg(t *testing.T) {
	e, s := open(t)
	ctx := context.Background()
	d := addr(1)
	c, _ := fs.DeriveCreate(d, []uint64{0})
	mustApply(t, e, fs.Register("r", t0, fs.Request{Contract: c, Deployer: d, Nonces: []uint64{0}}, fs.Facts{DeployerNonce: 1, ContractHasCode: true, Head: 2}, fs.ByAdmin("t")))
	x, y := feeBlock(2, 100, c), feeBlock(3, 1000, c) // x: 100 wei in block 2, y: 1000 in block 3
	applyBlocks(t, e, feeBlock(1, 10), x, y)
	if got := posted(t, s, d.Account()); got != "500" {
		t.Fatalf("deployer = %s; want 500 (y only)", got)
	}
	for _, b := range []fs.Block{y, x} {
		mustApply(t, e, fs.RevertBlock(fs.BlockRef{Number: b.Number, Hash: b.Hash}, t0)[0])
	}
	y2 := fs.Block{Number: 2, Hash: fs.Hash{0xc2}, Parent: x.Parent, Time: t0, Txs: y.Txs}
	x3 := fs.Block{Number: 3, Hash: fs.Hash{0xc3}, Parent: y2.Hash, Time: t0, Txs: x.Txs}
	applyBlocks(t, e, y2, x3)
	if got := posted(t, s, d.Account()); got != "50" {
		t.Errorf("deployer after the reorg = %s; want 50 (x, now in block 3)", got)
	}
	if rep, err := engine.Verify(ctx, s); err != nil {
		t.Errorf("verify: %v (%+v)", err, rep)
	}
}
