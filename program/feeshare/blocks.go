package feeshare

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Fee distribution.

// appliedTx is what one transaction's op posted, kept (one key per
// transaction, so that a block's ops do not rewrite a growing record) so
// that a revert reverses exactly that.
type appliedTx struct {
	Key      string           `json:"key"`
	Postings []appliedPosting `json:"postings"`
}

type appliedPosting struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	Currency string       `json:"currency"`
	Amount   money.Amount `json:"amount"`
}

// blockRecord is an applied block: its fee-bearing transactions.
type blockRecord struct {
	Number   uint64 `json:"number"`
	Hash     Hash   `json:"hash"`
	Parent   Hash   `json:"parent"`
	Txs      []Hash `json:"txs"`
	Round    uint64 `json:"round,omitempty"`
	Reverted bool   `json:"reverted,omitempty"`
}

// RoundsMax bounds how often one block may be applied again after being
// reverted (a reorg that flips back and forth), so that keys stay short.
const RoundsMax = 1000

// ErrBlockRound refuses an application or reversal of a block in another
// round than the one its record calls for.
var ErrBlockRound = errcode.New(errcode.Unprocessable, "feeshare_block_round", "the block's application round is not the one given")

// Round returns the round in which block h is next applied, or is applied
// now: 0 for a block never applied, and one more each time it is reverted.
// A reorg that orphans a block and later makes it canonical again (a
// flip-flop) re-applies it with ApplyBlockAt(b, ch, Round(v, h)),
// under fresh keys: ApplyBlock's keys were spent by the first round.
func Round(v engine.View, h Hash) (uint64, error) {
	var rec blockRecord
	ok, err := newStateTx(v).get(blockKey(h), &rec)
	if err != nil || !ok {
		return 0, err
	}
	if rec.Reverted {
		return rec.Round + 1, nil
	}
	return rec.Round, nil
}

func roundSuffix(round uint64) string {
	if round == 0 {
		return ""
	}
	return ":r" + strconv.FormatUint(round, 10)
}

// checkRound refuses to apply a block in a round its record does not call
// for: a block applied now, or one reverted in another round.
func checkRound(rec blockRecord, found bool, b Block, round uint64) error {
	switch {
	case !found && round == 0, found && rec.Reverted && round == rec.Round+1:
		return nil
	case found && !rec.Reverted:
		return errcode.Errorf(ErrBlockReverted, "block %d %s is applied already (round %d)", b.Number, b.Hash.Hex(), rec.Round)
	}
	next := uint64(0)
	if found {
		next = rec.Round + 1
	}
	return errcode.Errorf(ErrBlockRound, "block %d %s is applied next in round %d, not %d (see Round)", b.Number, b.Hash.Hex(), next, round)
}

func txKey(block, tx Hash, round uint64) string {
	return "feeshare:tx:" + hex.EncodeToString(tx[:]) + ":" + hex.EncodeToString(block[:16]) + roundSuffix(round)
}

// BlockKey is the idempotency key of the op that seals a block.
func BlockKey(block Hash) string { return "feeshare:block:" + hex.EncodeToString(block[:]) }

// RevertKey is the idempotency key of a block's reversal.
func RevertKey(block Hash) string { return "feeshare:revert:" + hex.EncodeToString(block[:]) }

func refuse(key string, at time.Time, b Block, err error) []engine.Op {
	return []engine.Op{blockOp(key, "block", at, b, func(engine.View) (engine.Change, error) { return engine.Change{}, err })}
}

// checkLinks refuses a block that does not follow the cursor's head.
func checkLinks(cur Cursor, b Block) error {
	head, ok := cur.Head()
	return checkHead(head, ok, b)
}

func checkHead(head BlockRef, ok bool, b Block) error {
	if !ok || head.Hash == b.Parent && head.Number+1 == b.Number {
		return nil
	}
	if head.Hash == b.Hash {
		return errcode.Errorf(ErrBlockReverted, "block %d %s is the head already (applied in another round)", b.Number, b.Hash.Hex())
	}
	return errcode.Errorf(ErrBlockParent, "block %d %s has parent %s, but the applied head is block %d %s: revert to the common ancestor first", b.Number, b.Hash.Hex(), b.Parent.Hex(), head.Number, head.Hash.Hex())
}

