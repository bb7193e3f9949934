package payout

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/payout/merkle"
)

// Block is a chain block as the claims reconciler applied it.
type Block struct {
	Number uint64      `json:"number"`
	Hash   merkle.Hash `json:"hash"`
	Parent merkle.Hash `json:"parent"`
}

// Cursor is the last block whose claims were applied, per contract, and
// the blocks applied before it within ClaimsReach.
type Cursor struct {
	Number uint64      `json:"number"`
	Hash   merkle.Hash `json:"hash"`
	// Recent are the blocks applied before this one, oldest first, at
	// most ClaimsReach: where a reconciler finds the last block still on
	// the chain after a reorganization deeper than its confirmations.
	// Cursors stored before it was kept have none.
	Recent []BlockRef `json:"recent,omitempty"`
}

// BlockRef names a block.
type BlockRef struct {
	Number uint64      `json:"number"`
	Hash   merkle.Hash `json:"hash"`
}

// ClaimsReach is how many applied blocks a cursor remembers: a
// reorganization that orphans more than that stops the reconciler.
const ClaimsReach = 256

// IsZero reports whether no block was applied yet.
func (c Cursor) IsZero() bool { return c.Number == 0 && c.Hash == (merkle.Hash{}) }

// Resume returns where blocks following parent (a block numbered n-1 with
// hash parent) continue the cursor: at its last block, or at one of
// its Recent blocks, which a reorganization left the last one still on
// the chain (the cursor is cut back to it).
func (c Cursor) Resume(n uint64, parent merkle.Hash) (Cursor, bool) {
	if c.IsZero() || c.Number+1 == n && c.Hash == parent {
		return c, true
	}
	for i, b := range c.Recent {
		if b.Number+1 == n && b.Hash == parent {
			return Cursor{Number: b.Number, Hash: b.Hash, Recent: slices.Clone(c.Recent[:i])}, true
		}
	}
	return Cursor{}, false
}

// advance returns the cursor after blocks, which follow it.
func (c Cursor) advance(blocks []Block) Cursor {
	recent := slices.Clone(c.Recent)
	if !c.IsZero() {
		recent = append(recent, BlockRef{Number: c.Number, Hash: c.Hash})
	}
	for _, b := range blocks[:len(blocks)-1] {
		recent = append(recent, BlockRef{Number: b.Number, Hash: b.Hash})
	}
	if len(recent) > ClaimsReach {
		recent = recent[len(recent)-ClaimsReach:]
	}
	last := blocks[len(blocks)-1]
	return Cursor{Number: last.Number, Hash: last.Hash, Recent: recent}
}

// Claim is one Claimed event of the claims contract: Account claimed
// Amount, its claimed total becoming Cumulative.
type Claim struct {
	Account    merkle.Address
	Amount     money.Amount
	Cumulative money.Amount
}

// ReadCursor returns the claims cursor of contract (zero before the
// first block).
func ReadCursor(v engine.View, contract string) (Cursor, error) {
	var c Cursor
	return c, engine.ReadJSONOr(v, cursorKey(contract), &c)
}

