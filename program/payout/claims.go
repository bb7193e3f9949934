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

// Cursor is the last block whose claims were applied, per contract.
type Cursor struct {
	Number uint64      `json:"number"`
	Hash   merkle.Hash `json:"hash"`
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
		prev := Cursor{Number: blocks[0].Number - 1, Hash: blocks[0].Parent}
		if cur != (Cursor{}) && cur != prev {
			return engine.Change{}, errcode.Errorf(ErrClaim, "block %d follows block %d %s; the cursor is at block %d %s", blocks[0].Number, prev.Number, prev.Hash.Hex(), cur.Number, cur.Hash.Hex())
		}
		for i := 1; i < len(blocks); i++ {
			if blocks[i].Number != blocks[i-1].Number+1 || blocks[i].Parent != blocks[i-1].Hash {
				return engine.Change{}, errcode.Errorf(ErrClaim, "block %d does not follow block %d", blocks[i].Number, blocks[i-1].Number)
			}
		}
		last := blocks[len(blocks)-1]
		writes := []engine.StateWrite{engine.WriteJSON(cursorKey(contract), Cursor{Number: last.Number, Hash: last.Hash})}
		var list []uint64
		if err := engine.ReadJSONOr(v, onchainKey(currency), &list); err != nil {
			return engine.Change{}, err
		}
		batches := map[uint64]*Batch{}
		var postings []ledger.Posting
		var ws []ledger.Withdrawal
		for _, c := range claims {
			lines, err := claimLines(v, list, c)
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

// claimLines finds the pending on-chain withdrawals of c's address, oldest
// batch first, whose amounts sum to exactly c.Amount.
func claimLines(v engine.View, batches []uint64, c Claim) ([]claimLine, error) {
	var out []claimLine
	var sum money.Amount
	for _, id := range batches {
		if sum == c.Amount {
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
	if sum != c.Amount {
		return nil, errcode.Errorf(ErrClaim, "%s claimed %s (cumulative %s), but its pending on-chain lines sum to %s; a root was posted that the ledger did not publish, or the lines were resolved otherwise", c.Account.Hex(), c.Amount, c.Cumulative, sum)
	}
	return out, nil
}
