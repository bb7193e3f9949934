package postgres

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestTwoNodesExactlyOnce: two nodes (two stores, each with its own pool
// and its group commit, on one schema) serve 16 clients each, every
// payment through the hot accounts, half the clients five payments to a
// request (batch requests joining the group commit). Each client sends
// each request to its node and again to the other one, in turn after the first answer or both
// at once, as a client retrying after a timeout does. Every key must give
// one entry, the same one on both nodes; the journal and the outbox must
// be numbered without a gap; the balances must be the journal's sums.
func TestTwoNodesExactlyOnce(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	var nodes [2]*engine.Group
	for i, s := range []*Store{a, b} {
		nodes[i] = engine.NewGroup(engine.New(s, money.NewRegistry()), 1, 256)
		defer nodes[i].Close()
	}
	const clients, each = 16, 20
	at := time.Unix(1700000000, 0)
	var mu sync.Mutex
	seqOf := map[string]uint64{}
	var errs []error
	fail := func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	var wg sync.WaitGroup
	for node := range 2 {
		for c := range clients {
			wg.Go(func() {
				// Odd clients send their payments five to a request,
				// so that batch requests share commits too.
				size := 1 + 4*(c%2)
				for j := 0; j < each; j += size {
					ops := make([]engine.Op, size)
					for k := range ops {
						ops[k] = engine.Transfer(fmt.Sprintf("n%d-c%d-%d", node, c, j+k), at, payment(c*each+j+k))
					}
					var res [2][]engine.Result
					var errOf [2]error
					if j%2 == 0 {
						res[0], errOf[0] = nodes[node].ApplyBatch(ctx, ops)
						res[1], errOf[1] = nodes[1-node].ApplyBatch(ctx, ops)
					} else {
						var both sync.WaitGroup
						for k := range 2 {
							both.Go(func() { res[k], errOf[k] = nodes[(node+k)%2].ApplyBatch(ctx, ops) })
						}
						both.Wait()
					}
					if errOf[0] != nil || errOf[1] != nil {
						fail(fmt.Errorf("%s: %v, %v", ops[0].Key, errOf[0], errOf[1]))
						continue
					}
					for k, op := range ops {
						r0, r1 := res[0][k], res[1][k]
						if r0.Err != nil || r1.Err != nil || r0.Entry.Seq != r1.Entry.Seq || r0.Replayed == r1.Replayed {
							fail(fmt.Errorf("%s: entries %d (replayed %v, %v) and %d (replayed %v, %v); want one entry, once new and once replayed",
								op.Key, r0.Entry.Seq, r0.Replayed, r0.Err, r1.Entry.Seq, r1.Replayed, r1.Err))
						}
						mu.Lock()
						seqOf[op.Key] = r0.Entry.Seq
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	const n = 2 * clients * each
	ents, err := a.Journal(ctx, 0, 2*n)
	if err != nil || len(ents) != n {
		t.Fatalf("journal: %d entries, %v; want %d", len(ents), err, n)
	}
	for i, e := range ents {
		if e.Seq != uint64(i+1) || seqOf[e.Key] != e.Seq {
			t.Fatalf("entry %d: seq %d key %s, answered as %d; want seq %d, answered so", i, e.Seq, e.Key, seqOf[e.Key], i+1)
		}
	}
	evs, err := b.Events(ctx, 0, 2*n)
	if err != nil || len(evs) != n {
		t.Fatalf("events: %d, %v; want %d", len(evs), err, n)
	}
	for i, ev := range evs {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}
	rep, err := engine.Verify(ctx, b)
	if err != nil || rep.Entries != n {
		t.Errorf("Verify: %+v, %v; want %d entries and the balances the journal sums to", rep, err, n)
	}
	bals, err := a.AccountBalances(ctx, "treasury")
	if err != nil || len(bals) != 1 || bals[0].CreditsPosted != money.FromUint64(n*250) {
		t.Errorf("treasury: %+v, %v; want %d cents", bals, err, n*250)
	}
}

// payment is the load generator's: buyer i of 10,000 pays 100.00 USD,
// 2.50 to the treasury and the rest 70/20/10 to three hot sellers.
func payment(i int) []ledger.Posting {
	buyer := fmt.Sprintf("@buyer:%d", i%10000)
	usd := func(to string, cents uint64) ledger.Posting {
		return ledger.Posting{From: buyer, To: to, Currency: "USD", Amount: money.FromUint64(cents), Path: "payment → " + to}
	}
	return []ledger.Posting{usd("seller:0", 6825), usd("seller:1", 1950), usd("seller:2", 975), usd("treasury", 250)}
}

// TestCachedBalancesSeeOtherNodes: each node keeps the balances it wrote
// in memory and skips reading them while no one else wrote; a payment by
// the other node in between must be seen, or the next commit would write
// balances that miss it (an overdraft let through, money made up). Node a
// pays from one buyer's funds, b spends most of them, then a tries to
// spend more than is left.
func TestCachedBalancesSeeOtherNodes(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t)
	ea, eb := engine.New(a, money.NewRegistry()), engine.New(b, money.NewRegistry())
	at := time.Unix(1700000000, 0)
	move := func(e *engine.Engine, key, from, to string, cents uint64) error {
		res, err := e.Apply(ctx, []engine.Op{engine.Transfer(key, at, []ledger.Posting{{From: from, To: to, Currency: "USD", Amount: money.FromUint64(cents)}})})
		if err != nil {
			return err
		}
		return res[0].Err
	}
	steps := []struct {
		e        *engine.Engine
		key      string
		from, to string
		cents    uint64
		refused  bool
	}{
		{ea, "fund", "@world", "buyer", 1000, false},
		{ea, "a1", "buyer", "seller", 100, false}, // a caches buyer at 900
		{eb, "b1", "buyer", "seller", 800, false}, // b leaves 100
		{ea, "a2", "buyer", "seller", 200, true},
		{ea, "a3", "buyer", "seller", 100, false}, // exactly what is left
		{eb, "b2", "buyer", "seller", 1, true},
	}
	for _, st := range steps {
		err := move(st.e, st.key, st.from, st.to, st.cents)
		if (err != nil) != st.refused {
			t.Fatalf("%s: %v; want refused %v", st.key, err, st.refused)
		}
	}
	for _, s := range []*Store{a, b} {
		bals, err := s.AccountBalances(ctx, "seller")
		if err != nil || len(bals) != 1 || bals[0].CreditsPosted != money.FromUint64(1000) {
			t.Errorf("seller: %+v, %v; want 1000 cents", bals, err)
		}
	}
	if _, err := engine.Verify(ctx, b); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

// twoNodes opens two stores on one fresh schema, as two nodes of one
// deployment are; it skips without TRIBUTARY_POSTGRES_URL.
func twoNodes(t *testing.T) (a, b *Store) {
	t.Helper()
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		t.Skip("TRIBUTARY_POSTGRES_URL is not set")
	}
	a, schemaURL, cleanup, err := OpenFresh(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanup() })
	b, err = Open(context.Background(), schemaURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}
