package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// usdc is n whole tokens of the test token's 6 decimals.
func usdc(n uint64) money.Amount { return money.FromUint64(n * 1_000_000) }

// claimsChain is a simulated chain with a test token and a claims contract
// deployed by the operator, and three payees with gas money.
type claimsChain struct {
	sim                     *Sim
	b                       ClaimsBackend
	operator, alice, bob    *ecdsa.PrivateKey
	carol                   *ecdsa.PrivateKey
	token                   merkle.Address
	claims                  *Claims
	deployBlock             uint64
	alicA, bobA, carolA, op merkle.Address
}

func leaf(a merkle.Address, cumulative money.Amount) merkle.Leaf {
	return merkle.Leaf{Account: a, Cumulative: cumulative}
}

func addr(k *ecdsa.PrivateKey) merkle.Address { return merkle.Address(KeyAddress(k)) }

func newClaimsChain(t *testing.T) *claimsChain {
	t.Helper()
	ctx := context.Background()
	c := &claimsChain{operator: DemoKey("claims operator"), alice: DemoKey("alice"), bob: DemoKey("bob"), carol: DemoKey("carol")}
	c.op, c.alicA, c.bobA, c.carolA = addr(c.operator), addr(c.alice), addr(c.bob), addr(c.carol)
	sim, err := NewSim(ctx, c.operator, c.alice, c.bob, c.carol)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	c.sim, c.b = sim, sim.ClaimsBackend()
	token, h, err := DeployTestToken(ctx, c.b, c.operator)
	if err != nil {
		t.Fatal(err)
	}
	c.mine(t, h)
	c.token = token
	claims, h, err := DeployClaims(ctx, c.b, c.operator, token, c.op)
	if err != nil {
		t.Fatal(err)
	}
	c.deployBlock = c.mine(t, h).Block
	c.claims = claims
	return c
}

// mine seals a block and returns tx's receipt, failing t if it failed.
func (c *claimsChain) mine(t *testing.T, tx merkle.Hash) TxReceipt {
	t.Helper()
	c.sim.Commit()
	r, err := c.claims0().Wait(context.Background(), tx, time.Millisecond)
	if err != nil {
		t.Fatalf("tx %s: %v", tx, err)
	}
	return r
}

// claims0 is a Claims good for Wait before the contract exists.
func (c *claimsChain) claims0() *Claims {
	if c.claims != nil {
		return c.claims
	}
	tx, err := newTransactor(context.Background(), c.b)
	if err != nil {
		panic(err)
	}
	return &Claims{tx: tx}
}

func (c *claimsChain) fund(t *testing.T, amount money.Amount) {
	t.Helper()
	ctx := context.Background()
	c.mine(t, must(MintTestToken(ctx, c.b, c.operator, c.token, c.op, amount)))
	c.mine(t, must(TransferToken(ctx, c.b, c.operator, c.token, c.claims.Address(), amount)))
}

func must(h merkle.Hash, err error) merkle.Hash {
	if err != nil {
		panic(err)
	}
	return h
}

