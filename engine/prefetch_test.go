package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// lockCounter counts the reads that lock balances, and the keys they ask
// for.
type lockCounter struct {
	engine.Store
	locks, keys int
}

type lockCountedTx struct {
	engine.Tx
	c *lockCounter
}

func (t lockCountedTx) LockBalances(ctx context.Context, keys []ledger.BalanceKey) ([]ledger.Balance, error) {
	t.c.locks++
	t.c.keys += len(keys)
	return t.Tx.LockBalances(ctx, keys)
}

func (c *lockCounter) Update(ctx context.Context, fn func(engine.Tx) error) error {
	return c.Store.Update(ctx, func(tx engine.Tx) error { return fn(lockCountedTx{tx, c}) })
}

// TestPrefetch: a batch of transfers locks all their balances in one read
// (each once), joiners' in one more per join round, while an operation
// whose rule decides its postings locks its own as it runs; the results
// are those of operations run one by one.
func TestPrefetch(t *testing.T) {
	lc := &lockCounter{Store: openStore(t)}
	e := engine.New(lc, money.NewRegistry())
	ctx := context.Background()
	at := time.Unix(0, 0)
	var ops []engine.Op
	for i := range 10 {
		ops = append(ops, engine.Transfer(fmt.Sprintf("t%d", i), at, usd(fmt.Sprintf("@buyer:%d", i), "seller", 10)))
	}
	ruled := engine.Transfer("ruled", at, usd("seller", "other", 25))
	ruled.Postings = nil // as a program's operation: postings known once it runs
	joined := false
	res, err := e.ApplyJoin(ctx, append(ops, ruled), func(int) []engine.Op {
		if joined {
			return nil
		}
		joined = true
		return []engine.Op{engine.Transfer("late", at, usd("@buyer:late", "seller", 1)), engine.Transfer("over", at, usd("other", "x", 26))}
	})
	if err != nil {
		t.Fatal(err)
	}
	// 10 buyers and the seller; the rule's other (seller is loaded); the
	// joiners' late buyer, other (loaded) and x.
	if lc.locks != 3 || lc.keys != 11+1+2 {
		t.Errorf("%d lock reads of %d keys; want 3 of 14", lc.locks, lc.keys)
	}
	for i, r := range res[:12] {
		if r.Err != nil || r.Entry.Seq != uint64(i+1) {
			t.Errorf("op %d: entry %d, %v; want entry %d", i, r.Entry.Seq, r.Err, i+1)
		}
	}
	if len(res) != 13 || res[12].Err == nil {
		t.Errorf("%d results, the last refused: %v; want 13, the overdraft refused", len(res), res[len(res)-1].Err)
	}
}
