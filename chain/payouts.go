package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/payout/merkle"
	"github.com/tributary-ledger/tributary/program/payout"
)

// ErrClaimsReorg is a reorganization that orphaned every block the claims
// cursor remembers (payout.ClaimsReach of them): the reconciler cannot
// tell where the chains part, so it stops rather than guess. A shallower
// one, still deeper than the confirmations, is followed (see Step).
var ErrClaimsReorg = errcode.New(errcode.Broken, "chain_claims_reorg_too_deep", "a block whose claims were applied left the chain")

// ReconcilerConfig configures a ClaimsReconciler.
type ReconcilerConfig struct {
	// Currency is the ledger currency of the contract's token.
	Currency string
	// Confirmations is the depth at which a block's claims are applied:
	// block N once the head is at least N + Confirmations. A claim that a
	// reorganization moves or drops before then was never applied.
	Confirmations uint64
	// Start is the first block read when the cursor is empty: the
	// contract's deployment block.
	Start uint64
	// BlocksPerStep bounds the blocks one Step applies; 0 is
	// DefaultBlocksPerStep.
	BlocksPerStep int
	// Poll is how long Run waits when caught up, and after an error
	// (doubling up to a minute); 0 is DefaultPoll.
	Poll time.Duration
	// Now stamps the entries; nil is time.Now.
	Now func() time.Time
	// Log receives errors; nil discards them.
	Log *slog.Logger
}

// ClaimsReconciler follows a claims contract's confirmed blocks and posts
// the pending withdrawals their Claimed events pay (payout.ApplyClaims),
// one entry per step, with the cursor in the same entry: a block's claims
// are applied once, and a restarted reconciler resumes after the last
// block applied.
type ClaimsReconciler struct {
	claims *Claims
	eng    *engine.Engine
	state  StateReader
	cfg    ReconcilerConfig

	mu      sync.Mutex
	lastErr error
}

// NewClaimsReconciler returns a reconciler of claims writing through eng;
// state reads the cursor its entries commit.
//
// Errors: ErrConfig.
func NewClaimsReconciler(claims *Claims, eng *engine.Engine, state StateReader, cfg ReconcilerConfig) (*ClaimsReconciler, error) {
	if cfg.Confirmations > ConfirmationsMax {
		return nil, errcode.Errorf(ErrConfig, "confirmations is %d; at most %d are allowed", cfg.Confirmations, ConfirmationsMax)
	}
	if cfg.BlocksPerStep < 0 || cfg.BlocksPerStep >= ClaimBlocksMax {
		return nil, errcode.Errorf(ErrConfig, "blocks per step is %d; want 1 to %d", cfg.BlocksPerStep, ClaimBlocksMax-1)
	}
	if _, err := eng.Currencies().Lookup(cfg.Currency); err != nil {
		return nil, errcode.Errorf(ErrConfig, "currency %q: %v", cfg.Currency, err)
	}
	if cfg.BlocksPerStep == 0 {
		cfg.BlocksPerStep = DefaultBlocksPerStep
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &ClaimsReconciler{claims: claims, eng: eng, state: state, cfg: cfg}, nil
}

// Ready is the reconciler's readiness: the last Step's error.
func (r *ClaimsReconciler) Ready(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr != nil {
		return fmt.Errorf("claims reconciler failing: %w", r.lastErr)
	}
	return nil
}

// Run steps until ctx ends, waiting Poll when caught up and backing off
// after an error (doubling from Poll up to a minute).
func (r *ClaimsReconciler) Run(ctx context.Context) error {
	runSteps(ctx, r.Step, stepping{Poll: r.cfg.Poll, BackoffMin: r.cfg.Poll, BackoffMax: DefaultBackoffMax, Log: r.cfg.Log, What: "claims reconciler"})
	return nil
}

// Step applies the confirmed blocks after the cursor, at most
// BlocksPerStep of them, with their claims, in one entry. It returns how
// many blocks it applied; zero means caught up.
//
// A reorganization deeper than the confirmations that orphaned blocks
// whose claims were applied is followed from the last remembered block
// still on the chain. What the orphaned claims posted stays posted (a
// withdrawal resolves once): the contract's Claimed events carry each
// address's cumulative total, so a claim the new chain carries again is
// recognised as posted already, and one it does not carry is covered by
// the address's next claim, which the contract pays from the same leaf.
// Until then the ledger counts as claimed what the contract still holds;
// the step logs each such rewind.
//
// Errors: ErrClaimsReorg, ErrEndpoint, ErrInconsistent, ErrRefused (the
// engine refused the claims: payout.ErrClaim), store errors.
func (r *ClaimsReconciler) Step(ctx context.Context) (int, error) {
	n, err := r.step(ctx)
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
	return n, err
}

func (r *ClaimsReconciler) step(ctx context.Context) (int, error) {
	contract := r.claims.Address().Hex()
	cur, err := payout.ReadCursor(stateView{program: payout.Program, ctx: ctx, s: r.state}, contract)
	if err != nil {
		return 0, fmt.Errorf("reading the claims cursor: %w", err)
	}
	head, err := r.claims.head(ctx)
	if err != nil {
		return 0, err
	}
	next := r.cfg.Start
	if !cur.IsZero() {
		next = cur.Number + 1
	}
	blocks, err := r.blocks(ctx, next, head)
	if err != nil || len(blocks) == 0 {
		return 0, err
	}
	if !cur.IsZero() && blocks[0].Parent != cur.Hash {
		if next, err = r.resume(ctx, cur, head); err != nil {
			return 0, err
		}
		if blocks, err = r.blocks(ctx, next, head); err != nil || len(blocks) == 0 {
			return 0, err
		}
		if _, ok := cur.Resume(next, blocks[0].Parent); !ok {
			return 0, errcode.Errorf(ErrInconsistent, "block %d's parent is %s, not the block %d the chain had a moment ago (the chain moved between the reads)", next, blocks[0].Parent.Hex(), next-1)
		}
	}
	to := blocks[len(blocks)-1].Number
	events, err := r.claims.ClaimEvents(ctx, next, to)
	if err != nil {
		return 0, err
	}
	claims := make([]payout.Claim, 0, len(events))
	for _, ev := range events {
		if ev.BlockHash != blocks[ev.Block-next].Hash {
			return 0, errcode.Errorf(ErrInconsistent, "a claim names block %d %s; the header read was %s (the chain moved between the reads)", ev.Block, ev.BlockHash.Hex(), blocks[ev.Block-next].Hash.Hex())
		}
		claims = append(claims, payout.Claim{Account: ev.Account, Amount: ev.Amount, Cumulative: ev.Cumulative})
	}
	// The key names the cursor the step starts from as well as the block
	// it ends at: after a reorganization and back, the same blocks are
	// applied again from another cursor, and a key of the end alone
	// would replay the old step, leave the cursor where it was, and
	// come round to the same step forever.
	last := blocks[len(blocks)-1]
	key := fmt.Sprintf("claims:%s:%d:%x:%d:%x", strings.ToLower(contract), cur.Number, cur.Hash[:8], last.Number, last.Hash[:8])
	op := payout.ApplyClaims(key, r.cfg.Now(), r.cfg.Currency, contract, blocks, claims)
	if _, err := r.eng.ApplyOne(ctx, op); err != nil {
		if errcode.Code(err) != errcode.InternalCode {
			return 0, fmt.Errorf("applying the claims of blocks %d to %d: %w", next, to, errors.Join(errcode.Errorf(ErrRefused, "the engine refused the claims"), err))
		}
		return 0, err
	}
	return len(blocks), nil
}

// blocks reads the headers of the confirmed blocks from next on, at most
// BlocksPerStep; none when next is not confirmed yet.
func (r *ClaimsReconciler) blocks(ctx context.Context, next, head uint64) ([]payout.Block, error) {
	if head < r.cfg.Confirmations || next > head-r.cfg.Confirmations {
		return nil, nil
	}
	to := min(head-r.cfg.Confirmations, next+uint64(r.cfg.BlocksPerStep)-1)
	blocks := make([]payout.Block, 0, to-next+1)
	for n := next; n <= to; n++ {
		h, err := r.header(ctx, n)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, h)
	}
	return blocks, nil
}

