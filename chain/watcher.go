package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/program/feeshare"
)

// Limits and defaults of the watcher.
const (
	// ConfirmationsMax bounds the confirmation depth.
	ConfirmationsMax = 1024
	// BlocksPerStepMax bounds the blocks one Step applies, so that a
	// watcher far behind still returns to its caller (and notices that its
	// context ended) regularly.
	BlocksPerStepMax = 10000
	// DefaultBlocksPerStep is Config.BlocksPerStep when zero.
	DefaultBlocksPerStep = 100
	// DefaultCurrency is the currency fees are counted in: wei, as ETH's
	// base unit.
	DefaultCurrency = "ETH"
	// Default timings of Run.
	DefaultPoll       = 2 * time.Second
	DefaultBackoffMin = 500 * time.Millisecond
	DefaultBackoffMax = time.Minute
)

// Errors.
var (
	// ErrConfig is a watcher configuration out of its limits.
	ErrConfig = errcode.New(errcode.Invalid, "chain_config_invalid", "the chain watcher's configuration is invalid")
	// ErrReorgDepth is a reorganization deeper than the blocks the cursor
	// remembers: the watcher cannot find where the new chain meets the
	// blocks it applied, so it stops rather than guess.
	ErrReorgDepth = errcode.New(errcode.Broken, "chain_reorg_too_deep", "the chain reorganized below the blocks the watcher remembers")
	// ErrRefused is an operation of a block that the engine refused: the
	// watcher stops at that block rather than skip it.
	ErrRefused = errcode.New(errcode.Unprocessable, "chain_block_refused", "the engine refused a block's fee distribution")
)

// Config configures a Watcher.
type Config struct {
	// Confirmations is the depth at which a block is final enough to apply:
	// block N is applied once the head is at least N + Confirmations.
	Confirmations uint64
	// Currency is the ledger currency of the fees; "" is DefaultCurrency.
	Currency string
	// BaseFee is what the chain does with the EIP-1559 base fee:
	// feeshare.BaseFeeCollected ("" too: Evmos, OP-stack chains) or
	// feeshare.BaseFeeBurned (Ethereum mainnet).
	BaseFee string
	// Start is the first block applied when the cursor is empty (a new
	// store); afterwards the cursor alone decides.
	Start uint64
	// BlocksPerStep bounds the blocks one Step applies; 0 is
	// DefaultBlocksPerStep.
	BlocksPerStep int
	// Poll is how long Run waits when caught up; 0 is DefaultPoll.
	Poll time.Duration
	// BackoffMin and BackoffMax bound Run's waits after an error, which
	// double from the first to the second; 0 are the defaults.
	BackoffMin, BackoffMax time.Duration
	// Now stamps reversal entries; nil is time.Now.
	Now func() time.Time
	// Log receives progress and errors; nil discards them.
	Log *slog.Logger
}

// chain is what the feeshare program is told of the chain.
func (c Config) chain() feeshare.Chain {
	return feeshare.Chain{Currency: c.Currency, BaseFee: c.BaseFee}
}

// StateReader reads committed program state; the SQLite and PostgreSQL
// stores have it.
type StateReader interface {
	State(ctx context.Context, program, key string) ([]byte, bool, error)
}

// Status is what the watcher has done so far.
type Status struct {
	Tip      feeshare.BlockRef // the committed cursor's newest block, as last read; zero before the first
	Head     uint64            // the chain's head at the last look
	Applied  uint64            // blocks applied by this watcher
	Reverted uint64            // blocks reverted by this watcher
	Txs      uint64            // transactions in the applied blocks
	LastErr  error             // the last Step's error; nil when it succeeded
	ErrAt    time.Time         // when LastErr happened
}

// Watcher follows a chain's confirmed blocks and applies their fees through
// the feeshare program, one engine batch per block. The program's cursor,
// written in the same batch as the block's entries, is the checkpoint: a
// watcher started again on the same store resumes after the last block
// applied, and a block is never applied twice nor skipped.
type Watcher struct {
	c     *Client
	eng   *engine.Engine
	state StateReader
	cfg   Config

	mu     sync.Mutex
	status Status
}