func (c *claimsChain) balance(t *testing.T, a merkle.Address) money.Amount {
	t.Helper()
	b, err := TokenBalance(context.Background(), c.b, c.token, a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildTree(t *testing.T, leaves ...merkle.Leaf) *merkle.Tree {
	t.Helper()
	tree, err := merkle.Build(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func total(leaves ...merkle.Leaf) money.Amount {
	sum := money.Zero
	for _, l := range leaves {
		sum, _ = sum.Add(l.Cumulative)
	}
	return sum
}

func proof(t *testing.T, tree *merkle.Tree, a merkle.Address) merkle.Proof {
	t.Helper()
	p, err := tree.Proof(a)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantRevert checks that err is the contract's refusal named name.
func wantRevert(t *testing.T, what string, err error, name string) {
	t.Helper()
	var r *Revert
	if !errors.As(err, &r) || r.Name != name || errcode.Code(err) != ErrReverted.Code() {
		t.Fatalf("%s: err = %v (code %s); want the contract's %s (%s)", what, err, errcode.Code(err), name, ErrReverted.Code())
	}
}

// sendRaw sends calldata to the claims contract with a fixed gas limit,
// skipping the estimate that would refuse it, and mines it: what a
// careless or hostile client can always do. It returns what Wait does.
// The limit is ample: the simulated chain runs every fork go-ethereum
// knows, through Osaka and Bogotá, and their pricing of new state puts a
// first claim near 285,000 gas.
func (c *claimsChain) sendRaw(t *testing.T, key *ecdsa.PrivateKey, data []byte) (TxReceipt, error) {
	t.Helper()
	to := feeshare.Address(c.claims.Address())
	h, err := c.sim.Send(context.Background(), key, &to, data, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	c.sim.Commit()
	return c.claims.Wait(context.Background(), merkle.Hash(h), time.Millisecond)
}

// TestClaimsScenario is the payout batch's life on a real EVM: a root
// posted for week 1, two payees claim and one does not; a replayed claim
// and a forged amount revert, as calls and as mined transactions; week
// 2's root carries cumulative leaves, so the payee who skipped week 1
// claims both weeks at once and an earlier claimer only the difference;
// the Claimed events tell each claim with where it is on the chain.
func TestClaimsScenario(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)

	// Week 1: alice 100, bob 250, carol 75.
	week1 := []merkle.Leaf{leaf(c.alicA, usdc(100)), leaf(c.bobA, usdc(250)), leaf(c.carolA, usdc(75))}
	tree1 := buildTree(t, week1...)
	_, err := c.claims.PostRoot(ctx, c.operator, 1, tree1.Root(), total(week1...))
	wantRevert(t, "posting before funding", err, "Underfunded")
	c.fund(t, total(week1...))
	_, err = c.claims.PostRoot(ctx, c.alice, 1, tree1.Root(), total(week1...))
	wantRevert(t, "posting from a payee's key", err, "NotOperator")
	posted := c.mine(t, must(c.claims.PostRoot(ctx, c.operator, 1, tree1.Root(), total(week1...))))
	if r, err := c.claims.Root(ctx); err != nil || r != (Posted{1, tree1.Root()}) {
		t.Fatalf("Root() = %+v, %v; want batch 1, %s", r, err, tree1.Root())
	}
	_, err = c.claims.PostRoot(ctx, c.operator, 1, tree1.Root(), total(week1...))
	wantRevert(t, "posting batch 1 again", err, "BatchNotAfter")

	// Alice claims herself; bob's claim is sent by the operator (a
	// relayer), and the tokens still go to bob. Carol does not claim.
	aliceClaim := c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree1, c.alicA))))
	bobClaim := c.mine(t, must(c.claims.Claim(ctx, c.operator, proof(t, tree1, c.bobA))))
	c.wantBalances(t, "after week 1's claims", usdc(100), usdc(250), money.Zero)
	t.Logf("gas on the simulated chain: postRoot %d, a first claim %d and %d", posted.GasUsed, aliceClaim.GasUsed, bobClaim.GasUsed)

	// A replay and a forged amount: refused when estimated, and failed
	// when sent anyway, changing nothing.
	_, err = c.claims.Claim(ctx, c.alice, proof(t, tree1, c.alicA))
	wantRevert(t, "alice's claim replayed", err, "NothingToClaim")
	forged := proof(t, tree1, c.carolA)
	forged.Leaf.Cumulative = usdc(76)
	_, err = c.claims.Claim(ctx, c.carol, forged)
	wantRevert(t, "carol's claim with a forged amount", err, "InvalidProof")
	for name, p := range map[string]merkle.Proof{"replay": proof(t, tree1, c.alicA), "forged": forged} {
		data, err := ClaimCalldata(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.sendRaw(t, c.carol, data); !errors.Is(err, ErrTxFailed) {
			t.Fatalf("%s sent without an estimate: %v; want %s", name, err, ErrTxFailed.Code())
		}
	}
	c.wantBalances(t, "after the refused claims", usdc(100), usdc(250), money.Zero)

	// The events of week 1: two claims, where the receipts say.
	head, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events, err := c.claims.ClaimEvents(ctx, c.deployBlock, head.Number)
	if err != nil {
		t.Fatal(err)
	}
	want := []ClaimEvent{
		{Block: aliceClaim.Block, BlockHash: aliceClaim.BlockHash, Tx: aliceClaim.Tx, Account: c.alicA, Amount: usdc(100), Cumulative: usdc(100)},
		{Block: bobClaim.Block, BlockHash: bobClaim.BlockHash, Tx: bobClaim.Tx, Account: c.bobA, Amount: usdc(250), Cumulative: usdc(250)},
	}
	wantEvents(t, "week 1", events, want)
	inBlock, err := c.claims.ClaimsInBlock(ctx, bobClaim.BlockHash)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "bob's block", inBlock, want[1:])
	posts, err := c.claims.RootPosts(ctx, c.deployBlock, head.Number)
	if err != nil {
		t.Fatal(err)
	}
	posted.GasUsed = 0
	if len(posts) != 1 || posts[0] != (RootPost{Batch: 1, Root: tree1.Root(), Total: usdc(425), Receipt: posted}) {
		t.Errorf("RootPosts = %+v; want batch 1's, at %+v", posts, posted)
	}

	// Week 2: alice earns 50 more, bob nothing, carol 30: cumulative 150,
	// 250, 105. The contract holds 75 of 425 − 350 claimed; the new total
	// 505 needs 155, so the operator adds 80.
	week2 := []merkle.Leaf{leaf(c.alicA, usdc(150)), leaf(c.bobA, usdc(250)), leaf(c.carolA, usdc(105))}
	tree2 := buildTree(t, week2...)
	_, err = c.claims.PostRoot(ctx, c.operator, 2, tree2.Root(), total(week2...))
	wantRevert(t, "posting week 2 short of 80", err, "Underfunded")
	c.fund(t, usdc(80))
	c.mine(t, must(c.claims.PostRoot(ctx, c.operator, 2, tree2.Root(), total(week2...))))

	_, err = c.claims.Claim(ctx, c.carol, proof(t, tree1, c.carolA))
	wantRevert(t, "carol's week 1 proof under week 2's root", err, "InvalidProof")
	// Carol's claim goes the raw way too, to show that it is the
	// contract, not the way of sending, that failed the two above.
	data, err := ClaimCalldata(proof(t, tree2, c.carolA))
	if err != nil {
		t.Fatal(err)
	}
	carolClaim, err := c.sendRaw(t, c.carol, data)
	if err != nil {
		t.Fatalf("carol's claim of both weeks, sent raw: %v", err)
	}
	aliceClaim2 := c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree2, c.alicA))))
	_, err = c.claims.Claim(ctx, c.bob, proof(t, tree2, c.bobA))
	wantRevert(t, "bob, with nothing new", err, "NothingToClaim")
	c.wantBalances(t, "after week 2's claims", usdc(150), usdc(250), usdc(105))
	if got := c.balance(t, c.claims.Address()); !got.IsZero() {
		t.Errorf("the contract holds %s after every claim; want 0", got)
	}
	for a, want := range map[merkle.Address]money.Amount{c.alicA: usdc(150), c.bobA: usdc(250), c.carolA: usdc(105)} {
		if got, err := c.claims.Claimed(ctx, a); err != nil || got != want {
			t.Errorf("Claimed(%s) = %s, %v; want %s", a, got, err, want)
		}
	}
	events, err = c.claims.ClaimEvents(ctx, carolClaim.Block, aliceClaim2.Block)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "week 2", events, []ClaimEvent{
		{Block: carolClaim.Block, BlockHash: carolClaim.BlockHash, Tx: carolClaim.Tx, Account: c.carolA, Amount: usdc(105), Cumulative: usdc(105)},
		{Block: aliceClaim2.Block, BlockHash: aliceClaim2.BlockHash, Tx: aliceClaim2.Tx, Account: c.alicA, Amount: usdc(50), Cumulative: usdc(150)},
	})
}