// resume returns the block after the newest block of cur (its last, or
// one it remembers) that is still on the chain: the last one's successor
// unless a reorganization orphaned it.
//
// Errors: ErrClaimsReorg (none is), ErrEndpoint, ErrInconsistent.
func (r *ClaimsReconciler) resume(ctx context.Context, cur payout.Cursor, head uint64) (uint64, error) {
	refs := append(slices.Clone(cur.Recent), payout.BlockRef{Number: cur.Number, Hash: cur.Hash})
	for i := len(refs) - 1; i >= 0; i-- {
		if refs[i].Number > head {
			continue
		}
		h, err := r.header(ctx, refs[i].Number)
		if err != nil {
			return 0, err
		}
		if h.Hash == refs[i].Hash {
			if orphaned := len(refs) - 1 - i; orphaned > 0 {
				r.cfg.Log.Warn("claims reconciler: a reorganization deeper than the confirmations orphaned applied blocks; following the chain from the last one still on it (claims they posted stay posted, matched to the chain's cumulative totals)",
					"orphaned_blocks", orphaned, "resume_after", refs[i].Number, "confirmations", r.cfg.Confirmations)
			}
			return refs[i].Number + 1, nil
		}
	}
	return 0, errcode.Errorf(ErrClaimsReorg, "none of the %d applied blocks the claims cursor remembers (%d to %d) is on the chain any more: a reorganization deeper than that; the reconciler will not guess where to resume", len(refs), refs[0].Number, cur.Number)
}

func (r *ClaimsReconciler) header(ctx context.Context, n uint64) (payout.Block, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	h, err := r.claims.tx.b.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return payout.Block{}, endpointErr(fmt.Sprintf("eth_getBlockByNumber(%d)", n), err)
	}
	if h.Number.Uint64() != n {
		return payout.Block{}, errcode.Errorf(ErrInconsistent, "asked for block %d, got block %s", n, h.Number)
	}
	return payout.Block{Number: n, Hash: merkle.Hash(h.Hash()), Parent: merkle.Hash(h.ParentHash)}, nil
}
