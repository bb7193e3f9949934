package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// payoutLedger is a ledger on SQLite with the payout program's operations.
type payoutLedger struct {
	st  *sqlite.Store
	eng *engine.Engine
	at  time.Time
	n   int
}

func newPayoutLedger(t *testing.T) *payoutLedger {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "payout.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &payoutLedger{st: st, eng: engine.New(st, money.NewRegistry()), at: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
}

func (l *payoutLedger) key(what string) string {
	l.n++
	return what + "-" + string(rune('a'+l.n%26)) + time.Duration(l.n).String()
}

func (l *payoutLedger) apply(t *testing.T, op engine.Op) ledger.Entry {
	t.Helper()
	res, err := l.eng.ApplyOne(context.Background(), op)
	if err != nil {
		t.Fatalf("%s: %v", op.Key, err)
	}
	return res.Entry
}

func (l *payoutLedger) pay(t *testing.T, account string, amount money.Amount) {
	t.Helper()
	l.apply(t, engine.Transfer(l.key("pay"), l.at, []ledger.Posting{{From: "@world", To: account, Currency: "USDC", Amount: amount, Path: "test"}}))
}

// batch selects every USDC balance with a destination, as the route does.
func (l *payoutLedger) batch(t *testing.T) payout.Batch {
	t.Helper()
	ctx := context.Background()
	bals, err := l.st.BalancesFiltered(ctx, ledger.BalanceFilter{Currency: "USDC", Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	page, err := l.st.StatePage(ctx, payout.Program, "destination/", "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	dests := map[string]payout.Destination{}
	for _, sv := range page {
		var d payout.Destination
		if err := json.Unmarshal(sv.Value, &d); err != nil {
			t.Fatal(err)
		}
		dests[d.Account] = d
	}
	sel := payout.Selection{Currency: "USDC", Minimum: money.FromUint64(1)}
	cands, missing := payout.Select(sel, bals, dests)
	e := l.apply(t, payout.Run(l.key("batch"), l.at, sel, cands, missing))
	var id uint64
	if _, err := fmt.Sscanf(e.Ref, "payout:%d", &id); err != nil {
		t.Fatal(err)
	}
	return l.read(t, id)
}

func (l *payoutLedger) read(t *testing.T, id uint64) payout.Batch {
	t.Helper()
	b, err := payout.ReadBatch(stateView{program: payout.Program, ctx: context.Background(), s: l.st}, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (l *payoutLedger) tree(t *testing.T, b payout.Batch) *merkle.Tree {
	t.Helper()
	leaves, err := payout.ReadLeaves(stateView{program: payout.Program, ctx: context.Background(), s: l.st}, b)
	if err != nil {
		t.Fatal(err)
	}
	return buildTree(t, leaves...)
}

func (l *payoutLedger) state(t *testing.T, id string) ledger.WithdrawalState {
	t.Helper()
	w, err := l.st.Withdrawal(context.Background(), id)
	if err != nil {
		t.Fatalf("withdrawal %s: %v", id, err)
	}
	return w.State
}

func ref(batch uint64, a merkle.Address) string {
	return payout.LineRef(batch, 0, payout.Destination{Destination: a.Hex(), Rail: payout.RailChain})
}

// TestPayoutBatchOnChain is issue #19's acceptance: three programs'
// payees in one batch, two claim and one does not; the ledger shows two
// posted withdrawals and one pending; the next batch gives the third a
// cumulative leaf covering both weeks; a replayed claim and a forged
// amount revert; a claim a reorganization moves before it is confirmed is
// applied once, where it lands; one deeper than the confirmations stops
// the reconciler.
func TestPayoutBatchOnChain(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)
	l := newPayoutLedger(t)
	accounts := map[string]merkle.Address{"market:alice": c.alicA, "usage:bob": c.bobA, "collection:carol": c.carolA}
	for acct, a := range accounts {
		l.apply(t, payout.SetDestination(l.key("dest"), l.at, acct, a.Hex()))
	}
	l.apply(t, payout.SetDestination(l.key("dest"), l.at, "market:dave", "@bank:dave"))
	l.pay(t, "market:alice", usdc(100))
	l.pay(t, "usage:bob", usdc(250))
	l.pay(t, "collection:carol", usdc(75))
	l.pay(t, "market:dave", usdc(40))
	l.pay(t, "market:erin", usdc(10)) // no destination: not paid out

	b1 := l.batch(t)
	if b1.Lines != 4 || b1.ChainLines != 3 || b1.Total != "465000000" || b1.ChainTotal != "425000000" {
		t.Fatalf("batch 1 = %+v; want 4 lines, 3 on chain, 465 USDC of which 425 on chain", b1)
	}
	want1 := buildTree(t, leaf(c.alicA, usdc(100)), leaf(c.bobA, usdc(250)), leaf(c.carolA, usdc(75)))
	if b1.Root != want1.Root().Hex() || b1.TreeTotal != "425000000" {
		t.Fatalf("batch 1's root %s (total %s); want %s", b1.Root, b1.TreeTotal, want1.Root().Hex())
	}
	tree1 := l.tree(t, b1)
	c.fund(t, usdc(425))
	posted := c.mine(t, must(c.claims.PostRoot(ctx, c.operator, b1.ID, tree1.Root(), usdc(425))))
	l.apply(t, payout.Publish(l.key("publish"), l.at, b1.ID, &payout.Receipt{Contract: c.claims.Address().Hex(), Tx: posted.Tx.Hex(), Block: posted.Block}))

	r, err := NewClaimsReconciler(c.claims, l.eng, l.st, ReconcilerConfig{Currency: "USDC", Confirmations: 2, Start: c.deployBlock})
	if err != nil {
		t.Fatal(err)
	}
	step := func() {
		t.Helper()
		for {
			n, err := r.Step(ctx)
			if err != nil {
				t.Fatalf("reconciler: %v", err)
			}
			if n == 0 {
				return
			}
		}
	}
	settle := func() { // past the confirmations, then reconcile
		t.Helper()
		c.sim.Commit()
		c.sim.Commit()
		step()
	}

	// Alice and bob claim; carol does not.
	c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree1, c.alicA))))
	c.mine(t, must(c.claims.Claim(ctx, c.operator, proof(t, tree1, c.bobA))))
	_, err = c.claims.Claim(ctx, c.alice, proof(t, tree1, c.alicA))
	wantRevert(t, "alice's claim replayed", err, "NothingToClaim")
	forged := proof(t, tree1, c.carolA)
	forged.Leaf.Cumulative = usdc(76)
	_, err = c.claims.Claim(ctx, c.carol, forged)
	wantRevert(t, "carol's claim with a forged amount", err, "InvalidProof")
	step() // not confirmed yet: nothing posted
	if got := l.state(t, ref(1, c.alicA)); got != ledger.WithdrawalPending {
		t.Fatalf("alice's line before its claim is confirmed: %s; want pending", got)
	}
	settle()
	settle() // again: nothing is applied twice
	for a, want := range map[merkle.Address]ledger.WithdrawalState{c.alicA: ledger.WithdrawalPosted, c.bobA: ledger.WithdrawalPosted, c.carolA: ledger.WithdrawalPending} {
		if got := l.state(t, ref(1, a)); got != want {
			t.Errorf("batch 1, %s: %s; want %s", a.Hex(), got, want)
		}
	}
	if b := l.read(t, 1); b.Claimed != 2 || b.Pending != 2 || b.ChainPending != 1 || b.State != payout.StatePublished {
		t.Errorf("batch 1 after the claims = %+v; want 2 claimed, carol's and dave's lines pending", b)
	}

	// Week 2: alice earns 50, carol 30. Carol's leaf covers both weeks.
	l.pay(t, "market:alice", usdc(50))
	l.pay(t, "collection:carol", usdc(30))
	b2 := l.batch(t)
	want2 := buildTree(t, leaf(c.alicA, usdc(150)), leaf(c.bobA, usdc(250)), leaf(c.carolA, usdc(105)))
	if b2.Lines != 2 || b2.Root != want2.Root().Hex() || b2.TreeTotal != "505000000" || b2.PrevTree != 1 {
		t.Fatalf("batch 2 = %+v; want 2 lines and the root of alice 150, bob 250, carol 105", b2)
	}
	tree2 := l.tree(t, b2)
	c.fund(t, usdc(80))
	c.mine(t, must(c.claims.PostRoot(ctx, c.operator, b2.ID, tree2.Root(), usdc(505))))
	l.apply(t, payout.Publish(l.key("publish"), l.at, b2.ID, nil))
	c.mine(t, must(c.claims.Claim(ctx, c.carol, proof(t, tree2, c.carolA))))
	settle()
	for id, want := range map[string]ledger.WithdrawalState{ref(1, c.carolA): ledger.WithdrawalPosted, ref(2, c.carolA): ledger.WithdrawalPosted, ref(2, c.alicA): ledger.WithdrawalPending} {
		if got := l.state(t, id); got != want {
			t.Errorf("after carol's claim of both weeks, %s: %s; want %s", id, got, want)
		}
	}
	if got := c.balance(t, c.carolA); got != usdc(105) {
		t.Errorf("carol holds %s; want 105 USDC", got)
	}

	// A reorganization moves alice's week-2 claim into another block
	// before it is confirmed: it is applied once, where it lands.
	forkAt, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree2, c.alicA))))
	step()
	if got := l.state(t, ref(2, c.alicA)); got != ledger.WithdrawalPending {
		t.Fatalf("alice's week 2 before its claim is confirmed: %s; want pending", got)
	}
	if err := c.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	// The orphaned claim returns from the pool into a block stamped after
	// the orphaned ones, so another block (see TestClaimEventsReorg).
	c.sim.Commit()
	c.sim.Commit()
	settle()
	if got := l.state(t, ref(2, c.alicA)); got != ledger.WithdrawalPosted {
		t.Errorf("alice's week 2 after the moved claim: %s; want posted", got)
	}
	if b := l.read(t, 2); b.State != payout.StateSettled || b.Claimed != 2 {
		t.Errorf("batch 2 = %+v; want settled, 2 claimed", b)
	}
	if _, err := engine.Verify(ctx, l.st); err != nil {
		t.Error(err)
	}

	// A reorganization deeper than the confirmations orphans a block whose
	// claim was applied: the reconciler follows the new chain from the
	// last block still on it. Alice's claim, which the new chain carries
	// again, is recognised as posted already, and bob's new claim there is
	// posted: nothing twice, nothing missed.
	l.pay(t, "market:alice", usdc(20))
	l.pay(t, "usage:bob", usdc(5))
	b3 := l.batch(t)
	tree3 := l.tree(t, b3)
	c.fund(t, usdc(25))
	c.mine(t, must(c.claims.PostRoot(ctx, c.operator, b3.ID, tree3.Root(), usdc(530))))
	l.apply(t, payout.Publish(l.key("publish"), l.at, b3.ID, nil))
	settle()
	// Steps of two blocks: going back onto the first chain below then
	// steps over exactly the blocks it stepped over before.
	deep, err := NewClaimsReconciler(c.claims, l.eng, l.st, ReconcilerConfig{Currency: "USDC", Start: c.deployBlock, BlocksPerStep: 2})
	if err != nil {
		t.Fatal(err)
	}
	stepDeep := func() {
		t.Helper()
		for {
			n, err := deep.Step(ctx)
			if err != nil {
				t.Fatalf("reconciler without confirmations: %v", err)
			}
			if n == 0 {
				return
			}
		}
	}
	stepDeep()
	forkAt, err = c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree3, c.alicA))))
	c.sim.Commit()
	stepDeep()
	claimed := l.entries(t)
	chainA, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.state(t, ref(3, c.alicA)); got != ledger.WithdrawalPosted {
		t.Fatalf("alice's week 3, claimed and applied: %s; want posted", got)
	}
	if err := c.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	// Bob's claim makes the new chain's first block another than the
	// orphaned one (no time adjustment, which races the pool taking
	// alice's claim back); alice's claim is carried again from the pool.
	c.mine(t, must(c.claims.Claim(ctx, c.operator, proof(t, tree3, c.bobA))))
	for i := 0; c.claimed(t, c.alicA) != usdc(170); i++ {
		if i == 10 {
			t.Fatal("the new chain never carried alice's claim again")
		}
		c.sim.Commit()
	}
	c.sim.Commit() // longer than the old chain, so that its next block is read
	c.sim.Commit()
	stepDeep()
	for id, want := range map[string]ledger.WithdrawalState{ref(3, c.alicA): ledger.WithdrawalPosted, ref(3, c.bobA): ledger.WithdrawalPosted} {
		if got := l.state(t, id); got != want {
			t.Errorf("after the deep reorganization, %s: %s; want %s", id, got, want)
		}
	}
	if b := l.read(t, 3); b.State != payout.StateSettled || b.Claimed != 2 {
		t.Errorf("batch 3 = %+v; want settled, 2 claimed", b)
	}
	if n := l.entries(t) - claimed; n != 1 {
		t.Errorf("the new chain's claims took %d entries with postings; want 1 (bob's), alice's posted once", n)
	}
	if got := c.balance(t, c.alicA); got != usdc(170) {
		t.Errorf("alice holds %s on the new chain; want 170 USDC", got)
	}
	if _, err := engine.Verify(ctx, l.st); err != nil {
		t.Error(err)
	}

	// And back: the first chain becomes the canonical one again. Its
	// blocks were applied before, under the same numbers and hashes; the
	// step that applies them again starts from another cursor (the other
	// chain's head), so it is a new step, not a replay of the old one
	// that would leave the cursor where it was and come round forever.
	if err := c.sim.Backend.Fork([32]byte(chainA.Hash)); err != nil {
		t.Fatal(err)
	}
	// Bob's claim comes back from the pool; the first chain grows past
	// the other's head, so the reconciler reads on and sees the switch.
	for range 3 {
		c.sim.Commit()
	}
	for i := 0; ; i++ {
		if i == 10 {
			t.Fatal("the reconciler did not come to rest on the first chain again")
		}
		n, err := deep.Step(ctx)
		if err != nil {
			t.Fatalf("stepping back onto the first chain: %v", err)
		}
		if n == 0 {
			break
		}
	}
	cur, err := payout.ReadCursor(stateView{program: payout.Program, ctx: ctx, s: l.st}, c.claims.Address().Hex())
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Number != head.Number || cur.Hash != merkle.Hash(head.Hash) {
		t.Errorf("the cursor after going back = %d %s; want the first chain's head %d %s", cur.Number, cur.Hash.Hex(), head.Number, head.Hash.Hex())
	}
	for id, want := range map[string]ledger.WithdrawalState{ref(3, c.alicA): ledger.WithdrawalPosted, ref(3, c.bobA): ledger.WithdrawalPosted} {
		if got := l.state(t, id); got != want {
			t.Errorf("back on the first chain, %s: %s; want %s", id, got, want)
		}
	}
	if n := l.entries(t) - claimed; n != 1 {
		t.Errorf("after going back, the claims took %d entries with postings; want still 1", n)
	}

	// A root the ledger did not publish pays carol more than her lines:
	// the engine refuses the claim, the reconciler says so in its
	// readiness and stays at the block before, and nothing is posted.
	cheat := buildTree(t, leaf(c.alicA, usdc(170)), leaf(c.bobA, usdc(255)), leaf(c.carolA, usdc(200)))
	c.fund(t, usdc(95))
	c.mine(t, must(c.claims.PostRoot(ctx, c.operator, 4, cheat.Root(), usdc(625))))
	c.mine(t, must(c.claims.Claim(ctx, c.carol, proof(t, cheat, c.carolA))))
	before := l.entries(t)
	// Two-block steps: up to the blocks before the claim's, steps apply.
	for i := 0; ; i++ {
		if n, err := deep.Step(ctx); err != nil || n == 0 || i == 5 {
			break
		}
	}
	for range 2 {
		_, err := deep.Step(ctx)
		if !errors.Is(err, ErrRefused) || !errors.Is(err, payout.ErrClaim) {
			t.Fatalf("a step over a claim of an unpublished root: %v; want %s wrapping %s", err, ErrRefused.Code(), payout.ErrClaim.Code())
		}
		if rerr := deep.Ready(ctx); !errors.Is(rerr, ErrRefused) {
			t.Errorf("Ready = %v; want %s", rerr, ErrRefused.Code())
		}
	}
	if l.entries(t) != before {
		t.Error("a refused claim wrote an entry")
	}
}

// entries counts the journal's entries with postings.
func (l *payoutLedger) entries(t *testing.T) int {
	t.Helper()
	ents, err := l.st.Journal(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if len(e.Postings) > 0 {
			n++
		}
	}
	return n
}

// claimed reads what a has claimed on the chain's head.
func (c *claimsChain) claimed(t *testing.T, a merkle.Address) money.Amount {
	t.Helper()
	got, err := c.claims.Claimed(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