// NewWatcher returns a watcher reading c and writing through eng; state
// reads the cursor the engine's batches commit.
//
// Errors: ErrConfig.
func NewWatcher(c *Client, eng *engine.Engine, state StateReader, cfg Config) (*Watcher, error) {
	if cfg.Confirmations > ConfirmationsMax {
		return nil, errcode.Errorf(ErrConfig, "confirmations is %d; at most %d are allowed", cfg.Confirmations, ConfirmationsMax)
	}
	if cfg.BlocksPerStep < 0 || cfg.BlocksPerStep > BlocksPerStepMax {
		return nil, errcode.Errorf(ErrConfig, "blocks per step is %d; want 1 to %d", cfg.BlocksPerStep, BlocksPerStepMax)
	}
	if cfg.Poll < 0 || cfg.BackoffMin < 0 || cfg.BackoffMax < 0 {
		return nil, errcode.Errorf(ErrConfig, "poll and backoff durations must not be negative")
	}
	if cfg.Currency == "" {
		cfg.Currency = DefaultCurrency
	}
	if cfg.BaseFee == "" {
		cfg.BaseFee = feeshare.BaseFeeCollected
	}
	if err := cfg.chain().Validate(); err != nil {
		return nil, errcode.Errorf(ErrConfig, "%v", err)
	}
	if _, err := eng.Currencies().Lookup(cfg.Currency); err != nil {
		return nil, errcode.Errorf(ErrConfig, "currency %q: %v", cfg.Currency, err)
	}
	if cfg.BlocksPerStep == 0 {
		cfg.BlocksPerStep = DefaultBlocksPerStep
	}
	if cfg.Poll == 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin = DefaultBackoffMin
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = cfg.BackoffMin
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{c: c, eng: eng, state: state, cfg: cfg}, nil
}

// Status returns what the watcher has done so far.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Ready is the watcher's readiness for /readyz (api.ReadyCheck): the last
// Step's error, if it failed, with the block the committed cursor stands
// at (after a rewind that reverted some blocks and then failed, that is
// the newest block not reverted, not the tip before the rewind).
func (w *Watcher) Ready(context.Context) error {
	s := w.Status()
	if s.LastErr != nil {
		return fmt.Errorf("chain watcher failing since %s (cursor at block %d %x, chain head %d): %w", s.ErrAt.UTC().Format(time.RFC3339), s.Tip.Number, s.Tip.Hash[:4], s.Head, s.LastErr)
	}
	return nil
}

// Run steps until ctx ends. After an error it waits, doubling the wait from
// BackoffMin up to BackoffMax, and tries the same block again; when caught
// up it polls every Poll. It returns nil when ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	runSteps(ctx, w.Step, stepping{Poll: w.cfg.Poll, BackoffMin: w.cfg.BackoffMin, BackoffMax: w.cfg.BackoffMax, Log: w.cfg.Log, What: "chain watcher"})
	return nil
}

// stepping is how runSteps paces a follower of the chain.
type stepping struct {
	Poll, BackoffMin, BackoffMax time.Duration
	Log                          *slog.Logger
	What                         string
}