// ApplyBlock returns the operations that distribute b's fees on a chain
// like ch (its currency, what it does with the base fee) and advance the
// cursor to b; the caller applies them as one engine.Apply
// batch (one store transaction). One op per transaction with a non-zero fee
// (key txKey), then one that checks every one of them was applied, records
// what they posted and moves the cursor (key BlockKey). Applying the same
// block again replays them all and changes nothing. Each transaction is paid
// by its target's registration as of b's number (see history.go), however
// long after the block the watcher applies it. The seal also prunes the
// registration history that fell out of reorg reach.
//
// A block reverted and then canonical again needs ApplyBlockAt and Round:
// here its spent keys replay, credit nothing and leave the cursor where it
// is.
//
// Refusals: ErrBlock (too many or duplicate transactions), ErrBaseFeeMode,
// ErrBlockParent, ErrBlockReverted, ErrBlockRound, ErrBlockPartial,
// ErrBelowBaseFee, money.ErrOverflow, and the ledger's errors for an
// unknown currency.
func ApplyBlock(b Block, ch Chain) []engine.Op { return ApplyBlockAt(b, ch, 0) }

// ApplyBlockAt is ApplyBlock in a given round (see Round): round 0 is the
// first application, round n the one after the n-th reversal.
func ApplyBlockAt(b Block, ch Chain, round uint64) []engine.Op {
	key := BlockKey(b.Hash) + roundSuffix(round)
	if err := ch.Validate(); err != nil {
		return refuse(key, b.Time, b, err)
	}
	if round > RoundsMax {
		return refuse(key, b.Time, b, errcode.Errorf(ErrBlockRound, "block %d: round %d; at most %d re-applications of one block are supported", b.Number, round, RoundsMax))
	}
	if len(b.Txs) > TxsMax {
		return refuse(key, b.Time, b, errcode.Errorf(ErrBlock, "block %d has %d transactions; at most %d are applied in one batch", b.Number, len(b.Txs), TxsMax))
	}
	ref := BlockRef{Number: b.Number, Hash: b.Hash}
	seen := make(map[Hash]bool, len(b.Txs))
	var ops []engine.Op
	var keys []string
	var hashes []Hash
	for _, tx := range b.Txs {
		if seen[tx.Hash] {
			return refuse(key, b.Time, b, errcode.Errorf(ErrBlock, "block %d lists transaction %s twice", b.Number, tx.Hash.Hex()))
		}
		seen[tx.Hash] = true
		if fee, err := Fee(tx); err == nil && fee.IsZero() {
			continue // zero-fee transactions write nothing
		}
		k := txKey(b.Hash, tx.Hash, round)
		keys = append(keys, k)
		hashes = append(hashes, tx.Hash)
		ops = append(ops, txOp(k, b, ref, tx, ch, round))
	}
	seal := blockOp(key, "block", b.Time, blockInput{BlockRef: ref, Parent: b.Parent, Keys: keys, Currency: ch.Currency, Round: round}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		cur, err := ReadCursor(v)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkLinks(cur, b); err != nil {
			return engine.Change{}, err
		}
		var rec blockRecord
		found, err := s.get(blockKey(b.Hash), &rec)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkRound(rec, found, b, round); err != nil {
			return engine.Change{}, err
		}
		for i, h := range hashes {
			var at appliedTx
			if ok, err := s.get(blockTxKey(b.Hash, h), &at); err != nil {
				return engine.Change{}, err
			} else if !ok {
				return engine.Change{}, errcode.Errorf(ErrBlockPartial, "block %d %s: the entry %s was refused (see its error); the cursor stays at the parent, so the block is retried and never skipped", b.Number, b.Hash.Hex(), keys[i])
			}
		}
		rec = blockRecord{Number: b.Number, Hash: b.Hash, Parent: b.Parent, Txs: hashes, Round: round}
		if rec.Txs == nil {
			rec.Txs = []Hash{}
		}
		s.put(blockKey(b.Hash), rec)
		cur.Blocks = append(cur.Blocks, ref)
		for len(cur.Blocks) > CursorMax {
			// Beyond reorg reach: forget what the oldest block posted.
			if err := s.forget(cur.Blocks[0].Hash); err != nil {
				return engine.Change{}, err
			}
			cur.Blocks = cur.Blocks[1:]
		}
		s.putCursor(cur)
		// The lowest block the watcher may still apply is the oldest
		// block's child: a rewind keeps at least the oldest block.
		if err := s.pruneHistory(cur.Blocks[0].Number + 1); err != nil {
			return engine.Change{}, err
		}
		return engine.Change{Kind: ledger.Config, Ref: "feeshare:block:" + strconv.FormatUint(b.Number, 10), State: s.writes()}, nil
	})
	return append(ops, seal)
}

