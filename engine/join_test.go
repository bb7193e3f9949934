package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// countingStore counts transactions. It makes the first fail of them run
// to the end and then lose a race (ErrRetry), as a conflict at commit
// would, and the first failInside lose one when they lock balances for the
// second time (a batch's first joiner, below), as a deadlock would. Its
// transactions look keys up but do not promise to refuse used
// ones, so the engine looks every batch's keys up first, and a replay
// among the joiners costs no transaction of its own (see TestGuessedKeys).
type countingStore struct {
	engine.Store
	updates, fail, failInside int
}

var errLost = errors.New("lost the race at commit")

// flakyTx fails its second LockBalances with ErrRetry.
type flakyTx struct {
	keysTx
	locks int
}

func (f *flakyTx) LockBalances(ctx context.Context, keys []ledger.BalanceKey) ([]ledger.Balance, error) {
	if f.locks++; f.locks == 2 {
		return nil, fmt.Errorf("%w: deadlock", engine.ErrRetry)
	}
	return f.Tx.LockBalances(ctx, keys)
}

// keysTx hides that a transaction refuses used keys.
type keysTx struct{ engine.Tx }

func (keysTx) UniqueKeys() bool { return false }

func (c *countingStore) Update(ctx context.Context, fn func(engine.Tx) error) error {
	c.updates++
	if c.failInside > 0 {
		c.failInside--
		return c.Store.Update(ctx, func(tx engine.Tx) error { return fn(&flakyTx{keysTx: keysTx{tx}}) })
	}
	if c.fail > 0 {
		c.fail--
		err := c.Store.Update(ctx, func(tx engine.Tx) error {
			if err := fn(keysTx{tx}); err != nil {
				return err
			}
			return errLost // roll back what fn wrote
		})
		if !errors.Is(err, errLost) {
			return err
		}
		return fmt.Errorf("%w: %w", engine.ErrRetry, err)
	}
	return c.Store.Update(ctx, func(tx engine.Tx) error { return fn(keysTx{tx}) })
}

// TestApplyJoin: operations that join a running batch get their own
// results, in order after the batch's, and commit in the same transaction;
// a joiner reusing a key the batch or the journal has is a replay, a
// refused joiner leaves the rest alone, join is asked no more once it has
// nothing, and a transaction run again runs its joiners again, whether it
// lost its race at commit or while a joiner ran.
func TestApplyJoin(t *testing.T) {
	for _, tc := range []struct {
		name             string
		fail, failInside int
		extraAsks        int // join asked again by the transaction run again
	}{{"won", 0, 0, 0}, {"lost at commit", 1, 0, 1}, {"lost in a joiner", 0, 1, 0}} {
		fail := tc.fail + tc.failInside
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			cs := &countingStore{Store: s}
			e := engine.New(cs, money.NewRegistry())
			ctx := context.Background()
			at := time.Unix(0, 0)
			if _, err := e.ApplyOne(ctx, engine.Transfer("old", at, usd("@world", "pot", 10))); err != nil {
				t.Fatal(err)
			}
			cs.updates, cs.fail, cs.failInside = 0, tc.fail, tc.failInside

			rounds := [][]engine.Op{
				{engine.Transfer("b", at, usd("pot", "x", 4)), engine.Transfer("a", at, usd("@world", "pot", 1))},      // "a" again: replay of the batch's own
				{engine.Transfer("old", at, usd("@world", "pot", 10)), engine.Transfer("c", at, usd("pot", "x", 100))}, // replay of the journal's; overdraft
				{engine.Transfer("d", at, usd("pot", "y", 7))},
			}
			asked, rooms := 0, []int{}
			join := func(room int) []engine.Op {
				rooms = append(rooms, room)
				asked++
				if asked > len(rounds) {
					return nil
				}
				return rounds[asked-1]
			}
			res, err := e.ApplyJoin(ctx, []engine.Op{engine.Transfer("a", at, usd("@world", "pot", 1))}, join)
			if err != nil {
				t.Fatal(err)
			}
			type want struct {
				key      string
				replayed bool
				code     string
			}
			wants := []want{{"a", false, ""}, {"b", false, ""}, {"a", true, ""}, {"old", true, ""}, {"c", false, "overdraft"}, {"d", false, ""}}
			if len(res) != len(wants) {
				t.Fatalf("%d results; want %d", len(res), len(wants))
			}
			var seqs []uint64
			for i, w := range wants {
				got := res[i]
				code := ""
				if got.Err != nil {
					code = errcode.Code(got.Err)
				}
				if code != w.code || got.Replayed != w.replayed {
					t.Errorf("result %d: err %v replayed %v; want code %q replayed %v", i, got.Err, got.Replayed, w.code, w.replayed)
				}
				if w.code == "" && got.Entry.Key != w.key {
					t.Errorf("result %d: entry %q; want %q", i, got.Entry.Key, w.key)
				}
				if w.code == "" && !w.replayed {
					seqs = append(seqs, got.Entry.Seq)
				}
			}
			if res[2].Entry.Seq != res[0].Entry.Seq || res[3].Entry.Seq != 1 {
				t.Errorf("replays answer entries %d and %d; want %d and 1", res[2].Entry.Seq, res[3].Entry.Seq, res[0].Entry.Seq)
			}
			// One transaction committed the batch and its joiners: their
			// entries are numbered one after another from the first.
			if fmt.Sprint(seqs) != "[2 3 4]" {
				t.Errorf("new entries numbered %v; want [2 3 4]", seqs)
			}
			if cs.updates != 1+fail {
				t.Errorf("%d transactions; want %d", cs.updates, 1+fail)
			}
			// Once per round, and once more to hear there is nothing; a
			// transaction run again asks again (its joiners are kept).
			if wantAsked := len(rounds) + 1 + tc.extraAsks; asked != wantAsked {
				t.Errorf("join asked %d times; want %d", asked, wantAsked)
			}
			if rooms[0] != engine.BatchMax-1 || rooms[1] != engine.BatchMax-3 {
				t.Errorf("room offered %v; want %d then %d first", rooms, engine.BatchMax-1, engine.BatchMax-3)
			}
			for _, c := range []struct {
				acct string
				want uint64
			}{{"pot", 10 + 1 - 4 - 7}, {"x", 4}, {"y", 7}} {
				bs, err := s.AccountBalances(ctx, c.acct)
				if err != nil || len(bs) != 1 {
					t.Fatalf("%s: %+v, %v", c.acct, bs, err)
				}
				if net, err := bs[0].CreditsPosted.Sub(bs[0].DebitsPosted); err != nil || net != money.FromUint64(c.want) {
					t.Errorf("%s holds %v (%v); want %d", c.acct, net, err, c.want)
				}
			}
			if _, err := engine.Verify(ctx, s); err != nil {
				t.Fatal(err)
			}
		})
	}
}
