package storetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/internal/rusage"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// Shape of the commit benchmark's workload.
const (
	// BenchPayees is the pool of internal payee accounts the payments are
	// split between; each product pays a fixed triple of them.
	BenchPayees = 1000
	// BenchProducts is the number of distinct products (and so of payee
	// triples and explanation paths).
	BenchProducts = 5000
	// BenchBuyers is the pool of external buyer accounts.
	BenchBuyers = 100000
	// BenchFeeAccount receives the platform's fee from every payment.
	BenchFeeAccount = "platform:fee"
)

// benchRun makes idempotency keys unique across calls that share a store.
var benchRun atomic.Int64

// BenchCommits measures durable commits of payment entries through the
// engine: each entry has 4 postings in USDC, a payment from an external
// buyer split three ways between payees (50/30/20 of what is left after
// the fee) plus a 2.5% platform fee.
//
// One benchmark op is one entry: ns/op is the wall time per committed
// entry (across all writers), allocs/op and B/op are per entry, and the
// entries/s metric is b.N over the elapsed time; cpu-µs/entry is the
// process's CPU time (all threads, garbage collection included) per entry,
// steadier than wall time when other work shares the machine. batch <= 1 commits every
// entry in its own transaction with ApplyOne; otherwise each writer sends
// its entries in Apply calls of batch operations. writers goroutines
// share b.N between them, each with its own operations and keys.
//
// The store must be fresh: after the timer stops the journal is verified
// and its length checked. Before the timer starts every payee and the fee
// account get a balance row, so that the timed commits update existing
// balances as they would in a running ledger. The
// retries/txn metric counts transactions the engine ran again because they
// lost a race (deadlock, serialization failure, busy database).
func BenchCommits(b *testing.B, s Store, batch, writers int) {
	b.Helper()
	if writers < 1 {
		writers = 1
	}
	ctx := context.Background()
	cs := &countingStore{Store: s}
	e := engine.New(cs, money.NewRegistry())
	run := benchRun.Add(1)

	benchWarmUp(b, e, run)

	// Build every operation before timing: hashing the request body is the
	// API's work, not the commit's.
	per := make([][]engine.Op, writers)
	for w := range per {
		n := b.N / writers
		if w < b.N%writers {
			n++
		}
		per[w] = make([]engine.Op, n)
		for i := range per[w] {
			per[w][i] = BenchPayment(run, w, i)
		}
	}
	cs.updates.Store(0)
	var txns atomic.Int64

	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := rusage.CPU()
	var wg sync.WaitGroup
	for w := range per {
		wg.Add(1)
		go func(ops []engine.Op) {
			defer wg.Done()
			if err := benchWrite(ctx, e, ops, batch, &txns); err != nil {
				b.Error(err)
			}
		}(per[w])
	}
	wg.Wait()
	b.StopTimer()
	if cpu := rusage.CPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/entry")
	}

	if el := b.Elapsed().Seconds(); el > 0 {
		b.ReportMetric(float64(b.N)/el, "entries/s")
	}
	if t := txns.Load(); t > 0 {
		b.ReportMetric(float64(cs.updates.Load()-t)/float64(t), "retries/txn")
	}
	if b.Failed() {
		return
	}
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		b.Fatalf("Verify after %d entries: %v", b.N, err)
	}
	if want := uint64(b.N + benchWarmEntries); rep.Entries != want {
		b.Fatalf("journal has %d entries; want %d", rep.Entries, want)
	}
}

func benchWrite(ctx context.Context, e *engine.Engine, ops []engine.Op, batch int, txns *atomic.Int64) error {
	if batch <= 1 {
		for _, op := range ops {
			txns.Add(1)
			if _, err := e.ApplyOne(ctx, op); err != nil {
				return fmt.Errorf("ApplyOne(%s): %w", op.Key, err)
			}
		}
		return nil
	}
	for start := 0; start < len(ops); start += batch {
		part := ops[start:min(start+batch, len(ops))]
		txns.Add(1)
		res, err := e.Apply(ctx, part)
		if err != nil {
			return fmt.Errorf("applying %d ops from %s: %w", len(part), part[0].Key, err)
		}
		for i, r := range res {
			if r.Err != nil || r.Replayed {
				return fmt.Errorf("applying op %s: replayed %v, error %v", part[i].Key, r.Replayed, r.Err)
			}
		}
	}
	return nil
}

