package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// TestGroup has many goroutines submit through one group: every operation
// gets its own result, refusals stay with their operation, an operating
// failure of one operation does not fail the others, and the books verify.
func TestGroup(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	g := engine.NewGroup(e, 1, 64)
	defer g.Close()
	ctx := context.Background()
	at := time.Unix(0, 0)
	if _, err := g.Apply(ctx, engine.Transfer("fund", at, usd("@world", "pot", 100))); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("disk on fire")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, overdraft, failed := 0, 0, 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op := engine.Transfer(fmt.Sprintf("draw-%d", i), at, usd("pot", "taker", 1))
			if i%50 == 7 {
				op = engine.Op{Key: fmt.Sprintf("bad-%d", i), Run: func(engine.View) (engine.Change, error) { return engine.Change{}, broken }}
			}
			_, err := g.Apply(ctx, op)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errcode.Code(err) == "overdraft":
				overdraft++
			case errors.Is(err, broken):
				failed++
			default:
				t.Errorf("op %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != 100 || overdraft != 96 || failed != 4 {
		t.Errorf("results: %d applied, %d overdraft, %d failed; want 100, 96, 4", ok, overdraft, failed)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// TestGroupBatches has concurrent batch requests share a group's
// transactions: each request gets a result per operation, in its order,
// refusals stay with their operation, a request whose batch fails (one of
// its operations breaks) gets the error and writes nothing, and that fails
// no other request it shared a transaction with.
func TestGroupBatches(t *testing.T) {
	s := openStore(t)
	e := engine.New(s, money.NewRegistry())
	g := engine.NewGroup(e, 1, 64)
	defer g.Close()
	ctx := context.Background()
	at := time.Unix(0, 0)
	if _, err := g.Apply(ctx, engine.Transfer("fund", at, usd("@world", "pot", 100))); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("disk on fire")
	const requests, size = 20, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, overdraft, failed := 0, 0, 0
	for i := 0; i < requests; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops := make([]engine.Op, size)
			for j := range ops {
				ops[j] = engine.Transfer(fmt.Sprintf("draw-%d-%d", i, j), at, usd("pot", "taker", 1))
			}
			if i%10 == 3 {
				ops[5] = engine.Op{Key: fmt.Sprintf("bad-%d", i), Run: func(engine.View) (engine.Change, error) { return engine.Change{}, broken }}
			}
			res, err := g.ApplyBatch(ctx, ops)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if !errors.Is(err, broken) {
					t.Errorf("request %d: %v", i, err)
				}
				failed++
				return
			}
			if len(res) != size {
				t.Errorf("request %d: %d results; want %d", i, len(res), size)
				return
			}
			for j, r := range res {
				switch {
				case r.Err == nil && r.Entry.Key == ops[j].Key:
					ok++
				case errcode.Code(r.Err) == "overdraft":
					overdraft++
				default:
					t.Errorf("request %d op %d: %v, entry %q", i, j, r.Err, r.Entry.Key)
				}
			}
		}()
	}
	wg.Wait()
	if ok != 100 || overdraft != 80 || failed != 2 {
		t.Errorf("results: %d applied, %d overdraft, %d requests failed; want 100, 80, 2", ok, overdraft, failed)
	}
	// The failed requests' draws were never written: sent again, with the
	// pot empty by now, they are refused rather than replayed.
	for _, key := range []string{"draw-3-0", "draw-13-9"} {
		res, err := g.Apply(ctx, engine.Transfer(key, at, usd("pot", "taker", 1)))
		if errcode.Code(err) != "overdraft" || res.Replayed {
			t.Errorf("%s of a failed request sent again: %v, replayed %v; want overdraft", key, err, res.Replayed)
		}
	}
	if _, err := g.ApplyBatch(ctx, make([]engine.Op, engine.BatchMax+1)); errcode.Code(err) != "batch_max" {
		t.Errorf("a batch over BatchMax: %v; want batch_max", err)
	}
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// TestWithdrawalMinimum: below the minimum a withdrawal is refused and the
// balance keeps accruing; at the minimum it goes through; zero clears it.
func TestWithdrawalMinimum(t *testing.T) {
	s := openStore(t)
	reg := money.NewRegistry()
	e := engine.New(s, reg)
	ctx := context.Background()
	at := time.Unix(0, 0)
	steps := []struct {
		op   engine.Op
		code string
	}{
		{engine.Transfer("fund", at, []ledger.Posting{{From: "@world", To: "payee", Currency: "USD", Amount: money.FromUint64(2000)}}), ""},
		{engine.SetWithdrawalMinimum("min", at, "USD", money.FromUint64(1000), reg), ""},
		{engine.WithdrawalRequest("w1", at, "payee", "", "USD", money.FromUint64(999)), "withdrawal_below_minimum"},
		{engine.WithdrawalRequest("w2", at, "payee", "", "USDC", money.FromUint64(1)), "overdraft"}, // no USDC minimum
		{engine.WithdrawalRequest("w3", at, "payee", "", "USD", money.FromUint64(1000)), ""},
		{engine.SetWithdrawalMinimum("min-off", at, "USD", money.Zero, reg), ""},
		{engine.WithdrawalRequest("w4", at, "payee", "", "USD", money.FromUint64(1)), ""},
		{engine.SetWithdrawalMinimum("min-bad", at, "XYZ", money.FromUint64(1), reg), "currency_unknown"},
	}
	for _, st := range steps {
		_, err := e.ApplyOne(ctx, st.op)
		got := ""
		if err != nil {
			got = errcode.Code(err)
		}
		if got != st.code {
			t.Errorf("%s: %v; want %q", st.op.Key, err, st.code)
		}
	}
}