// ApplyClaims applies the confirmed blocks of contract (consecutive, the
// first a child of the cursor's block) and their claims, in currency: each
// claim posts the claiming address's pending on-chain withdrawals, oldest
// batch first, which must sum to exactly what it claimed (the contract
// pays the cumulative amount less what was claimed, and the lines
// partition the cumulative amount). The cursor moves in the same entry, so
// a block's claims are applied once; a claim that a reorganization moved
// to another block, before it was confirmed, is applied where it is.
//
// Refusals: ErrClaim (a claim without the matching lines, blocks that do
// not follow the cursor).
func ApplyClaims(key string, at time.Time, currency, contract string, blocks []Block, claims []Claim) engine.Op {
	return op(key, "claims", at, func(h *ledger.Hasher) {
		h.String(currency).String(strings.ToLower(contract)).Uint(uint64(len(blocks)))
		for _, b := range blocks {
			h.Uint(b.Number).String(b.Hash.Hex()).String(b.Parent.Hex())
		}
		h.Uint(uint64(len(claims)))
		for _, c := range claims {
			h.String(c.Account.Hex()).Amount(c.Amount).Amount(c.Cumulative)
		}
	}, func(v engine.View) (engine.Change, error) {
		if len(blocks) == 0 {
			return engine.Change{}, errcode.Errorf(ErrClaim, "no blocks to apply")
		}
		cur, err := ReadCursor(v, contract)
		if err != nil {
			return engine.Change{}, err
		}
		cur, ok := cur.Resume(blocks[0].Number, blocks[0].Parent)
		if !ok {
			return engine.Change{}, errcode.Errorf(ErrClaim, "block %d follows block %d %s, which is neither the cursor's block %d %s nor one of the %d applied before it", blocks[0].Number, blocks[0].Number-1, blocks[0].Parent.Hex(), cur.Number, cur.Hash.Hex(), len(cur.Recent))
		}
		for i := 1; i < len(blocks); i++ {
			if blocks[i].Number != blocks[i-1].Number+1 || blocks[i].Parent != blocks[i-1].Hash {
				return engine.Change{}, errcode.Errorf(ErrClaim, "block %d does not follow block %d", blocks[i].Number, blocks[i-1].Number)
			}
		}
		last := blocks[len(blocks)-1]
		writes := []engine.StateWrite{engine.WriteJSON(cursorKey(contract), cur.advance(blocks))}
		var list []uint64
		if err := engine.ReadJSONOr(v, onchainKey(currency), &list); err != nil {
			return engine.Change{}, err
		}
		batches := map[uint64]*Batch{}
		var postings []ledger.Posting
		var ws []ledger.Withdrawal
		posted := map[merkle.Address]money.Amount{} // what this entry posts, by address
		for _, c := range claims {
			lines, err := claimLines(v, currency, list, c, posted[c.Account])
			if err != nil {
				return engine.Change{}, err
			}
			for _, l := range lines {
				b := batches[l.batch]
				if b == nil {
					bb, err := ReadBatch(v, l.batch)
					if err != nil {
						return engine.Change{}, err
					}
					b = &bb
					batches[l.batch] = b
				}
				w := l.w
				w.State, w.Resolved = ledger.WithdrawalPosted, at
				posted[c.Account], _ = posted[c.Account].Add(w.Amount)
				postings = append(postings, w.Posting())
				ws = append(ws, w)
				b.Claimed++
				b.Pending--
				b.ChainPending--
				settle(b, at)
			}
		}
		ids := make([]uint64, 0, len(batches))
		for id := range batches {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var events []engine.Event
		for _, id := range ids {
			b := batches[id]
			writes = append(writes, engine.WriteJSON(batchKey(id), *b))
			events = append(events, batchEvent(*b, "claimed"))
			if b.ChainPending == 0 {
				list = slices.DeleteFunc(list, func(x uint64) bool { return x == id })
			}
		}
		if len(ids) > 0 {
			writes = append(writes, engine.WriteJSON(onchainKey(currency), list))
		}
		ref := fmt.Sprintf("payout:claims:%d", last.Number)
		if len(postings) == 0 {
			return engine.Change{Kind: ledger.Config, Ref: ref, State: writes}, nil
		}
		return engine.Change{Kind: ledger.WithdrawalPost, Ref: ref, Postings: postings, Withdrawals: ws, State: writes, Events: events}, nil
	})
}

type claimLine struct {
	batch uint64
	w     ledger.Withdrawal
}

// claimLines finds the pending on-chain withdrawals of c's address,
// oldest batch first, that bring what the ledger has posted to it (its
// posted on-chain lines, and inEntry, what this entry posts already) up
// to c.Cumulative, the total the contract has paid it. A claim whose
// cumulative the ledger has posted already needs none: it is one that a
// reorganization deeper than the confirmations took out of the block it
// was applied in and the chain carried again (or, never carried again, a
// later claim of the address covers). Otherwise the lines must sum to
// exactly the difference.
func claimLines(v engine.View, currency string, batches []uint64, c Claim, inEntry money.Amount) ([]claimLine, error) {
	done, err := claimedSoFar(v, currency, c.Account)
	if err != nil {
		return nil, err
	}
	done, _ = done.Add(inEntry)
	if c.Cumulative.Cmp(done) <= 0 {
		return nil, nil
	}
	need, _ := c.Cumulative.Sub(done)
	var out []claimLine
	var sum money.Amount
	for _, id := range batches {
		if sum == need {
			break
		}
		w, ok, err := v.Withdrawal(chainRef(id, c.Account))
		if err != nil {
			return nil, err
		}
		if !ok || w.State != ledger.WithdrawalPending {
			continue
		}
		if sum, err = sum.Add(w.Amount); err != nil {
			return nil, err
		}
		out = append(out, claimLine{batch: id, w: w})
	}
	if sum != need {
		return nil, errcode.Errorf(ErrClaim, "%s claimed %s (cumulative %s); the ledger posted %s to it before, and its pending on-chain lines sum to %s, not the %s still owed; a root was posted that the ledger did not publish, or the lines were resolved otherwise", c.Account.Hex(), c.Amount, c.Cumulative, done, sum, need)
	}
	return out, nil
}

// claimedSoFar is what the ledger has posted to address a on chain in
// currency: the sum of its posted on-chain lines over every batch (a few
// a week; each a point read).
func claimedSoFar(v engine.View, currency string, a merkle.Address) (money.Amount, error) {
	var next uint64 = 1
	if err := engine.ReadJSONOr(v, nextKey, &next); err != nil {
		return money.Zero, err
	}
	var sum money.Amount
	for id := uint64(1); id < next; id++ {
		w, ok, err := v.Withdrawal(chainRef(id, a))
		if err != nil {
			return money.Zero, err
		}
		if ok && w.State == ledger.WithdrawalPosted && w.Currency == currency {
			if sum, err = sum.Add(w.Amount); err != nil {
				return money.Zero, err
			}
		}
	}
	return sum, nil
}