// runSteps calls step until ctx ends: at once after a step that did
// something, after Poll when caught up, and after a wait doubling from
// BackoffMin up to BackoffMax while steps fail.
func runSteps(ctx context.Context, step func(context.Context) (int, error), p stepping) {
	var backoff time.Duration
	for {
		n, err := step(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := time.Duration(0)
		switch {
		case err != nil:
			backoff = min(max(2*backoff, p.BackoffMin), p.BackoffMax)
			wait = backoff
			p.Log.Warn(p.What+" step failed; retrying", "err", err, "code", errcode.Code(err), "retry_in", wait.String())
		case n == 0:
			backoff, wait = 0, p.Poll
		default:
			backoff = 0
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// Step does one pass: it applies the confirmed blocks after the cursor, at
// most BlocksPerStep of them, reverting orphaned blocks first when the chain
// reorganized under the cursor. It returns how many blocks it applied or
// reverted; zero means caught up. Its error is also kept for Ready.
//
// Errors: ErrEndpoint, ErrInconsistent, ErrBlockTxs, ErrReorgDepth,
// ErrRefused, and store errors.
func (w *Watcher) Step(ctx context.Context) (int, error) {
	n, err := w.step(ctx)
	w.mu.Lock()
	w.status.LastErr = err
	if err != nil {
		w.status.ErrAt = w.cfg.Now()
	}
	w.mu.Unlock()
	return n, err
}

func (w *Watcher) step(ctx context.Context) (int, error) {
	cur, err := w.cursor(ctx)
	if err != nil {
		return 0, err
	}
	head, err := w.c.head(ctx)
	if err != nil {
		return 0, err
	}
	w.mu.Lock()
	w.status.Head = head
	w.mu.Unlock()
	done := 0
	for done < w.cfg.BlocksPerStep {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		next := w.cfg.Start
		var tip *feeshare.BlockRef
		if len(cur.Blocks) > 0 {
			tip = &cur.Blocks[len(cur.Blocks)-1]
			next = tip.Number + 1
		}
		if head < w.cfg.Confirmations || next > head-w.cfg.Confirmations {
			return done, nil // caught up: next is not confirmed yet
		}
		b, err := w.c.block(ctx, next)
		if err != nil {
			return done, err
		}
		if tip != nil && b.Parent != tip.Hash {
			// The chain under the cursor changed: revert back to where
			// the new chain meets the applied blocks, then go on from
			// there.
			n, err := w.rewind(ctx, cur)
			if err != nil {
				return done, err
			}
			if n == 0 {
				// The tip is canonical, yet its child names another
				// parent: the chain moved between the two reads, or the
				// node contradicts itself. Try again later rather than
				// loop here.
				return done, errcode.Errorf(ErrInconsistent, "block %d names parent %x, but block %d on the chain is still %x", b.Number, b.Parent, tip.Number, tip.Hash)
			}
			done += n
			if cur, err = w.cursor(ctx); err != nil {
				return done, err
			}
			continue
		}
		if err := w.apply(ctx, b); err != nil {
			return done, err
		}
		done++
		if cur, err = w.cursor(ctx); err != nil {
			return done, err
		}
		if len(cur.Blocks) == 0 || cur.Blocks[len(cur.Blocks)-1] != (feeshare.BlockRef{Number: b.Number, Hash: b.Hash}) {
			return done, fmt.Errorf("chain watcher: after applying block %d the cursor does not end with it: %w", b.Number, errcode.Errorf(ErrInconsistent, "cursor tip is not the block just applied"))
		}
	}
	return done, nil
}

// cursor reads the feeshare program's committed cursor; its head is the
// status's Tip from then on.
func (w *Watcher) cursor(ctx context.Context) (feeshare.Cursor, error) {
	cur, err := feeshare.ReadCursor(stateView{ctx: ctx, s: w.state})
	if err != nil {
		return feeshare.Cursor{}, fmt.Errorf("reading the fee-share cursor: %w", err)
	}
	tip, _ := cur.Head()
	w.mu.Lock()
	w.status.Tip = tip
	w.mu.Unlock()
	return cur, nil
}

// apply applies one block's fee distribution as one batch: its entries and
// the cursor move together or not at all.
func (w *Watcher) apply(ctx context.Context, b feeshare.Block) error {
	ops := feeshare.ApplyBlock(b, w.cfg.chain())
	if err := w.run(ctx, ops, fmt.Sprintf("applying block %d (%x)", b.Number, b.Hash)); err != nil {
		return err
	}
	w.mu.Lock()
	w.status.Applied++
	w.status.Txs += uint64(len(b.Txs))
	w.status.Tip = feeshare.BlockRef{Number: b.Number, Hash: b.Hash}
	w.mu.Unlock()
	w.cfg.Log.Debug("chain block applied", "block", b.Number, "txs", len(b.Txs))
	return nil
}

// rewind finds the newest block of the cursor that is still canonical and
// reverts every block after it, newest first, in one batch.
//
// A rewind is not all or nothing: each block's reversal is its own entry
// and moves the cursor back one block, so should one be refused (which no
// longer happens for lack of funds: see feeshare.RevertBlock), those
// before it stand, and the cursor says so. That is a state a rewind passes
// through anyway; the next Step finds the cursor's head still orphaned and
// rewinds from there. What matters is that the cursor and the entries
// agree, which one store transaction per batch guarantees, and that
// Status and Ready report the committed cursor, not the tip before.
func (w *Watcher) rewind(ctx context.Context, cur feeshare.Cursor) (int, error) {
	keep := -1
	for i := len(cur.Blocks) - 1; i >= 0; i-- {
		h, err := w.c.hashAt(ctx, cur.Blocks[i].Number)
		if err != nil && !errors.Is(err, errNotFound) {
			return 0, err
		}
		if err == nil && h == cur.Blocks[i].Hash {
			keep = i
			break
		}
	}
	if keep < 0 {
		first := cur.Blocks[0]
		return 0, errcode.Errorf(ErrReorgDepth, "none of the %d blocks the cursor remembers (%d to %d) is on the chain any more; the reorganization is deeper than that, and the watcher will not guess where to resume", len(cur.Blocks), first.Number, cur.Blocks[len(cur.Blocks)-1].Number)
	}
	now := w.cfg.Now()
	var ops []engine.Op
	for i := len(cur.Blocks) - 1; i > keep; i-- {
		ops = append(ops, feeshare.RevertBlock(cur.Blocks[i], now)...)
	}
	n := len(cur.Blocks) - 1 - keep
	err := w.run(ctx, ops, fmt.Sprintf("reverting %d orphaned blocks after block %d", n, cur.Blocks[keep].Number))
	if err != nil {
		// Count what the batch committed, and report the cursor where it
		// stands now.
		if after, cerr := w.cursor(ctx); cerr == nil {
			if tip, ok := after.Head(); ok && tip.Number < cur.Blocks[len(cur.Blocks)-1].Number {
				w.mu.Lock()
				w.status.Reverted += cur.Blocks[len(cur.Blocks)-1].Number - tip.Number
				w.mu.Unlock()
			}
		}
		return 0, err
	}
	w.mu.Lock()
	w.status.Reverted += uint64(n)
	w.status.Tip = cur.Blocks[keep]
	w.mu.Unlock()
	w.cfg.Log.Info("chain reorganized: orphaned blocks reverted", "blocks", n, "resume_after", cur.Blocks[keep].Number)
	return n, nil
}

// run applies ops as one batch. A refused operation fails the step: the
// engine wrote nothing of it, and the watcher will not go past it.
func (w *Watcher) run(ctx context.Context, ops []engine.Op, what string) error {
	if len(ops) > engine.BatchMax {
		return errcode.Errorf(ErrBlockTxs, "%s takes %d operations; one batch holds at most %d", what, len(ops), engine.BatchMax)
	}
	res, err := w.eng.Apply(ctx, ops)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for i, r := range res {
		if r.Err != nil {
			return fmt.Errorf("%s: operation %d (%s): %w", what, i, ops[i].Key, errors.Join(errcode.Errorf(ErrRefused, "the engine refused operation %s", ops[i].Key), r.Err))
		}
	}
	return nil
}

// stateView is an engine.View over committed state, for reading the
// cursor outside a transaction.
type stateView struct {
	ctx     context.Context
	s       StateReader
	program string // feeshare.Program when empty
}

func (v stateView) State(key string) ([]byte, bool, error) {
	program := v.program
	if program == "" {
		program = feeshare.Program
	}
	return v.s.State(v.ctx, program, key)
}

func (v stateView) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	return ledger.Withdrawal{}, false, errors.New("chain: withdrawals are not readable through the cursor view")
}

func (v stateView) Balance(account, currency string) (ledger.Balance, error) {
	return ledger.Balance{}, errors.New("chain: balances are not readable through the cursor view")
}