// owedIn reads what an account owes from its receivable's balance in v,
// which counts the postings of the batch's earlier operations.
func owedIn(v engine.View, currency string) Owed {
	return func(account string) (money.Amount, error) {
		b, err := v.Balance(ReceivableAccount(account), currency)
		if err != nil {
			return money.Zero, err
		}
		if p := b.Posted(); p.Negative {
			return p.Amount, nil
		}
		return money.Zero, nil
	}
}

type blockInput struct {
	BlockRef
	Parent   Hash
	Keys     []string
	Currency string
	Round    uint64 `json:",omitempty"`
}

// txInput is what makes two applications of a transaction the same. The
// base fee and its setting are in it only on a chain that burns it, so
// that the entries of a chain that collects it keep the identity they had
// before the setting existed.
type txInput struct {
	Block    BlockRef
	Parent   Hash
	Tx       Tx
	Currency string
	Burn     string       `json:",omitempty"`
	BaseFee  money.Amount `json:",omitzero"`
}

func txOp(key string, b Block, ref BlockRef, tx Tx, ch Chain, round uint64) engine.Op {
	in := txInput{Block: ref, Parent: b.Parent, Tx: tx, Currency: ch.Currency}
	if ch.burns() {
		in.Burn, in.BaseFee = ch.BaseFee, b.BaseFee
	}
	return blockOp(key, "tx", b.Time, in, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		var head BlockRef
		ok, err := s.get(headKey, &head)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkHead(head, ok, b); err != nil {
			return engine.Change{}, err
		}
		var rec blockRecord
		found, err := s.get(blockKey(b.Hash), &rec)
		if err != nil {
			return engine.Change{}, err
		}
		if err := checkRound(rec, found, b, round); err != nil {
			return engine.Change{}, err
		}
		p, err := ReadParams(v)
		if err != nil {
			return engine.Change{}, err
		}
		var reg *Registration
		if tx.To != nil && tx.Success && p.EnableRevenue {
			rec, err := s.readRecord(*tx.To)
			if err != nil {
				return engine.Change{}, err
			}
			reg = rec.at(b.Number)
		}
		ps, err := TxPostings(p, ch, reg, ref, b.BaseFee, tx, owedIn(v, ch.Currency))
		if err != nil {
			return engine.Change{}, err
		}
		at := appliedTx{Key: key, Postings: make([]appliedPosting, len(ps))}
		for i, p := range ps {
			at.Postings[i] = appliedPosting{From: p.From, To: p.To, Currency: p.Currency, Amount: p.Amount}
		}
		s.put(blockTxKey(b.Hash, tx.Hash), at)
		return engine.Change{Kind: ledger.Transfer, Ref: "feeshare:tx:" + tx.Hash.Hex(), Postings: ps, State: s.writes()}, nil
	})
}

// RevertBlock returns the operation that reverses every posting ApplyBlock
// made for b, with compensating postings (the journal keeps both), and
// moves the cursor back to b's parent. b must be the newest applied block:
// a reorg is undone newest first.
//
// A payee may have withdrawn what the block paid before the reorg (the
// confirmation depth makes it rare, not impossible). Like a chargeback,
// the reversal then takes back what the account still has available and
// books the rest as owed by the payee, to its ReceivableAccount; its next
// fees repay that before anything is credited to it (TxPostings). So a
// reversal is never refused for lack of funds and the watcher goes on.
//
// Refusals: ErrRevertHead, ErrBlockRound.
func RevertBlock(b BlockRef, at time.Time) []engine.Op { return RevertBlockAt(b, at, 0) }

