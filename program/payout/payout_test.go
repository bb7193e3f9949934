package payout_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

type env struct {
	st  *sqlstore.Store // the reads
	eng *engine.Engine
	n   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{st: st.Store, eng: engine.New(st, money.NewRegistry())}
}

// eachStore runs f on SQLite, and on PostgreSQL when
// TRIBUTARY_POSTGRES_URL is set: a batch selects through the store's
// range reads, locked on PostgreSQL.
// (fresh makes a new, empty store each time).
func eachStore(t *testing.T, f func(t *testing.T, fresh func() *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, func() *env { return newEnv(t) }) })
	url := os.Getenv("TRIBUTARY_POSTGRES_URL")
	if url == "" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		f(t, func() *env {
			st, _, cleanup, err := postgres.OpenFresh(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cleanup() })
			return &env{st: st.Store, eng: engine.New(st, money.NewRegistry())}
		})
	})
}

func (e *env) key() string { e.n++; return fmt.Sprintf("k-%d", e.n) }

func (e *env) try(op engine.Op) (ledger.Entry, error) {
	res, err := e.eng.ApplyOne(context.Background(), op)
	return res.Entry, err
}

func (e *env) apply(t *testing.T, op engine.Op) ledger.Entry {
	t.Helper()
	ent, err := e.try(op)
	if err != nil {
		t.Fatalf("%s: %v", op.Key, err)
	}
	return ent
}

func (e *env) pay(t *testing.T, account string, units uint64) {
	t.Helper()
	e.apply(t, engine.Transfer(e.key(), t0, []ledger.Posting{{From: "@world", To: account, Currency: "USD", Amount: money.FromUint64(units), Path: "test"}}))
}

func (e *env) dest(t *testing.T, account, dest string) {
	t.Helper()
	e.apply(t, payout.SetDestination(e.key(), t0, account, dest))
}

type view struct {
	st *sqlstore.Store
}

func (v view) State(key string) ([]byte, bool, error) {
	return v.st.State(context.Background(), payout.Program, key)
}
func (v view) Withdrawal(id string) (ledger.Withdrawal, bool, error) {
	w, err := v.st.Withdrawal(context.Background(), id)
	return w, err == nil, nil
}
func (v view) Balance(a, c string) (ledger.Balance, error) { return ledger.Balance{}, nil }

func (e *env) run(sel payout.Selection) (payout.Batch, error) {
	ctx := context.Background()
	bals, err := e.st.BalancesFiltered(ctx, ledger.BalanceFilter{Currency: sel.Currency, Prefix: sel.Prefix, Limit: 10000})
	if err != nil {
		return payout.Batch{}, err
	}
	page, err := e.st.StatePage(ctx, payout.Program, "destination/", "", 10000)
	if err != nil {
		return payout.Batch{}, err
	}
	dests := map[string]payout.Destination{}
	for _, sv := range page {
		var d payout.Destination
		if err := json.Unmarshal(sv.Value, &d); err != nil {
			return payout.Batch{}, err
		}
		dests[d.Account] = d
	}
	// The batch selects in its transaction; Select over the committed
	// balances and destinations says what it must have selected.
	want, _ := payout.Select(sel, bals, dests)
	ent, err := e.try(payout.RunSelected(e.key(), t0, sel))
	if err != nil {
		return payout.Batch{}, err
	}
	var id uint64
	fmt.Sscanf(ent.Ref, "payout:%d", &id)
	b, err := payout.ReadBatch(view{e.st}, id)
	if err != nil {
		return b, err
	}
	return b, sameLines(b, want, e)
}

// unhinted is op without its postings known in advance (Op.Postings),
// which the engine would lock at the transaction's start.
func unhinted(op engine.Op) engine.Op {
	op.Postings = nil
	return op
}