func (c *claimsChain) wantBalances(t *testing.T, when string, alice, bob, carol money.Amount) {
	t.Helper()
	for _, tt := range []struct {
		name string
		a    merkle.Address
		want money.Amount
	}{{"alice", c.alicA, alice}, {"bob", c.bobA, bob}, {"carol", c.carolA, carol}} {
		if got := c.balance(t, tt.a); got != tt.want {
			t.Errorf("%s: %s holds %s; want %s", when, tt.name, got, tt.want)
		}
	}
}

// wantEvents compares events with want, ignoring the indexes (TxIndex,
// LogIndex), which it checks only for order.
func wantEvents(t *testing.T, what string, got, want []ClaimEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d Claimed events; want %d: %+v", what, len(got), len(want), got)
	}
	for i := range got {
		g := got[i]
		g.TxIndex, g.LogIndex = 0, 0
		if g != want[i] {
			t.Errorf("%s: event %d = %+v; want %+v", what, i, g, want[i])
		}
	}
}

func TestAttachClaims(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)
	got, err := AttachClaims(ctx, c.b, c.claims.Address())
	if err != nil {
		t.Fatalf("AttachClaims(the deployed contract) = %v", err)
	}
	if tok, err := got.Token(ctx); err != nil || tok != c.token {
		t.Errorf("Token() = %s, %v; want %s", tok, err, c.token)
	}
	if op, err := got.Operator(ctx); err != nil || op != c.op {
		t.Errorf("Operator() = %s, %v; want %s", op, err, c.op)
	}
	for name, a := range map[string]merkle.Address{"the token": c.token, "an account without code": c.alicA} {
		if _, err := AttachClaims(ctx, c.b, a); !errors.Is(err, ErrClaimsCode) {
			t.Errorf("AttachClaims(%s) = %v; want %s", name, err, ErrClaimsCode.Code())
		}
	}
}

