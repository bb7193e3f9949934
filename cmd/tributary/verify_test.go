package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/tributary-ledger/tributary/cli"
	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/program/payout"
	"github.com/tributary-ledger/tributary/program/usage"
	"github.com/tributary-ledger/tributary/store/postgres"
	"github.com/tributary-ledger/tributary/store/sqlite"
)

// verifyStore is a store the verify test seeds, the --db that names it,
// and a raw connection to tamper with its rows.
type verifyStore struct {
	db    string
	raw   *sql.DB
	param func(n int) string // the n-th placeholder
}

// verifyStores opens a fresh SQLite file and, when
// TRIBUTARY_POSTGRES_URL is set, a fresh PostgreSQL schema; seed writes
// to each before it is closed.
func verifyStores(t *testing.T, seed func(cli.Store)) map[string]verifyStore {
	ctx := context.Background()
	out := map[string]verifyStore{}
	path := filepath.Join(t.TempDir(), "v.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seed(s)
	s.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	out["sqlite"] = verifyStore{db: path, raw: raw, param: func(int) string { return "?" }}
	if url := os.Getenv("TRIBUTARY_POSTGRES_URL"); url != "" {
		ps, dsn, cleanup, err := postgres.OpenFresh(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cleanup() })
		seed(ps)
		raw, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		out["postgres"] = verifyStore{db: dsn, raw: raw, param: func(n int) string { return "$" + string(rune('0'+n)) }}
	}
	return out
}