// benchWarmEntries is how many entries benchWarmUp commits: enough for
// every payee to appear in one.
const benchWarmEntries = (BenchPayees + 2) / 3

// benchWarmUp gives every payee and the fee account a balance row.
func benchWarmUp(b *testing.B, e *engine.Engine, run int64) {
	b.Helper()
	ops := make([]engine.Op, 0, benchWarmEntries)
	for i := 0; i < benchWarmEntries; i++ {
		a, c, d := (3*i)%BenchPayees, (3*i+1)%BenchPayees, (3*i+2)%BenchPayees
		ops = append(ops, benchOp(fmt.Sprintf("bench:%d:warm:%d", run, i), benchTime(i), "@buyer:warm", "product:warm", [3]int{a, c, d}, 1_000_000))
	}
	res, err := e.Apply(context.Background(), ops)
	if err != nil {
		b.Fatalf("warming up: %v", err)
	}
	for _, r := range res {
		if r.Err != nil {
			b.Fatalf("warming up: %v", r.Err)
		}
	}
}

var benchT0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func benchTime(i int) time.Time { return benchT0.Add(time.Duration(i) * time.Millisecond) }

// mix64 is SplitMix64's finalizer: a cheap, deterministic scatter.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// BenchPayee returns the name of payee i of the pool.
func BenchPayee(i int) string { return fmt.Sprintf("payee:%04d", i) }

// BenchProductPayees returns product p's payee triple: three distinct
// payees of the pool, fixed per product.
func BenchProductPayees(p int) [3]int {
	h := mix64(uint64(p) ^ 0x5eed)
	a := int(h % BenchPayees)
	d1 := 1 + int((h>>16)%(BenchPayees-1))
	d2 := 1 + int((h>>32)%(BenchPayees-2))
	if d2 >= d1 {
		d2++
	}
	return [3]int{a, (a + d1) % BenchPayees, (a + d2) % BenchPayees}
}

// BenchPayment returns writer w's i-th payment of benchmark run run: a
// deterministic buyer, product and price ($0.25 to $50.00 in USDC), and a
// unique idempotency key.
func BenchPayment(run int64, w, i int) engine.Op {
	h := mix64(uint64(run)<<48 ^ uint64(w)<<32 ^ uint64(i))
	buyer := "@buyer:" + strconv.Itoa(int(h%BenchBuyers))
	product := int((h >> 20) % BenchProducts)
	price := (1 + (h>>40)%200) * 250_000 // USDC has 6 decimals
	key := "bench:" + strconv.FormatInt(run, 10) + ":w" + strconv.Itoa(w) + ":" + strconv.Itoa(i)
	return benchOp(key, benchTime(i), buyer, "product:"+strconv.Itoa(product), BenchProductPayees(product), price)
}

func benchOp(key string, at time.Time, buyer, product string, payees [3]int, price uint64) engine.Op {
	fee := price * 25 / 1000
	rest := price - fee
	s0, s1 := rest*50/100, rest*30/100
	s2 := rest - s0 - s1
	return engine.Transfer(key, at, BenchPostings(buyer, product, payees, [4]uint64{s0, s1, s2, fee}))
}

// BenchPostings returns the 4 postings of one payment: three shares and a
// fee, with explanation paths like the programs write.
func BenchPostings(buyer, product string, payees [3]int, units [4]uint64) []ledger.Posting {
	usdc := money.USDC.Code
	return []ledger.Posting{
		{From: buyer, To: BenchPayee(payees[0]), Currency: usdc, Amount: money.FromUint64(units[0]), Path: product + " → split 50% → " + BenchPayee(payees[0])},
		{From: buyer, To: BenchPayee(payees[1]), Currency: usdc, Amount: money.FromUint64(units[1]), Path: product + " → split 30% → " + BenchPayee(payees[1])},
		{From: buyer, To: BenchPayee(payees[2]), Currency: usdc, Amount: money.FromUint64(units[2]), Path: product + " → split 20% → " + BenchPayee(payees[2])},
		{From: buyer, To: BenchFeeAccount, Currency: usdc, Amount: money.FromUint64(units[3]), Path: product + " → fee 2.5%"},
	}
}

// countingStore counts transactions, so that the benchmark can tell how
// many the engine had to run again.
type countingStore struct {
	Store
	updates atomic.Int64
}

func (c *countingStore) Update(ctx context.Context, fn func(engine.Tx) error) error {
	c.updates.Add(1)
	return c.Store.Update(ctx, fn)
}
