package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// change applies a deployer-signed update or cancel as the route does: the
// signature checked, the chain's head read, then the operation.
func (s *scenario) change(t testing.TB, l *ledgerEnv, req feeshare.Request) {
	t.Helper()
	ctx := context.Background()
	req.Deployer = KeyAddress(s.deployer)
	req.Contract = s.path.Contract
	req, sig := signed(t, s.sim.Client, s.deployer, req)
	if err := s.sim.Client.Verify(req, sig); err != nil {
		t.Fatal(err)
	}
	head, err := s.sim.Client.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := feeshare.Cancel
	if req.Action == feeshare.ActionUpdate {
		op = feeshare.Update
	}
	if _, err := l.eng.ApplyOne(ctx, op(req.Action+"-"+big.NewInt(int64(req.Nonce)).String(), testNow, req, head, feeshare.ByDeployer)); err != nil {
		t.Fatalf("%s: %v", req.Action, err)
	}
}

// minedTx is a transaction and what its receipt says.
type minedTx struct {
	TxFee
	Hash feeshare.Hash
}

// sendMined sends a successful transaction from key to the contract and
// mines it in a block of its own.
func (s *scenario) sendMined(t testing.TB, key *ecdsa.PrivateKey) minedTx {
	t.Helper()
	h := s.send(t, key, s.path.Contract, false)
	s.sim.Commit()
	s.settle(t)
	f, err := s.sim.Fee(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Success {
		t.Fatalf("tx %x failed", h)
	}
	return minedTx{f, h}
}

// half is the seed's default developer share of a fee: floor(50%).
func half(f minedTx) *big.Int { return new(big.Int).Rsh(f.Fee.Uint256().ToBig(), 1) }

// TestRegistrationByBlock is issue 18's first item on a real EVM, with the
// watcher following all along, three blocks behind: a transaction mined
// before the
// registration pays the developer nothing although the watcher applies it
// after; one mined while the deployer was paid pays the deployer although
// the withdrawer changed before its confirmation; one mined before a
// cancel pays the withdrawer then set although the cancel came before its
// confirmation; one mined after the cancel pays nothing.
func TestRegistrationByBlock(t *testing.T) {
	ctx := context.Background()
	s := newScenario(t)
	l := newLedger(t)
	const depth = 3
	w := l.watcher(t, s.sim.Client, Config{Confirmations: depth, Start: 1})
	withdrawer := feeshare.Address{19: 0x5e}

	catchUp(t, w)
	before := s.sendMined(t, s.user) // mined, then the registration
	catchUp(t, w)
	req, sig := signed(t, s.sim.Client, s.deployer, s.registerReq(s.path.Nonces, 1))
	if err := register(ctx, l, s.sim.Client, req, sig); err != nil {
		t.Fatal(err)
	}
	toDeployer := s.sendMined(t, s.user)
	catchUp(t, w)
	s.change(t, l, feeshare.Request{Action: feeshare.ActionUpdate, Withdrawer: &withdrawer, Nonce: 2})
	if tip := w.Status().Tip.Number; tip >= toDeployer.Block || tip >= before.Block {
		t.Fatalf("the watcher applied block %d before the update; the test wants blocks %d and %d confirmed after it", tip, before.Block, toDeployer.Block)
	}
	toWithdrawer := s.sendMined(t, s.other)
	catchUp(t, w)
	s.change(t, l, feeshare.Request{Action: feeshare.ActionCancel, Nonce: 3})
	after := s.sendMined(t, s.user)
	catchUp(t, w)
	for range depth {
		s.sim.Commit()
	}
	catchUp(t, w)
	if tip := w.Status().Tip.Number; tip < after.Block {
		t.Fatalf("tip %d; want at least block %d", tip, after.Block)
	}
	total := new(big.Int)
	for _, f := range []minedTx{before, toDeployer, toWithdrawer, after} {
		total.Add(total, f.Fee.Uint256().ToBig())
	}
	for _, c := range []struct {
		account string
		want    *big.Int
	}{
		{KeyAddress(s.deployer).Account(), half(toDeployer)},
		{withdrawer.Account(), half(toWithdrawer)},
	} {
		if got := l.balance(t, c.account); got.Cmp(c.want) != 0 {
			t.Errorf("%s = %s; want %s", c.account, got, c.want)
		}
	}
	// Everything else of those four went to the validators: the
	// validators' balance counts the deployments' fees too, so compare
	// with every fee of the chain less the two shares.
	e := expect(t, s.sim, 1, w.Status().Tip.Number, s.path.Contract, func(uint64) bool { return false })
	wantVal := new(big.Int).Sub(e.validators, half(toDeployer))
	wantVal.Sub(wantVal, half(toWithdrawer))
	if got := l.balance(t, feeshare.ValidatorsAccount); got.Cmp(wantVal) != 0 {
		t.Errorf("validators = %s; want %s", got, wantVal)
	}
	journalKeys(t, l) // verifies the ledger
}

// TestReorgAcrossRegistration: a transaction mined in the block after the
// registration's head pays the developer; a reorg that re-includes it in
// the block at that head (before the registration, by the chain's count)
// takes the payment back, and a fresh replay with the registration at
// the same block agrees.
func TestReorgAcrossRegistration(t *testing.T) {
	ctx := context.Background()
	s := newScenario(t)
	l := newLedger(t)
	w := l.watcher(t, s.sim.Client, Config{Confirmations: 1, Start: 1})
	forkAt := s.mustHead(t)
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	s.settle(t)
	regHead := s.mustHead(t).Number // forkAt + 1: block regHead is before the registration
	req, sig := signed(t, s.sim.Client, s.deployer, s.registerReq(s.path.Nonces, 1))
	if err := register(ctx, l, s.sim.Client, req, sig); err != nil {
		t.Fatal(err)
	}
	paid := s.sendMined(t, s.other)
	s.sim.Commit()
	catchUp(t, w)
	if got := l.balance(t, KeyAddress(s.deployer).Account()); got.Cmp(half(paid)) != 0 || paid.Block != regHead+1 {
		t.Fatalf("deployer = %s (tx in block %d); want %s for block %d", got, paid.Block, half(paid), regHead+1)
	}
	if err := s.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	// The orphaned transactions come back from the pool into the new
	// block regHead, before the registration.
	for range 4 {
		s.sim.Commit()
	}
	catchUp(t, w)
	if f, err := s.sim.Fee(ctx, paid.Hash); err != nil || f.Block != regHead {
		t.Fatalf("the paying transaction is now in block %d (%v); want %d", f.Block, err, regHead)
	}
	if got := l.balance(t, KeyAddress(s.deployer).Account()); got.Sign() != 0 {
		t.Errorf("deployer after the reorg = %s; want 0 (its transaction now precedes the registration)", got)
	}
	fresh := newLedger(t)
	if err := registerAt(ctx, fresh, s.sim.Client, req, sig, &regHead); err != nil {
		t.Fatal(err)
	}
	catchUp(t, fresh.watcher(t, s.sim.Client, Config{Confirmations: 1, Start: 1}))
	for _, a := range []string{KeyAddress(s.deployer).Account(), feeshare.ValidatorsAccount, feeshare.FeesAccount} {
		if got, want := l.balance(t, a), fresh.balance(t, a); got.Cmp(want) != 0 {
			t.Errorf("%s = %s; a fresh replay gives %s", a, got, want)
		}
	}
	journalKeys(t, l)
}

// TestBaseFeeModes runs dynamic-fee (EIP-1559) transactions on a chain
// that collects its base fee and on one that burns it, and checks every
// account to the wei against the receipts and headers: with burned,
// gasUsed × baseFee is on the burn account, the developer gets floor(50%)
// of the priority fee and the validators the rest of it, so that the
// validators hold what the block producers received.
func TestBaseFeeModes(t *testing.T) {
	var devs [2]*big.Int
	for i, mode := range []string{feeshare.BaseFeeCollected, feeshare.BaseFeeBurned} {
		t.Run(mode, func(t *testing.T) {
			l := newLedger(t)
			s := registered(t, l)
			w := l.watcher(t, s.sim.Client, Config{Start: 1, BaseFee: mode})
			from := s.mustHead(t).Number + 1
			for i := range 4 {
				s.send(t, s.user, s.path.Contract, false)
				s.send(t, s.other, s.path.Contract, i == 1)
				s.send(t, s.user, s.path.FactoryA, false)
				s.sim.Commit()
			}
			s.settle(t)
			catchUp(t, w)
			e := expectOn(t, s.sim.rpc, mode, 1, w.Status().Tip.Number, s.path.Contract, func(n uint64) bool { return n >= from })
			if e.devTxs != 7 {
				t.Fatalf("%d transactions pay the developer; want 7", e.devTxs)
			}
			if (mode == feeshare.BaseFeeBurned) != (e.burned.Sign() > 0) {
				t.Fatalf("%s: %s wei burned", mode, e.burned)
			}
			e.check(t, l, KeyAddress(s.deployer))
			t.Logf("%s: fees %s, burned %s: developer %s, validators %s", mode, e.fees, e.burned, e.developer, e.validators)
			devs[i] = e.developer
			journalKeys(t, l)
		})
	}
	if devs[0] != nil && devs[1] != nil && devs[0].Cmp(devs[1]) <= 0 {
		t.Errorf("developer with collected %s, with burned %s; want less when the base fee is burned", devs[0], devs[1])
	}
}

// withdrawAll posts a withdrawal of everything account holds.
func withdrawAll(t testing.TB, l *ledgerEnv, account, key string) *big.Int {
	t.Helper()
	held := l.balance(t, account)
	amt, err := money.ParseUnits(held.String())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := l.eng.ApplyOne(ctx, engine.WithdrawalRequest(key, testNow, account, "", DefaultCurrency, amt)); err != nil {
		t.Fatalf("withdrawing %s from %s: %v", held, account, err)
	}
	if _, err := l.eng.ApplyOne(ctx, engine.WithdrawalResolve(key+"-post", testNow, key, true)); err != nil {
		t.Fatal(err)
	}
	return held
}

// TestReorgAfterWithdrawal is issue 23's second item: the developer
// withdraws everything, then a reorg orphans the blocks that paid it. The
// watcher does not stop: the reversal books what the developer no longer
// holds on its receivable, visible in the journal; the new chain's fees
// repay that first and only then reach the developer's account; the
// ledger verifies after every step.
func TestReorgAfterWithdrawal(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	dev := KeyAddress(s.deployer).Account()
	owed := feeshare.ReceivableAccount(dev)
	w := l.watcher(t, s.sim.Client, Config{Confirmations: 1, Start: 1, BlocksPerStep: 1})
	forkAt := s.mustHead(t)
	for range 2 {
		s.send(t, s.user, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	s.sim.Commit()
	catchUp(t, w)
	withdrawn := withdrawAll(t, l, dev, "w-all")
	if withdrawn.Sign() == 0 {
		t.Fatal("the developer earned nothing to withdraw")
	}
	journalKeys(t, l)

	// Fork: the orphaned transactions return from the pool into the new
	// chain's first block, which pays less (another base fee) or the same.
	if err := s.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		s.sim.Commit()
	}
	// One step: the rewind alone.
	if n, err := w.Step(ctx); err != nil || n == 0 || w.Status().Reverted == 0 {
		t.Fatalf("rewind step = %d, %v (reverted %d); want the orphaned blocks reverted", n, err, w.Status().Reverted)
	}
	if got := l.balance(t, owed); got.Cmp(new(big.Int).Neg(withdrawn)) != 0 {
		t.Errorf("%s after the reorg = %s; want -%s (all it had withdrawn)", owed, got, withdrawn)
	}
	if got := l.balance(t, dev); got.Sign() != 0 {
		t.Errorf("developer after the reorg = %s; want 0", got)
	}
	if !journalHas(t, l, owed, "the rest is owed") {
		t.Errorf("no journal posting from %s saying what is owed", owed)
	}
	journalKeys(t, l)
	if err := w.Ready(ctx); err != nil {
		t.Errorf("Ready after the chargeback = %v; want nil (the watcher goes on)", err)
	}

	// The new chain's blocks, then more fees: the debt is repaid first.
	catchUp(t, w)
	for range 3 {
		s.send(t, s.other, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	s.sim.Commit()
	catchUp(t, w)
	e := expect(t, s.sim, 1, w.Status().Tip.Number, s.path.Contract, func(uint64) bool { return true })
	if e.developer.Cmp(withdrawn) <= 0 {
		t.Fatalf("the new chain pays the developer %s, not more than the %s owed; the test wants both repayment and credit", e.developer, withdrawn)
	}
	if got, want := l.balance(t, dev), new(big.Int).Sub(e.developer, withdrawn); got.Cmp(want) != 0 {
		t.Errorf("developer = %s; want %s (what the chain pays, %s, less the %s repaid)", got, want, e.developer, withdrawn)
	}
	if got := l.balance(t, owed); got.Sign() != 0 {
		t.Errorf("%s = %s; want 0 (repaid)", owed, got)
	}
	if got := l.balance(t, feeshare.ValidatorsAccount); got.Cmp(e.validators) != 0 {
		t.Errorf("validators = %s; want %s", got, e.validators)
	}
	if !journalHas(t, l, "", "repays what "+dev+" owes") {
		t.Error("no journal posting repaying the receivable")
	}
	journalKeys(t, l)
}

// journalHas reports whether a posting from from (any, when empty) has a
// path containing text.
func journalHas(t testing.TB, l *ledgerEnv, from, text string) bool {
	t.Helper()
	var after uint64
	for {
		ents, err := l.st.Journal(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			return false
		}
		for _, e := range ents {
			after = e.Seq
			for _, p := range e.Postings {
				if (from == "" || p.From == from) && strings.Contains(p.Path, text) {
					return true
				}
			}
		}
	}
}

// TestReadyAfterPartialRewind: a rewind whose batch reverts the newest
// orphaned blocks and is refused at an older one reports the cursor where
// it stands, in Status and Ready, not the tip before the rewind.
func TestReadyAfterPartialRewind(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	w := l.watcher(t, s.sim.Client, Config{Start: 1})
	forkAt := s.mustHead(t)
	for range 4 {
		s.send(t, s.user, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	catchUp(t, w)
	cur, err := w.cursor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oldTip := cur.Blocks[len(cur.Blocks)-1]
	// Squat the reversal key of the second orphaned block, so that its
	// reversal is refused (a key used with another body) after the
	// newer ones committed.
	stuck := cur.Blocks[len(cur.Blocks)-3]
	if stuck.Number != forkAt.Number+2 {
		t.Fatalf("cursor %+v: want block %d third from the top", cur.Blocks, forkAt.Number+2)
	}
	squat := engine.Transfer(feeshare.RevertKey(stuck.Hash), testNow, []ledger.Posting{{From: "@x", To: "@y", Currency: DefaultCurrency, Amount: money.FromUint64(1), Path: "test: squats a reversal key"}})
	if _, err := l.eng.ApplyOne(ctx, squat); err != nil {
		t.Fatal(err)
	}
	if err := s.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	s.send(t, s.other, s.path.Contract, false)
	for range 6 {
		s.sim.Commit()
	}
	if _, err := w.Step(ctx); !errors.Is(err, ErrRefused) {
		t.Fatalf("Step = %v; want %s", err, ErrRefused.Code())
	}
	// The committed cursor, read past the watcher (whose own reads would
	// refresh its status).
	cur, err = feeshare.ReadCursor(stateView{ctx: ctx, s: l.st})
	if err != nil {
		t.Fatal(err)
	}
	committed := cur.Blocks[len(cur.Blocks)-1]
	if committed != stuck {
		t.Fatalf("committed cursor at %d; want %d (the newer orphaned blocks reverted, this one refused)", committed.Number, stuck.Number)
	}
	if tip := w.Status().Tip; tip != committed {
		t.Errorf("Status().Tip = %d; want the committed cursor's %d, not the tip before the rewind (%d)", tip.Number, committed.Number, oldTip.Number)
	}
	if got, want := w.Status().Reverted, oldTip.Number-committed.Number; got != want {
		t.Errorf("Status().Reverted = %d; want %d (the reversals committed)", got, want)
	}
	rerr := w.Ready(ctx)
	if rerr == nil || !strings.Contains(rerr.Error(), fmt.Sprintf("cursor at block %d ", committed.Number)) {
		t.Errorf("Ready = %v; want it to name the cursor's block %d", rerr, committed.Number)
	}
	if !errors.Is(rerr, ErrRefused) {
		t.Errorf("Ready = %v; want %s", rerr, ErrRefused.Code())
	}
}