// seedVerify closes a usage epoch paying three participants and makes
// three payout batches of their balances: the first with a bank and an
// on-chain line, published and its bank line paid; the second the
// on-chain payee's next pay, cancelled; the third that pay again and a
// bank line that failed, its tree building on the first's (the second's
// was cancelled).
func seedVerify(t *testing.T, s cli.Store) {
	ctx := context.Background()
	e := engine.New(s, money.NewRegistry())
	apply := func(op engine.Op) {
		t.Helper()
		if _, err := e.ApplyOne(ctx, op); err != nil {
			t.Fatalf("%s: %v", op.Key, err)
		}
	}
	anchor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := usage.Config{
		Currency: "USD",
		Epoch:    usage.Epoch{Length: usage.EpochMonth, Anchor: anchor},
		Metrics:  []usage.Metric{{Name: "calls", WeightBP: 10000}},
		Pool:     usage.Pool{Kind: usage.PoolFixedAmount, Amount: money.FromUint64(1000), Account: "usage:pool"},
		Formula:  usage.Formula{Kind: usage.ProRata},
	}
	apply(usage.ApplyConfig("cfg", anchor.Add(-time.Hour), cfg, money.NewRegistry()))
	apply(usage.Register("reg", anchor, []usage.Participant{
		{ID: "app-1", Owner: "dev:1", Account: "dev:1"}, {ID: "app-2", Owner: "dev:2", Account: "dev:2"}, {ID: "app-3", Owner: "dev:3", Account: "dev:3"},
	}))
	apply(engine.Transfer("fund", anchor, []ledger.Posting{{From: "@sponsor", To: "usage:pool", Currency: "USD", Amount: money.FromUint64(1000), Path: "funding"}}))
	apply(usage.ReportUsage("rep", anchor.Add(time.Hour), usage.Batch{Epoch: 0, Reports: []usage.Report{
		{Participant: "app-1", Metric: "calls", Count: 50}, {Participant: "app-2", Metric: "calls", Count: 30}, {Participant: "app-3", Metric: "calls", Count: 20},
	}}))
	feb := anchor.AddDate(0, 1, 0)
	apply(usage.CloseEpoch("close-0", feb, 0))

	apply(payout.SetDestination("d1", feb, "dev:1", "@bank:dev-1"))
	apply(payout.SetDestination("d2", feb, "dev:2", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"))
	sel := payout.Selection{Currency: "USD"}
	cand := func(account, dest string, units uint64) payout.Candidate {
		d, err := payout.ParseDestination(account, dest)
		if err != nil {
			t.Fatal(err)
		}
		return payout.Candidate{Account: account, Destination: d, Amount: money.FromUint64(units)}
	}
	// The close paid 500, 300 and 200 (pro rata of 1000).
	apply(payout.Run("b1", feb, sel, []payout.Candidate{cand("dev:1", "@bank:dev-1", 500), cand("dev:2", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", 300)}, 1))
	apply(payout.Publish("p1", feb, 1, nil))
	apply(payout.Results("r1", feb, 1, payout.ResultPaid, []string{"payout-1-1"}))
	apply(engine.Transfer("more", feb, []ledger.Posting{{From: "@sponsor", To: "dev:2", Currency: "USD", Amount: money.FromUint64(70), Path: "bonus"}}))
	apply(payout.Run("b2", feb, sel, []payout.Candidate{cand("dev:2", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", 70)}, 1))
	apply(payout.Cancel("c2", feb, 2))
	apply(payout.SetDestination("d3", feb, "dev:3", "@bank:dev-3"))
	apply(payout.Run("b3", feb, sel, []payout.Candidate{cand("dev:2", "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", 70), cand("dev:3", "@bank:dev-3", 200)}, 0))
	apply(payout.Publish("p3", feb, 3, nil))
	apply(payout.Results("r3", feb, 3, payout.ResultFailed, []string{"payout-3-2"}))
}

// TestVerifyRecomputesStatementsAndBatches: `tributary verify` passes a
// clean store, and fails, naming the record and its code, on each of a
// usage close and a payout batch whose stored row was changed behind the
// engine's back (a figure, a digest, a counter, a line, a root).
func TestVerifyRecomputesStatementsAndBatches(t *testing.T) {
	stores := verifyStores(t, func(s cli.Store) { seedVerify(t, s) })
	for name, vs := range stores {
		t.Run(name, func(t *testing.T) {
			out, err := run(t, "verify", "--db", vs.db)
			if err != nil || !strings.Contains(out, "ok: ") || !strings.Contains(out, "1 usage statements recomputed") || !strings.Contains(out, "3 payout batches recomputed") {
				t.Fatalf("verify of a clean store = %v\n%s", err, out)
			}
			for _, tc := range []struct {
				name, program, key string
				tamper             func(map[string]any)
				code, says         string
			}{
				{"the close's paid", "usage", "close/0", func(m map[string]any) { m["paid"] = "999" }, "usage_statement_mismatch", "its paid is 999"},
				{"the close's digest", "usage", "close/0", func(m map[string]any) { m["statement_sha256"] = strings.Repeat("0", 64) }, "usage_statement_mismatch", "recomputed statement"},
				{"the close's key", "usage", "close/0", func(m map[string]any) { m["key"] = "rep" }, "usage_statement_mismatch", "not the close"},
				{"a batch's paid count", "payout", "batch/000000000001", func(m map[string]any) { m["paid"] = 0.0; m["pending"] = 2.0 }, "payout_batch_mismatch", "it counts 2 pending lines; its withdrawals say 1"},
				{"a batch's total", "payout", "batch/000000000001", func(m map[string]any) { m["total"] = "801" }, "payout_batch_mismatch", "its total is 801"},
				{"a batch's root", "payout", "batch/000000000003", func(m map[string]any) { m["root"] = "0x" + strings.Repeat("ab", 32) }, "payout_batch_mismatch", "its root is"},
				{"a batch's tree base", "payout", "batch/000000000003", func(m map[string]any) { m["prev_tree"] = 2.0 }, "payout_batch_mismatch", "builds on batch 2; the currency's last uncancelled tree before it is batch 1"},
				{"a cancelled batch's voided count", "payout", "batch/000000000002", func(m map[string]any) { m["voided"] = 0.0; m["failed"] = 1.0 }, "payout_batch_mismatch", "cancelled with 0 of 1 lines pending"},
				{"a batch's failed count", "payout", "batch/000000000003", func(m map[string]any) { m["failed"] = 0.0; m["paid"] = 1.0 }, "payout_batch_mismatch", "it counts 1 paid lines; its withdrawals say 0"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					restore := vs.tamperJSON(t, tc.program, tc.key, tc.tamper)
					defer restore()
					out, err := run(t, "verify", "--db", vs.db)
					if errcode.Code(err) != "verify_failed" {
						t.Fatalf("verify after changing %s = %v; want verify_failed\n%s", tc.name, err, out)
					}
					if !strings.Contains(out, "mismatch ("+tc.code+")") || !strings.Contains(out, tc.says) || strings.Contains(out, "ok: ") {
						t.Errorf("verify after changing %s printed\n%s\nwant a %s mismatch saying %q", tc.name, out, tc.code, tc.says)
					}
				})
			}
			// A line's amount changed in its stored chunk: the lines no
			// longer sum to the total nor match the journal's postings.
			t.Run("a line", func(t *testing.T) {
				restore := vs.tamperRaw(t, "payout", "lines/000000000001/000000", func(v []byte) []byte {
					return []byte(strings.Replace(string(v), `"500"`, `"501"`, 1))
				})
				defer restore()
				out, _ := run(t, "verify", "--db", vs.db, "--output", "json")
				var rep struct {
					OK         bool
					Mismatches []struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.OK || len(rep.Mismatches) != 1 || rep.Mismatches[0].Code != "payout_batch_mismatch" ||
					!strings.Contains(rep.Mismatches[0].Message, "lines sum to 801") || !strings.Contains(rep.Mismatches[0].Message, "is not entry") {
					t.Errorf("verify --output json after changing a line = %s (%v); want one payout_batch_mismatch naming the total and the journal", out, err)
				}
			})
			if out, err := run(t, "ledger", "verify", "--db", vs.db); err != nil || !strings.Contains(out, "3 payout batches recomputed") {
				t.Errorf("ledger verify after the rows were restored = %v\n%s", err, out)
			}
		})
	}
}

// tamperJSON rewrites a program's state value through change, behind the
// engine's back, and returns what puts it back.
func (vs verifyStore) tamperJSON(t *testing.T, program, key string, change func(map[string]any)) func() {
	return vs.tamperRaw(t, program, key, func(v []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(v, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
}

func (vs verifyStore) tamperRaw(t *testing.T, program, key string, change func([]byte) []byte) func() {
	t.Helper()
	var old []byte
	where := " WHERE program = " + vs.param(2) + " AND skey = " + vs.param(3)
	if err := vs.raw.QueryRow("SELECT value FROM state WHERE program = "+vs.param(1)+" AND skey = "+vs.param(2), program, key).Scan(&old); err != nil {
		t.Fatalf("reading %s %s: %v", program, key, err)
	}
	write := func(v []byte) {
		if res, err := vs.raw.Exec("UPDATE state SET value = "+vs.param(1)+where, v, program, key); err != nil {
			t.Fatalf("writing %s %s: %v", program, key, err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("writing %s %s changed %d rows", program, key, n)
		}
	}
	write(change(append([]byte(nil), old...)))
	return func() { write(old) }
}