// sameLines checks that b's lines are the candidates', in order.
func sameLines(b payout.Batch, want []payout.Candidate, e *env) error {
	lines, err := payout.ReadLines(view{e.st}, b)
	if err != nil {
		return err
	}
	if len(lines) != len(want) {
		return fmt.Errorf("batch %d has %d lines; Select selects %d", b.ID, len(lines), len(want))
	}
	for i, l := range lines {
		c := want[i]
		if l.Account != c.Account || l.Destination != c.Destination.Destination || string(l.Amount) != c.Amount.String() {
			return fmt.Errorf("line %d = %+v; Select selects %+v", i+1, l, c)
		}
	}
	return nil
}

// TestSelectedInTransaction: a batch selects the balances and
// destinations as its own transaction sees them, the writes of earlier
// operations in the same engine batch included (a payee paid, a
// destination set, one removed, a new account funded and registered),
// and later operations of that batch change the balances it read; so no
// balance can change between selection and reservation; a replay
// under the key answers the first batch, whatever changed since.
func TestSelectedInTransaction(t *testing.T) {
	eachStore(t, selectedInTransaction)
}

func selectedInTransaction(t *testing.T, fresh func() *env) {
	e := fresh()
	for i, acct := range []string{"a:1", "a:2", "a:3"} {
		e.pay(t, acct, uint64(100*(i+1)))
		e.dest(t, acct, fmt.Sprintf("@bank:%d", i+1))
	}
	fund := func(acct string, units uint64) engine.Op {
		return engine.Transfer(e.key(), t0, []ledger.Posting{{From: "@world", To: acct, Currency: "USD", Amount: money.FromUint64(units), Path: "test"}})
	}
	key := e.key()
	ops := []engine.Op{
		fund("a:1", 50),
		payout.SetDestination(e.key(), t0, "a:2", "@psp:two"),
		payout.RemoveDestination(e.key(), t0, "a:3"),
		fund("a:4", 400),
		payout.SetDestination(e.key(), t0, "a:4", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"),
		payout.RunSelected(key, t0, usd),
		// After the batch, in its transaction: balances it read (ops
		// whose postings the engine does not know before they run, so
		// it finds them among the balances the batch loaded).
		unhinted(fund("a:2", 5)),
		unhinted(fund("a:3", 1)),
	}
	res, err := e.eng.Apply(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil || r.Replayed {
			t.Fatalf("%s: %v", r.Entry.Key, r.Err)
		}
	}
	b, err := payout.ReadBatch(view{e.st}, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := t0
	want := []payout.Candidate{
		{Account: "a:1", Destination: payout.Destination{Account: "a:1", Destination: "@bank:1", Rail: payout.RailBank, Set: at}, Amount: money.FromUint64(150)},
		{Account: "a:2", Destination: payout.Destination{Account: "a:2", Destination: "@psp:two", Rail: payout.RailBank, Set: at}, Amount: money.FromUint64(200)},
		{Account: "a:4", Destination: payout.Destination{Account: "a:4", Destination: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", Rail: payout.RailChain, Set: at}, Amount: money.FromUint64(400)},
	}
	if err := sameLines(b, want, e); err != nil {
		t.Fatal(err)
	}
	if b.Total != "750" || b.ChainLines != 1 {
		t.Errorf("batch = %+v; want 750 over 3 lines, 1 on chain", b)
	}
	for acct, avail := range map[string]string{"a:1": "0", "a:2": "5", "a:3": "301", "a:4": "0"} {
		if got := e.available(t, acct); got != avail {
			t.Errorf("%s available after the batch = %s; want %s", acct, got, avail)
		}
	}
	e.pay(t, "a:3", 1000)
	first := res[5].Entry
	again, err := e.eng.ApplyOne(context.Background(), payout.RunSelected(key, t0, usd))
	if err != nil || !again.Replayed || again.Entry.Seq != first.Seq || again.Entry.Ref != first.Ref {
		t.Errorf("replay = %+v, %v; want entry %d replayed", again.Entry, err, first.Seq)
	}
	if _, err := engine.Verify(context.Background(), e.st); err != nil {
		t.Error(err)
	}
}

func (e *env) available(t *testing.T, account string) string {
	t.Helper()
	bals, err := e.st.AccountBalances(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bals {
		if b.Currency == "USD" {
			return b.Available().String()
		}
	}
	return "0"
}

func wantCode(t *testing.T, what string, err error, code *errcode.Error) {
	t.Helper()
	if errcode.Code(err) != code.Code() {
		t.Fatalf("%s: %v; want %s", what, err, code.Code())
	}
}

var usd = payout.Selection{Currency: "USD", Minimum: money.FromUint64(100)}

// TestBankBatch: a batch reserves exactly the selected balances; a payee
// whose balance changes while the batch is open is paid what was
// reserved; a failed line voids that line only; results are refused for
// unknown or resolved lines; the batch settles when no line is pending.
func TestBankBatch(t *testing.T) {
	e := newEnv(t)
	_, err := e.run(usd)
	wantCode(t, "a batch with nothing", err, payout.ErrEmpty)
	e.pay(t, "a:1", 500)
	e.pay(t, "a:2", 300)
	e.pay(t, "a:3", 99) // below the minimum
	e.pay(t, "b:1", 700)
	_, err = e.run(usd)
	wantCode(t, "no destination", err, payout.ErrEmpty)
	if !strings.Contains(err.Error(), "3 such balances lack one") {
		t.Errorf("empty batch's message %q does not count the 3 balances without a destination", err)
	}
	e.dest(t, "a:1", "@bank:a1")
	e.dest(t, "a:2", "@psp:a2")
	e.dest(t, "a:3", "@bank:a3")
	e.dest(t, "b:1", "@bank:b1")
	b, err := e.run(payout.Selection{Currency: "USD", Minimum: money.FromUint64(100), Prefix: "a:"})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != 1 || b.Lines != 2 || b.Total != "800" || b.State != payout.StateOpen {
		t.Fatalf("batch = %+v; want batch 1 of 2 lines, 800", b)
	}
	_, err = e.run(usd)
	wantCode(t, "a second open batch", err, payout.ErrOpen)
	// The balance changes while the batch is open: the line still pays
	// what was reserved, the rest stays available.
	e.pay(t, "a:1", 50)
	if got := e.available(t, "a:1"); got != "50" {
		t.Errorf("a:1 available while open = %s; want 50", got)
	}
	_, err = e.try(payout.Results(e.key(), t0, 1, payout.ResultPaid, []string{"payout-1-1"}))
	wantCode(t, "results before publishing", err, payout.ErrState)
	e.apply(t, payout.Publish(e.key(), t0, 1, nil))
	_, err = e.try(payout.Cancel(e.key(), t0, 1))
	wantCode(t, "cancelling a published batch", err, payout.ErrState)
	for _, bad := range [][]string{{"payout-1-9"}, {"payout-2-1"}, {"payout-1-1", "payout-1-1"}, nil} {
		_, err = e.try(payout.Results(e.key(), t0, 1, payout.ResultPaid, bad))
		wantCode(t, fmt.Sprintf("results for %v", bad), err, payout.ErrLine)
	}
	_, err = e.try(payout.Results(e.key(), t0, 1, "maybe", []string{"payout-1-1"}))
	wantCode(t, "an unknown result", err, payout.ErrResult)
	k := e.key()
	e.apply(t, payout.Results(k, t0, 1, payout.ResultPaid, []string{"payout-1-1"}))
	if _, err := e.try(payout.Results(k, t0, 1, payout.ResultPaid, []string{"payout-1-1"})); err != nil {
		t.Errorf("results replayed under their key: %v", err)
	}
	_, err = e.try(payout.Results(e.key(), t0, 1, payout.ResultFailed, []string{"payout-1-1"}))
	wantCode(t, "a resolved line", err, payout.ErrLine)
	e.apply(t, payout.Results(e.key(), t0, 1, payout.ResultFailed, []string{"payout-1-2"}))
	if got, want := e.available(t, "a:1")+"/"+e.available(t, "a:2"), "50/300"; got != want {
		t.Errorf("available after a:1 paid and a:2 failed = %s; want %s", got, want)
	}
	if got := e.available(t, "@payout:bank"); got != "500" {
		t.Errorf("@payout:bank received %s; want 500 (a:1 paid)", got)
	}
	b, _ = payout.ReadBatch(view{e.st}, 1)
	if b.State != payout.StateSettled || b.Paid != 1 || b.Failed != 1 || b.Pending != 0 {
		t.Errorf("batch after results = %+v; want settled, 1 paid, 1 failed", b)
	}
	if _, err := engine.Verify(context.Background(), e.st); err != nil {
		t.Error(err)
	}
}

// TestCancel: cancelling an open batch voids every line, the money is
// available again, and the next claims tree builds on the tree before.
func TestCancel(t *testing.T) {
	e := newEnv(t)
	e.pay(t, "a:1", 500)
	e.pay(t, "a:2", 300)
	e.dest(t, "a:1", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4")
	e.dest(t, "a:2", "@bank:a2")
	b1, err := e.run(usd)
	if err != nil {
		t.Fatal(err)
	}
	e.apply(t, payout.Publish(e.key(), t0, b1.ID, nil))
	e.pay(t, "a:1", 200)
	e.pay(t, "a:2", 100)
	b2, err := e.run(usd)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Root == b1.Root || b2.TreeTotal != "700" {
		t.Fatalf("batch 2 = %+v; want a:1's cumulative leaf 700", b2)
	}
	e.apply(t, payout.Cancel(e.key(), t0, b2.ID))
	if got := e.available(t, "a:1") + "/" + e.available(t, "a:2"); got != "200/100" {
		t.Errorf("available after cancelling = %s; want 200/100", got)
	}
	b2, _ = payout.ReadBatch(view{e.st}, b2.ID)
	if b2.State != payout.StateCancelled || b2.Voided != 2 || b2.Pending != 0 {
		t.Errorf("cancelled batch = %+v", b2)
	}
	_, err = e.try(payout.Publish(e.key(), t0, b2.ID, nil))
	wantCode(t, "publishing a cancelled batch", err, payout.ErrState)
	b3, err := e.run(usd)
	if err != nil {
		t.Fatal(err)
	}
	if b3.PrevTree != b1.ID || b3.Root != b2.Root || b3.TreeTotal != "700" {
		t.Errorf("batch 3 after the cancel = %+v; want built on batch 1, as batch 2 was (root %s)", b3, b2.Root)
	}
}

// TestDestinations: the rules of a destination.
func TestDestinations(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{"bank:1", "@evm:0x5b38da6a701c568545dcfcb03fcb875f56beddc4", "0x0000000000000000000000000000000000000000", "0x12", ""} {
		_, err := e.try(payout.SetDestination(e.key(), t0, "a:1", bad))
		wantCode(t, "destination "+bad, err, payout.ErrDestination)
	}
	_, err := e.try(payout.SetDestination(e.key(), t0, "@bank:x", "@bank:y"))
	wantCode(t, "an external account's destination", err, payout.ErrDestination)
	addr := "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
	e.dest(t, "a:1", strings.ToLower(addr))
	_, err = e.try(payout.SetDestination(e.key(), t0, "a:2", addr))
	wantCode(t, "an address taken", err, payout.ErrDestinationTaken)
	e.dest(t, "a:1", "@bank:a1") // frees the address
	e.dest(t, "a:2", addr)
	d, err := payout.ReadDestination(view{e.st}, "a:2")
	if err != nil || d.Destination != addr || d.PayTo() != "@evm:"+strings.ToLower(addr) {
		t.Errorf("a:2's destination = %+v, %v", d, err)
	}
	e.apply(t, payout.RemoveDestination(e.key(), t0, "a:2"))
	_, err = payout.ReadDestination(view{e.st}, "a:2")
	wantCode(t, "a removed destination", err, payout.ErrDestinationMissing)
	e.dest(t, "a:3", addr) // free again
}

// TestConservation: over random balances, minimums and destinations, a
// batch's lines are exactly the eligible balances, its total their sum,
// and every selected account has nothing available left.
func TestConservation(t *testing.T) {
	eachStore(t, conservation)
}

func conservation(t *testing.T, fresh func() *env) {
	r := rand.New(rand.NewPCG(7, 19))
	for i := range 20 {
		e := fresh()
		n := 1 + r.IntN(40)
		want, total := 0, uint64(0)
		min := uint64(r.IntN(500))
		for j := range n {
			acct := fmt.Sprintf("p:%03d", j)
			amt := uint64(1 + r.IntN(1000))
			e.pay(t, acct, amt)
			if r.IntN(4) > 0 {
				dest := fmt.Sprintf("@bank:%d", j)
				if r.IntN(2) == 0 {
					dest = fmt.Sprintf("0x%040x", j+1)
				}
				e.dest(t, acct, dest)
				if amt >= min {
					want++
					total += amt
				}
			}
		}
		b, err := e.run(payout.Selection{Currency: "USD", Minimum: money.FromUint64(min)})
		if want == 0 {
			wantCode(t, "an empty random batch", err, payout.ErrEmpty)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.Lines != want || string(b.Total) != fmt.Sprint(total) {
			t.Errorf("case %d: %d lines, total %s; want %d, %d", i, b.Lines, b.Total, want, total)
		}
		lines, err := payout.ReadLines(view{e.st}, b)
		if err != nil {
			t.Fatal(err)
		}
		sum := money.Zero
		for _, l := range lines {
			a, _ := money.ParseUnits(string(l.Amount))
			sum, _ = sum.Add(a)
			if got := e.available(t, l.Account); got != "0" {
				t.Errorf("case %d: %s has %s available after the batch; want 0", i, l.Account, got)
			}
		}
		if sum.String() != string(b.Total) {
			t.Errorf("case %d: lines sum to %s; the batch says %s", i, sum, b.Total)
		}
		if _, err := engine.Verify(context.Background(), e.st); err != nil {
			t.Error(err)
		}
	}
}

// TestDigests pins the request digests of the program's writes.
func TestDigests(t *testing.T) {
	r := &payout.Receipt{Contract: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", Tx: "0x11", Block: 7}
	tests := []struct {
		name string
		op   engine.Op
		want string
	}{
		{"destination", payout.SetDestination("k", t0, "a:1", "@bank:1"), "44c368b047813fce12b54fe1b0404bbffe3716c219cf840abefe33621588e840"},
		{"remove", payout.RemoveDestination("k", t0, "a:1"), "f65bc1914cedc12d7698a54954620dfd26e6a25675ef401923d788ece63e5129"},
		{"batch", payout.Run("k", t0, usd, nil, 0), "ff28eaaa707a6d94fc8c585e7a68261690a15d760e82a28397dc3843a9d1081f"},
		{"publish", payout.Publish("k", t0, 1, r), "46601cd67d466c3a1f7845d40547dc460a14942c1ce9462429f6ec25266ab48b"},
		{"cancel", payout.Cancel("k", t0, 1), "ef5ce1a75cf71c7d924956f9b4e293cf379460c80ca9662470d7075e7a28497e"},
		{"results", payout.Results("k", t0, 1, payout.ResultPaid, []string{"payout-1-1"}), "883afa6b87de71cfc87804b69620eab9e71e7abd3ab54421cf5fe63b98e4860b"},
		{"claims", payout.ApplyClaims("k", t0, "USDC", r.Contract, []payout.Block{{Number: 5}}, nil), "208fd48ea8a884550660ca9594f5530ca79f03c5c0db336e4402e1058c798005"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(tt.op.Hash[:]); got != tt.want {
			t.Errorf("%s: digest %s; want %s", tt.name, got, tt.want)
		}
	}
	if payout.Run("k", t0, usd, nil, 0).Hash != payout.Run("k", t0, usd, []payout.Candidate{{Account: "a"}}, 3).Hash {
		t.Error("a batch's digest depends on what it selected; it is the request's")
	}
}