func TestDeployClaimsRefusesZeroAddresses(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)
	_, _, err := DeployClaims(ctx, c.b, c.operator, merkle.Address{}, c.op)
	wantRevert(t, "a zero token", err, "ZeroAddress")
	_, _, err = DeployClaims(ctx, c.b, c.operator, c.token, merkle.Address{})
	wantRevert(t, "a zero operator", err, "ZeroAddress")
}

func TestClaimEventsRange(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)
	head, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]uint64{{5, 4}, {0, ClaimBlocksMax}, {head.Number, head.Number + 1}} {
		if _, err := c.claims.ClaimEvents(ctx, r[0], r[1]); !errors.Is(err, ErrClaimsRange) {
			t.Errorf("ClaimEvents(%d, %d) = %v; want %s", r[0], r[1], err, ErrClaimsRange.Code())
		}
	}
	if ev, err := c.claims.ClaimEvents(ctx, 0, head.Number); err != nil || len(ev) != 0 {
		t.Errorf("ClaimEvents(0, head) = %v, %v; want none", ev, err)
	}
}

// TestClaimEventsReorg: a claim whose block is orphaned is re-included in
// another block; reading the range again shows it once, in its new block,
// under another Key — what lets a reconciler reverse it where it was and
// apply it where it is, as the watcher does with fees.
func TestClaimEventsReorg(t *testing.T) {
	ctx := context.Background()
	c := newClaimsChain(t)
	leaves := []merkle.Leaf{leaf(c.alicA, usdc(10))}
	c.fund(t, usdc(10))
	tree := buildTree(t, leaves...)
	c.mine(t, must(c.claims.PostRoot(ctx, c.operator, 1, tree.Root(), usdc(10))))
	forkAt, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old := c.mine(t, must(c.claims.Claim(ctx, c.alice, proof(t, tree, c.alicA))))
	before, err := c.claims.ClaimEvents(ctx, forkAt.Number, old.Block)
	if err != nil || len(before) != 1 {
		t.Fatalf("before the fork: %v, %v; want one event", before, err)
	}
	if err := c.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	// The new chain re-includes the claim from the pool and grows longer
	// than the old. Its blocks are stamped after the orphaned ones (the
	// simulated beacon never goes back in time), so the claim lands in
	// another block, with another hash. (AdjustTime is not used for that:
	// it refuses once the pool has taken the orphaned claim back, which
	// happens in the background, so it failed now and then.)
	c.sim.Commit()
	c.sim.Commit()
	head, err := c.sim.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.claims.ClaimEvents(ctx, forkAt.Number, head.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Tx != old.Tx || after[0].BlockHash == old.BlockHash {
		t.Fatalf("after the fork: %+v; want the claim once, in another block than %s", after, old.BlockHash)
	}
	if after[0].Key() == before[0].Key() {
		t.Fatalf("the moved claim keeps its key %s", after[0].Key())
	}
}

// TestDialClaims: a URL the client cannot use is the endpoint's refusal.
func TestDialClaims(t *testing.T) {
	if _, err := DialClaims(t.Context(), "ftp://127.0.0.1:1"); !errors.Is(err, ErrEndpoint) {
		t.Errorf("DialClaims(ftp://…) = %v; want chain_unavailable", err)
	}
	b, err := DialClaims(t.Context(), "http://127.0.0.1:1")
	if err != nil || b == nil {
		t.Fatalf("DialClaims(http://127.0.0.1:1) = %v, %v; want a backend that fails at its first call", b, err)
	}
}
