package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/feeshare"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// testNow is the time of registrations; signed requests expire after it.
var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// ledgerEnv is a store and an engine on a temporary SQLite file.
type ledgerEnv struct {
	st   *sqlite.Store
	eng  *engine.Engine
	path string
}

func openLedger(t testing.TB, path string) *ledgerEnv {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &ledgerEnv{st: st, eng: engine.New(st, money.NewRegistry()), path: path}
}

func newLedger(t testing.TB) *ledgerEnv {
	return openLedger(t, filepath.Join(t.TempDir(), "t.db"))
}

func (l *ledgerEnv) watcher(t testing.TB, c *Client, cfg Config) *Watcher {
	t.Helper()
	w, err := NewWatcher(c, l.eng, l.st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// balance is an account's posted ETH balance, as a signed big integer.
func (l *ledgerEnv) balance(t testing.TB, account string) *big.Int {
	t.Helper()
	bals, err := l.st.AccountBalances(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Currency == DefaultCurrency {
			p := b.Posted()
			v := p.Amount.Uint256().ToBig()
			if p.Negative {
				v.Neg(v)
			}
			return v
		}
	}
	return new(big.Int)
}

// catchUp steps w until it has nothing left to do.
func catchUp(t testing.TB, w *Watcher) {
	t.Helper()
	for i := 0; ; i++ {
		n, err := w.Step(context.Background())
		if err != nil {
			t.Fatalf("Step: %v", err)
		}
		if n == 0 {
			return
		}
		if i > 10000 {
			t.Fatal("watcher never caught up")
		}
	}
}

// register does what the fee-share route does: verify the deployer's
// signature, read the chain's facts, apply the registration.
func register(ctx context.Context, l *ledgerEnv, c *Client, req feeshare.Request, sig []byte) error {
	return registerAt(ctx, l, c, req, sig, nil)
}

// registerAt is register as if the chain's head had been *head (nil: as
// it is): how a second ledger replays a registration accepted earlier.
func registerAt(ctx context.Context, l *ledgerEnv, c *Client, req feeshare.Request, sig []byte, head *uint64) error {
	if err := c.Verify(req, sig); err != nil {
		return err
	}
	facts, err := c.Facts(ctx, req.Deployer, req.Contract)
	if err != nil {
		return err
	}
	if head != nil {
		facts.Head = *head
	}
	_, err = l.eng.ApplyOne(ctx, feeshare.Register("reg-"+req.Contract.Hex()+"-"+big.NewInt(int64(req.Nonce)).String(), testNow, req, facts, feeshare.ByDeployer))
	return err
}

func signed(t testing.TB, c *Client, key *ecdsa.PrivateKey, req feeshare.Request) (feeshare.Request, []byte) {
	t.Helper()
	req.ChainID = c.ChainID()
	req.Expiry = testNow.Add(time.Hour).Unix()
	sig, err := Sign(req, key)
	if err != nil {
		t.Fatal(err)
	}
	return req, sig
}

// expected recomputes, from the chain's receipts and headers alone, what
// the ledger must hold after blocks from..to: the developer's floor(50%)
// of every successful transaction to contract in a block where paid(block)
// is true, and everything else to the validators; with the base fee
// burned, gasUsed × baseFee of every transaction burned and the rest
// shared.
type expected struct {
	developer, validators, fees, burned *big.Int
	devTxs                              int
}

// chainReader is what expected reads: the simulated backend's client and
// ethclient both have it.
type chainReader interface {
	BlockByNumber(ctx context.Context, number *big.Int) (*types.Block, error)
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

func expect(t testing.TB, sim *Sim, from, to uint64, contract feeshare.Address, paid func(uint64) bool) expected {
	t.Helper()
	return expectOn(t, sim.rpc, feeshare.BaseFeeCollected, from, to, contract, paid)
}

func expectOn(t testing.TB, r chainReader, mode string, from, to uint64, contract feeshare.Address, paid func(uint64) bool) expected {
	t.Helper()
	ctx := context.Background()
	e := expected{developer: new(big.Int), validators: new(big.Int), fees: new(big.Int), burned: new(big.Int)}
	for n := from; n <= to; n++ {
		blk, err := r.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions() {
			rc, err := r.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				t.Fatal(err)
			}
			fee := new(big.Int).Mul(new(big.Int).SetUint64(rc.GasUsed), rc.EffectiveGasPrice)
			e.fees.Add(e.fees, fee)
			if mode == feeshare.BaseFeeBurned && blk.BaseFee() != nil {
				burn := new(big.Int).Mul(new(big.Int).SetUint64(rc.GasUsed), blk.BaseFee())
				e.burned.Add(e.burned, burn)
				fee.Sub(fee, burn)
			}
			if tx.To() != nil && feeshare.Address(*tx.To()) == contract && rc.Status == types.ReceiptStatusSuccessful && paid(n) {
				dev := new(big.Int).Quo(fee, big.NewInt(2))
				e.developer.Add(e.developer, dev)
				e.validators.Add(e.validators, fee.Sub(fee, dev))
				e.devTxs++
				continue
			}
			e.validators.Add(e.validators, fee)
		}
	}
	return e
}

func (e expected) check(t testing.TB, l *ledgerEnv, developer feeshare.Address) {
	t.Helper()
	if got := l.balance(t, developer.Account()); got.Cmp(e.developer) != 0 {
		t.Errorf("developer %s balance = %s; want %s (floor of 50%% of each fee, from receipts)", developer.Account(), got, e.developer)
	}
	if got := l.balance(t, feeshare.ValidatorsAccount); got.Cmp(e.validators) != 0 {
		t.Errorf("validators balance = %s; want %s", got, e.validators)
	}
	if got := l.balance(t, feeshare.BurnAccount); got.Cmp(e.burned) != 0 {
		t.Errorf("burned = %s; want %s", got, e.burned)
	}
	if got, want := l.balance(t, feeshare.FeesAccount), new(big.Int).Neg(e.fees); got.Cmp(want) != 0 {
		t.Errorf("fees account = %s; want %s (every fee, once)", got, want)
	}
}

// scenario is the seed's scenario deployed on a fresh simulated chain.
type scenario struct {
	sim                   *Sim
	deployer, other, user *ecdsa.PrivateKey
	path                  FactoryPath
}

func newScenario(t testing.TB) *scenario {
	t.Helper()
	ctx := context.Background()
	s := &scenario{deployer: testKey(t, 1), other: testKey(t, 2), user: testKey(t, 3)}
	sim, err := NewSim(ctx, s.deployer, s.other, s.user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	s.sim = sim
	if s.path, err = sim.DeployFactoryPath(ctx, s.deployer); err != nil {
		t.Fatal(err)
	}
	return s
}

// send sends from key to the contract (failing when fail) and returns the
// hash.
func (s *scenario) send(t testing.TB, key *ecdsa.PrivateKey, to feeshare.Address, fail bool) feeshare.Hash {
	t.Helper()
	var data []byte
	if fail {
		data = []byte{1}
	}
	h, err := s.sim.Send(context.Background(), key, &to, data, simGas)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *scenario) registerReq(nonces []uint64, nonce uint64) feeshare.Request {
	return feeshare.Request{Action: feeshare.ActionRegister, Contract: s.path.Contract, Deployer: KeyAddress(s.deployer), Nonces: nonces, Nonce: nonce}
}

// TestScenario is the acceptance list on a real EVM: registration
// checks, the exact split against receipts, a failed transaction, and a
// cancellation.
func TestScenario(t *testing.T) {
	ctx := context.Background()
	s := newScenario(t)
	c := s.sim.Client
	l := newLedger(t)
	const depth = 2
	w := l.watcher(t, c, Config{Confirmations: depth, Start: 1})
	catchUp(t, w)

	if got, err := feeshare.DeriveCreate(KeyAddress(s.deployer), s.path.Nonces); err != nil || got != s.path.Contract {
		t.Fatalf("DeriveCreate(deployer, %v) = %x, %v; want the contract the EVM created, %x", s.path.Nonces, got, err, s.path.Contract)
	}
	refusals := []struct {
		name string
		key  *ecdsa.PrivateKey // nil: an admin acting for the deployer, unsigned
		req  feeshare.Request
		want *errcode.Error
	}{
		{"wrong nonce path", s.deployer, s.registerReq([]uint64{2, 1, 1}, 1), feeshare.ErrDerivation},
		{"path one step short", s.deployer, s.registerReq([]uint64{2, 2}, 2), feeshare.ErrDerivation},
		{"signed by another key", s.other, s.registerReq(s.path.Nonces, 3), feeshare.ErrNotDeployer},
		{"signed for another chain", s.deployer, s.registerReq(s.path.Nonces, 4), ErrChainID},
		{"deployer is a contract", nil, feeshare.Request{Action: feeshare.ActionRegister, Contract: s.path.Contract, Deployer: s.path.FactoryA, Nonces: []uint64{2, 1}}, feeshare.ErrDeployerIsContract},
		{"deployer never sent a tx", nil, feeshare.Request{Action: feeshare.ActionRegister, Contract: s.path.Contract, Deployer: feeshare.Address{0x77}, Nonces: []uint64{1}}, feeshare.ErrDeployerNoTx},
		{"contract without code", nil, s.registerReq([]uint64{7}, 0), feeshare.ErrContractNoCode},
		{"21 nonces", nil, s.registerReq(make([]uint64, 21), 0), feeshare.ErrNoncesMax},
	}
	for i, tt := range refusals {
		var err error
		if tt.key == nil {
			if tt.name == "contract without code" {
				tt.req.Contract = CreateAddress(KeyAddress(s.deployer), 7) // not deployed yet
			}
			facts, ferr := c.Facts(ctx, tt.req.Deployer, tt.req.Contract)
			if ferr != nil {
				t.Fatal(ferr)
			}
			_, err = l.eng.ApplyOne(ctx, feeshare.Register("admin-"+big.NewInt(int64(i)).String(), testNow, tt.req, facts, feeshare.ByAdmin("tok1")))
		} else {
			req, sig := signed(t, c, tt.key, tt.req)
			if tt.want == ErrChainID {
				req.ChainID++
				sig, _ = Sign(req, tt.key)
			}
			err = register(ctx, l, c, req, sig)
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: register err = %v; want %s", tt.name, err, tt.want.Code())
		}
	}
	req, sig := signed(t, c, s.deployer, s.registerReq(s.path.Nonces, 10))
	if err := register(ctx, l, c, req, sig); err != nil {
		t.Fatalf("register with the right path: %v", err)
	}
	// The same signed request under another idempotency key is a replay;
	// a new signed request for the registered contract is refused too.
	facts, err := c.Facts(ctx, req.Deployer, req.Contract)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.eng.ApplyOne(ctx, feeshare.Register("reg-again", testNow, req, facts, feeshare.ByDeployer)); !errors.Is(err, feeshare.ErrReplay) {
		t.Errorf("the same signed request again: err = %v; want %s", err, feeshare.ErrReplay.Code())
	}
	req2, sig2 := signed(t, c, s.deployer, s.registerReq(s.path.Nonces, 12))
	if err := register(ctx, l, c, req2, sig2); !errors.Is(err, feeshare.ErrAlreadyRegistered) {
		t.Errorf("registering a registered contract: err = %v; want %s", err, feeshare.ErrAlreadyRegistered.Code())
	}
	registeredAfter := s.mustHead(t).Number

	// Fee distribution: a successful and a failed transaction to the
	// contract, and one to an unregistered address.
	s.send(t, s.user, s.path.Contract, false)
	s.send(t, s.other, s.path.Contract, true)
	s.send(t, s.user, s.path.FactoryA, false)
	s.sim.Commit()
	s.send(t, s.other, s.path.Contract, false)
	s.sim.Commit()
	s.settle(t)
	beforeCancel := s.mustHead(t).Number
	for range depth {
		s.sim.Commit()
	}
	catchUp(t, w)
	if got := w.Status().Tip.Number; got != beforeCancel {
		t.Fatalf("watcher tip = %d; want %d (head %d − %d confirmations)", got, beforeCancel, beforeCancel+depth, depth)
	}
	e := expect(t, s.sim, 1, beforeCancel, s.path.Contract, func(n uint64) bool { return n > registeredAfter })
	if e.devTxs != 2 {
		t.Fatalf("transactions paying the developer = %d; want 2", e.devTxs)
	}
	e.check(t, l, KeyAddress(s.deployer))

	// Cancel: later transactions pay the developer nothing.
	creq, csig := signed(t, c, s.deployer, feeshare.Request{Action: feeshare.ActionCancel, Contract: s.path.Contract, Deployer: KeyAddress(s.deployer), Nonce: 11})
	if err := c.Verify(creq, csig); err != nil {
		t.Fatal(err)
	}
	if _, err := l.eng.ApplyOne(ctx, feeshare.Cancel("cancel-1", testNow, creq, s.mustHead(t).Number, feeshare.ByDeployer)); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	s.settle(t)
	last := s.mustHead(t).Number
	for range depth {
		s.sim.Commit()
	}
	catchUp(t, w)
	e = expect(t, s.sim, 1, last, s.path.Contract, func(n uint64) bool { return n > registeredAfter && n <= beforeCancel })
	e.check(t, l, KeyAddress(s.deployer))
	if err := w.Ready(ctx); err != nil {
		t.Errorf("Ready after a clean run = %v; want nil", err)
	}
}

// settle mines whatever the block builder left pending.
func (s *scenario) settle(t testing.TB) {
	t.Helper()
	if err := s.sim.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (s *scenario) mustHead(t testing.TB) feeshare.BlockRef {
	t.Helper()
	h, err := s.sim.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// registered returns a scenario with the contract registered in l.
func registered(t testing.TB, l *ledgerEnv) *scenario {
	t.Helper()
	s := newScenario(t)
	req, sig := signed(t, s.sim.Client, s.deployer, s.registerReq(s.path.Nonces, 1))
	if err := register(context.Background(), l, s.sim.Client, req, sig); err != nil {
		t.Fatal(err)
	}
	return s
}

// journalKeys counts the entries of the fee-share journal by key.
func journalKeys(t testing.TB, l *ledgerEnv) map[string]int {
	t.Helper()
	out := map[string]int{}
	var after uint64
	for {
		ents, err := l.st.Journal(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			break
		}
		for _, e := range ents {
			out[e.Key]++
			after = e.Seq
		}
	}
	if rep, err := engine.Verify(context.Background(), l.st); err != nil {
		t.Fatalf("ledger verify: %v (%+v)", err, rep)
	}
	return out
}

// TestReorg forks the chain below the confirmation depth: the orphaned
// blocks' entries are reversed, the new blocks applied, and the balances
// equal a fresh replay of the canonical chain.
func TestReorg(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	const depth = 1
	w := l.watcher(t, s.sim.Client, Config{Confirmations: depth, Start: 1})
	forkAt := s.mustHead(t) // the registration's head too
	// Three blocks with paying transactions, all applied (the head is one
	// block beyond them).
	for range 3 {
		s.send(t, s.user, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	s.sim.Commit()
	catchUp(t, w)
	applied := w.Status().Tip.Number
	if want := s.mustHead(t).Number - depth; applied != want || applied < forkAt.Number+3 {
		t.Fatalf("tip before the fork = %d; want %d, at least %d", applied, want, forkAt.Number+3)
	}
	before := expect(t, s.sim, 1, applied, s.path.Contract, func(uint64) bool { return true })
	before.check(t, l, KeyAddress(s.deployer))

	// Fork at forkAt: the three blocks are orphaned. The new chain
	// re-includes their transactions (from the pool) with a new one, and
	// grows longer than the old.
	s.settle(t) // Fork needs an empty pool
	if err := s.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	s.send(t, s.other, s.path.Contract, false)
	for range 6 {
		s.sim.Commit()
	}
	catchUp(t, w)
	st := w.Status()
	if want := applied - forkAt.Number; st.Reverted != want {
		t.Errorf("blocks reverted = %d; want %d (every applied block after the fork point)", st.Reverted, want)
	}
	head := s.mustHead(t)
	if st.Tip.Number != head.Number-depth {
		t.Errorf("tip after the reorg = %d; want %d", st.Tip.Number, head.Number-depth)
	}
	after := expect(t, s.sim, 1, st.Tip.Number, s.path.Contract, func(uint64) bool { return true })
	if after.devTxs != 4 {
		t.Fatalf("paying transactions on the new chain = %d; want 4 (3 re-included + 1)", after.devTxs)
	}
	after.check(t, l, KeyAddress(s.deployer))

	// A fresh replay of the canonical chain, with the registration placed
	// at the same block, gives the same balances.
	fresh := newLedger(t)
	req, sig := signed(t, s.sim.Client, s.deployer, s.registerReq(s.path.Nonces, 1))
	if err := registerAt(ctx, fresh, s.sim.Client, req, sig, &forkAt.Number); err != nil {
		t.Fatal(err)
	}
	fw := fresh.watcher(t, s.sim.Client, Config{Confirmations: depth, Start: 1})
	catchUp(t, fw)
	for _, acct := range []string{KeyAddress(s.deployer).Account(), feeshare.ValidatorsAccount, feeshare.FeesAccount} {
		if got, want := l.balance(t, acct), fresh.balance(t, acct); got.Cmp(want) != 0 {
			t.Errorf("%s after the reorg = %s; a fresh replay gives %s", acct, got, want)
		}
	}
	for k, n := range journalKeys(t, l) {
		if n != 1 {
			t.Errorf("journal key %s appears %d times; want once", k, n)
		}
	}
}

// TestRestart stops a watcher part-way and starts a new one on the same
// store, reopened: nothing is missed and nothing repeated.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	for i := range 12 {
		s.send(t, s.user, s.path.Contract, i%3 == 0)
		s.send(t, s.other, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	head := s.mustHead(t)
	cfg := Config{Confirmations: 0, Start: 1, BlocksPerStep: 4}
	w1 := l.watcher(t, s.sim.Client, cfg)
	if n, err := w1.Step(ctx); err != nil || n != 4 {
		t.Fatalf("first Step = %d, %v; want 4 blocks", n, err)
	}
	stoppedAt := w1.Status().Tip.Number
	if err := l.st.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openLedger(t, l.path)
	w2 := l2.watcher(t, s.sim.Client, cfg)
	catchUp(t, w2)
	if got := w2.Status(); got.Tip.Number != head.Number || got.Applied != head.Number-stoppedAt {
		t.Errorf("restarted watcher: tip %d, applied %d; want tip %d, applied %d (from %d on)", got.Tip.Number, got.Applied, head.Number, head.Number-stoppedAt, stoppedAt+1)
	}
	expect(t, s.sim, 1, head.Number, s.path.Contract, func(uint64) bool { return true }).check(t, l2, KeyAddress(s.deployer))
	for k, n := range journalKeys(t, l2) {
		if n != 1 {
			t.Errorf("journal key %s appears %d times; want once", k, n)
		}
	}
	// A third watcher over a store that is up to date does nothing.
	w3 := l2.watcher(t, s.sim.Client, cfg)
	if n, err := w3.Step(ctx); err != nil || n != 0 {
		t.Errorf("Step on an up-to-date store = %d, %v; want 0, nil", n, err)
	}
}

// flaky is an endpoint whose calls fail at random, as a remote node that
// drops connections does. It has no eth_getBlockReceipts, so the client
// reads receipts one by one through it.
type flaky struct {
	Backend
	rnd   *rand.Rand
	fails int
	mu    sync.Mutex
	down  bool // every call fails
}

func (f *flaky) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down || f.rnd.Intn(100) < 30 {
		f.fails++
		return errors.New("dial tcp 127.0.0.1:8545: connection refused")
	}
	return nil
}

func (f *flaky) BlockNumber(ctx context.Context) (uint64, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Backend.BlockNumber(ctx)
}

func (f *flaky) BlockByNumber(ctx context.Context, n *big.Int) (*types.Block, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.BlockByNumber(ctx, n)
}

func (f *flaky) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.HeaderByNumber(ctx, n)
}

func (f *flaky) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Backend.TransactionReceipt(ctx, h)
}

// TestEndpointErrors: with a third of the endpoint's calls failing, every
// failed Step is a typed error reported by Ready, the cursor never moves
// past a block it could not read, and the end result is exact.
func TestEndpointErrors(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	for i := range 10 {
		s.send(t, s.user, s.path.Contract, i%4 == 0)
		s.send(t, s.other, s.path.Contract, false)
		s.sim.Commit()
	}
	s.settle(t)
	head := s.mustHead(t)
	fl := &flaky{Backend: s.sim.rpc, rnd: rand.New(rand.NewSource(6))}
	c, err := New(ctx, s.sim.rpc) // the chain id is read once, reliably
	if err != nil {
		t.Fatal(err)
	}
	c.b = fl
	w := l.watcher(t, c, Config{Start: 1, BlocksPerStep: 3})
	failures := 0
	for i := 0; ; i++ {
		before := w.Status().Tip
		n, err := w.Step(ctx)
		if err != nil {
			failures++
			if !errors.Is(err, ErrEndpoint) {
				t.Fatalf("Step err = %v; want %s", err, ErrEndpoint.Code())
			}
			if rerr := w.Ready(ctx); !errors.Is(rerr, ErrEndpoint) {
				t.Fatalf("Ready after a failed Step = %v; want %s", rerr, ErrEndpoint.Code())
			}
			if tip := w.Status().Tip; tip.Number > before.Number+uint64(n) {
				t.Fatalf("tip moved from %d to %d with %d blocks applied", before.Number, tip.Number, n)
			}
			continue
		}
		if n == 0 {
			break
		}
		if i > 1000 {
			t.Fatal("never caught up")
		}
	}
	if failures == 0 || fl.fails == 0 {
		t.Fatalf("no endpoint call failed (%d, %d): the test tested nothing", failures, fl.fails)
	}
	if err := w.Ready(ctx); err != nil {
		t.Errorf("Ready after catching up = %v; want nil", err)
	}
	if tip := w.Status().Tip.Number; tip != head.Number {
		t.Errorf("tip = %d; want %d", tip, head.Number)
	}
	expect(t, s.sim, 1, head.Number, s.path.Contract, func(uint64) bool { return true }).check(t, l, KeyAddress(s.deployer))
	for k, n := range journalKeys(t, l) {
		if n != 1 {
			t.Errorf("journal key %s appears %d times; want once", k, n)
		}
	}
}

// TestRunBackoff runs the loop against an endpoint that is down, then
// comes back: Run keeps retrying, Ready reports the outage, and the watcher
// catches up once the endpoint answers.
func TestRunBackoff(t *testing.T) {
	l := newLedger(t)
	s := registered(t, l)
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	head := s.mustHead(t)
	c, err := New(context.Background(), s.sim.rpc)
	if err != nil {
		t.Fatal(err)
	}
	fl := &flaky{Backend: s.sim.rpc, rnd: rand.New(rand.NewSource(7)), down: true}
	c.b = fl
	w := l.watcher(t, c, Config{Start: 1, Poll: time.Millisecond, BackoffMin: time.Millisecond, BackoffMax: 8 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitFor(t, func() bool { fl.mu.Lock(); defer fl.mu.Unlock(); return fl.fails >= 5 })
	if err := w.Ready(ctx); !errors.Is(err, ErrEndpoint) {
		t.Errorf("Ready while the endpoint is down = %v; want %s", err, ErrEndpoint.Code())
	}
	if tip := w.Status().Tip.Number; tip != 0 {
		t.Errorf("tip while down = %d; want 0 (nothing applied)", tip)
	}
	fl.mu.Lock()
	fl.down = false
	fl.mu.Unlock()
	waitFor(t, func() bool { return w.Status().Tip.Number == head.Number })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v; want nil after cancel", err)
	}
	expect(t, s.sim, 1, head.Number, s.path.Contract, func(uint64) bool { return true }).check(t, l, KeyAddress(s.deployer))
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReorgTooDeep: when no block the cursor remembers is canonical any
// more, the watcher stops with ErrReorgDepth and writes nothing.
func TestReorgTooDeep(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	forkAt := s.mustHead(t)
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	w := l.watcher(t, s.sim.Client, Config{Start: forkAt.Number + 1})
	catchUp(t, w)
	tip := w.Status().Tip
	s.settle(t) // Fork needs an empty pool
	if err := s.sim.Backend.Fork([32]byte(forkAt.Hash)); err != nil {
		t.Fatal(err)
	}
	s.send(t, s.other, s.path.Contract, false)
	s.sim.Commit()
	s.sim.Commit()
	before := journalKeys(t, l)
	if _, err := w.Step(ctx); !errors.Is(err, ErrReorgDepth) {
		t.Fatalf("Step err = %v; want %s", err, ErrReorgDepth.Code())
	}
	if got := len(journalKeys(t, l)); got != len(before) {
		t.Errorf("journal has %d entries after the refused step; want %d (nothing written)", got, len(before))
	}
	if cur, err := w.cursor(ctx); err != nil || len(cur.Blocks) != 1 || cur.Blocks[0] != tip {
		t.Errorf("cursor = %+v, %v; want it unchanged at %+v", cur, err, tip)
	}
}

func TestNewWatcherLimits(t *testing.T) {
	l := newLedger(t)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"confirmations", Config{Confirmations: ConfirmationsMax + 1}},
		{"blocks per step", Config{BlocksPerStep: BlocksPerStepMax + 1}},
		{"negative blocks per step", Config{BlocksPerStep: -1}},
		{"negative poll", Config{Poll: -time.Second}},
		{"unknown currency", Config{Currency: "WEI"}},
		{"base fee neither collected nor burned", Config{BaseFee: "vault"}},
	}
	for _, tt := range tests {
		if _, err := NewWatcher(&Client{}, l.eng, l.st, tt.cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: NewWatcher err = %v; want %s", tt.name, err, ErrConfig.Code())
		}
	}
}

// liar answers one block with a parent that is not the chain's.
type liar struct {
	Backend
	number uint64
}

func (l liar) BlockByNumber(ctx context.Context, n *big.Int) (*types.Block, error) {
	b, err := l.Backend.BlockByNumber(ctx, n)
	if err != nil || b.NumberU64() != l.number {
		return b, err
	}
	h := b.Header()
	h.ParentHash[0] ^= 0xff
	return types.NewBlockWithHeader(h), nil
}

// TestContradictoryNode: a block whose parent contradicts a tip the node
// still calls canonical is an error to retry, not a reorg, and nothing is
// reverted or skipped.
func TestContradictoryNode(t *testing.T) {
	ctx := context.Background()
	l := newLedger(t)
	s := registered(t, l)
	w := l.watcher(t, s.sim.Client, Config{Start: 1})
	catchUp(t, w)
	tip := w.Status().Tip
	s.send(t, s.user, s.path.Contract, false)
	s.sim.Commit()
	c, err := New(ctx, liar{Backend: plainBackend{s.sim.rpc}, number: tip.Number + 1})
	if err != nil {
		t.Fatal(err)
	}
	w2 := l.watcher(t, c, Config{Start: 1})
	if n, err := w2.Step(ctx); !errors.Is(err, ErrInconsistent) || n != 0 {
		t.Fatalf("Step = %d, %v; want 0, %s", n, err, ErrInconsistent.Code())
	}
	if cur, err := w2.cursor(ctx); err != nil || len(cur.Blocks) == 0 || cur.Blocks[len(cur.Blocks)-1] != tip {
		t.Fatalf("cursor after the refused step = %+v, %v; want tip %+v", cur, err, tip)
	}
	catchUp(t, w) // the honest client goes on
	if got := w.Status().Tip.Number; got != tip.Number+1 {
		t.Errorf("tip = %d; want %d", got, tip.Number+1)
	}
}