// RevertBlockAt is RevertBlock of the application in round (see Round).
func RevertBlockAt(b BlockRef, at time.Time, round uint64) []engine.Op {
	if round > RoundsMax {
		round = RoundsMax + 1 // refused below; keeps the key short
	}
	return []engine.Op{blockOp(RevertKey(b.Hash)+roundSuffix(round), "revert", at, struct {
		BlockRef
		Round uint64 `json:",omitempty"`
	}{b, round}, func(v engine.View) (engine.Change, error) {
		s := newStateTx(v)
		cur, err := ReadCursor(v)
		if err != nil {
			return engine.Change{}, err
		}
		head, ok := cur.Head()
		if !ok || head != b {
			return engine.Change{}, errcode.Errorf(ErrRevertHead, "block %d %s is not the newest applied block (%d %s); revert newest first", b.Number, b.Hash.Hex(), head.Number, head.Hash.Hex())
		}
		var rec blockRecord
		if ok, err := s.get(blockKey(b.Hash), &rec); err != nil {
			return engine.Change{}, err
		} else if !ok && len(cur.Blocks) == 1 {
			// The parent a full revert left as the head, never applied
			// here: there is nothing to reverse, and the cursor empties so
			// that the chain's new branch applies from wherever it starts.
			s.putCursor(Cursor{Blocks: []BlockRef{}})
			return engine.Change{Kind: ledger.Config, Ref: "feeshare:revert:" + strconv.FormatUint(b.Number, 10), State: s.writes()}, nil
		} else if !ok || rec.Reverted {
			return engine.Change{}, fmt.Errorf("fee-share block %d %s is the head but its record is missing or reverted", b.Number, b.Hash.Hex())
		} else if rec.Round != round {
			return engine.Change{}, errcode.Errorf(ErrBlockRound, "block %d %s is applied in round %d; reverting round %d", b.Number, b.Hash.Hex(), rec.Round, round)
		}
		cb := chargeback{v: v, left: map[ledger.BalanceKey]money.Amount{}}
		for i := len(rec.Txs) - 1; i >= 0; i-- {
			var t appliedTx
			if ok, err := s.get(blockTxKey(b.Hash, rec.Txs[i]), &t); err != nil {
				return engine.Change{}, err
			} else if !ok {
				return engine.Change{}, fmt.Errorf("fee-share block %d %s lost the record of tx %s", b.Number, b.Hash.Hex(), rec.Txs[i].Hex())
			}
			prefix := "feeshare:revert block " + strconv.FormatUint(b.Number, 10) + " " + b.Hash.Hex()[:18] + "… (reorg) → tx " + rec.Txs[i].Hex()
			for _, p := range t.Postings {
				if err := cb.reverse(p, prefix); err != nil {
					return engine.Change{}, err
				}
			}
			// A later round writes its own; a stale one must not stand in
			// for an entry that round fails to make.
			s.del(blockTxKey(b.Hash, rec.Txs[i]))
		}
		ps := cb.ps
		rec.Reverted = true
		s.put(blockKey(b.Hash), rec)
		cur.Blocks = cur.Blocks[:len(cur.Blocks)-1]
		if len(cur.Blocks) == 0 && b.Number > 0 {
			// Keep the parent as the head, so that only its children apply next.
			cur.Blocks = []BlockRef{{Number: b.Number - 1, Hash: rec.Parent}}
		}
		s.putCursor(cur)
		ch := engine.Change{Kind: ledger.Transfer, Ref: "feeshare:revert:" + strconv.FormatUint(b.Number, 10), Postings: ps, State: s.writes()}
		if len(ps) == 0 {
			ch.Kind = ledger.Config
		}
		return ch, nil
	})}
}

// chargeback builds a reversal's postings: each credit goes back from the
// account it reached, as far as the account still has it available; the
// rest is booked as owed, from the account's receivable.
type chargeback struct {
	v    engine.View
	left map[ledger.BalanceKey]money.Amount // available, less what this reversal takes
	ps   []ledger.Posting
}

func (c *chargeback) reverse(p appliedPosting, prefix string) error {
	if ledger.IsExternal(p.To) {
		// The burn account, a receivable repaid: outside, it may go below
		// zero, so it returns all of it.
		c.ps = append(c.ps, ledger.Posting{From: p.To, To: p.From, Currency: p.Currency, Amount: p.Amount, Path: prefix + " → returns " + p.To + "'s credit"})
		return nil
	}
	k := ledger.BalanceKey{Account: p.To, Currency: p.Currency}
	avail, ok := c.left[k]
	if !ok {
		b, err := c.v.Balance(p.To, p.Currency)
		if err != nil {
			return err
		}
		if a := b.Available(); !a.Negative {
			avail = a.Amount
		}
	}
	take := p.Amount
	if avail.Cmp(take) < 0 {
		take = avail
	}
	c.left[k], _ = avail.Sub(take)
	if !take.IsZero() {
		c.ps = append(c.ps, ledger.Posting{From: p.To, To: p.From, Currency: p.Currency, Amount: take, Path: prefix + " → returns " + p.To + "'s credit"})
	}
	if owed, _ := p.Amount.Sub(take); !owed.IsZero() {
		r := ReceivableAccount(p.To)
		c.ps = append(c.ps, ledger.Posting{From: r, To: p.From, Currency: p.Currency, Amount: owed,
			Path: prefix + " → " + p.To + " has " + take.String() + " of its " + p.Amount.String() + " credit left (withdrawn) → the rest is owed: " + r})
	}
	return nil
}
