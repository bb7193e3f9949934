package storetest

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/store/sqlstore"
)

// v2Fixture is a ledger that the release writing schema version 2 made
// (entries in USD and USDC between a few accounts, some in a batch of 40,
// two withdrawals, a program's small and large state values), dumped table
// by table: numbers, strings, and byte strings as {"hex": …}.
// testdata/v2gen.go.txt is the program that wrote it, run against that
// release (it reproduces the file byte for byte).
//
//go:embed testdata/v2.json
var v2Fixture []byte

// v2Schema is version 2's schema as that release created it.
const v2Schema = `
CREATE TABLE IF NOT EXISTS counters (
	name  {text} PRIMARY KEY,
	value BIGINT NOT NULL
){norowid};
INSERT INTO counters (name, value) VALUES ('entry', 0), ('event', 0) ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS entries (
	seq       {seqpk},
	idem_key  {text} NOT NULL UNIQUE,
	hash      {bytes} NOT NULL,
	kind      SMALLINT NOT NULL,
	program   {text} NOT NULL,
	ref       {text} NOT NULL,
	time_ns   BIGINT NOT NULL,
	postings  {bytes} NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_time ON entries (time_ns, seq);
CREATE TABLE IF NOT EXISTS entry_accounts (
	account {text} NOT NULL,
	seq     BIGINT NOT NULL,
	more    {bytes} NOT NULL,
	PRIMARY KEY (account, seq)
){norowid};
CREATE TABLE IF NOT EXISTS balances (
	account         {text} NOT NULL,
	currency        {text} NOT NULL,
	debits_posted   {amount} NOT NULL,
	credits_posted  {amount} NOT NULL,
	debits_pending  {amount} NOT NULL,
	credits_pending {amount} NOT NULL,
	PRIMARY KEY (account, currency)
){norowid};
CREATE TABLE IF NOT EXISTS state (
	program {text} NOT NULL,
	skey    {text} NOT NULL,
	value   {bytes} NOT NULL,
	PRIMARY KEY (program, skey)
){norowid};
CREATE TABLE IF NOT EXISTS withdrawals (
	id          {text} PRIMARY KEY,
	account     {text} NOT NULL,
	destination {text} NOT NULL,
	currency    {text} NOT NULL,
	amount      {amount} NOT NULL,
	state       SMALLINT NOT NULL,
	request_seq BIGINT NOT NULL,
	resolve_seq BIGINT NOT NULL,
	created_ns  BIGINT NOT NULL,
	resolved_ns BIGINT NOT NULL
){norowid};
CREATE INDEX IF NOT EXISTS withdrawals_account ON withdrawals (account, id);
CREATE TABLE IF NOT EXISTS tokens (
	id          {text} PRIMARY KEY,
	hash        {bytes} NOT NULL UNIQUE,
	role        {text} NOT NULL,
	accounts    {text} NOT NULL,
	name        {text} NOT NULL,
	created_ns  BIGINT NOT NULL,
	revoked_ns  BIGINT NOT NULL
){norowid};
CREATE TABLE IF NOT EXISTS events (
	seq     {seqpk},
	type    {text} NOT NULL,
	time_ns BIGINT NOT NULL,
	data    {text} NOT NULL
);
`

// SeedV2 creates version 2's tables in db, for dialect d, and fills them
// with v2Fixture, as the previous release left them.
func SeedV2(t *testing.T, db *sql.DB, d sqlstore.Dialect) {
	t.Helper()
	ctx := context.Background()
	ddl := strings.NewReplacer("{amount}", d.AmountType, "{bytes}", d.BytesType, "{text}", d.TextType, "{seqpk}", d.SeqPK, "{norowid}", d.TableSuffix).Replace(v2Schema)
	for _, stmt := range strings.Split(ddl, ";") {
		if strings.TrimSpace(stmt) == "" || strings.Contains(stmt, "INSERT INTO counters") {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	var tables map[string][][]any
	if err := json.Unmarshal(v2Fixture, &tables); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"counters", "entries", "entry_accounts", "balances", "state", "withdrawals", "events"} {
		var cols []string
		for _, c := range tables[table+".columns"][0] {
			cols = append(cols, c.(string))
		}
		for _, row := range tables[table] {
			args := make([]any, len(row))
			marks := make([]string, len(row))
			for i, v := range row {
				marks[i] = fmt.Sprintf("$%d", i+1)
				switch v := v.(type) {
				case float64:
					args[i] = int64(v)
				case map[string]any:
					b, err := hex.DecodeString(v["hex"].(string))
					if err != nil {
						t.Fatal(err)
					}
					args[i] = b
				default:
					args[i] = v
				}
			}
			q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
			if !d.Numbered {
				q = strings.ReplaceAll(q, "$", "?")
			}
			if _, err := db.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s %v: %v", q, row, err)
			}
		}
	}
}

// CheckMigratedV2 checks a store opened on SeedV2's tables: the journal,
// balances, withdrawals and state read as they were written, every
// account's journal is right, and it goes on taking entries (enough to move
// balances' recent lists into index rows) with all of that still true.
func CheckMigratedV2(t *testing.T, s Store) {
	t.Helper()
	ctx := context.Background()
	rep, err := engine.Verify(ctx, s)
	if err != nil {
		t.Fatalf("Verify after migration: %v", err)
	}
	if rep.Entries != 50 {
		t.Errorf("journal has %d entries after migration; want 50", rep.Entries)
	}
	ent, err := s.EntryByKey(ctx, "v2-1")
	if err != nil || ent.Seq != 1 || len(ent.Postings) != 2 || ent.Postings[1].Currency != "USDC" {
		t.Errorf("EntryByKey(v2-1) = seq %d, %d postings, %v; want seq 1 with a USDC posting", ent.Seq, len(ent.Postings), err)
	}
	big := make([]byte, 6000)
	for i := range big {
		big[i] = byte(i)
	}
	for key, want := range map[string][]byte{"small": []byte("v"), "big": big} {
		got, ok, err := s.State(ctx, "prog", key)
		if err != nil || !ok || !bytes.Equal(got, want) {
			t.Errorf("State(prog, %s) = %d bytes, %v, %v; want the %d bytes written", key, len(got), ok, err, len(want))
		}
	}
	for id, want := range map[string]ledger.WithdrawalState{"wd-1": ledger.WithdrawalPending, "wd-2": ledger.WithdrawalPosted} {
		if w, err := s.Withdrawal(ctx, id); err != nil || w.State != want {
			t.Errorf("Withdrawal(%s) = %v, %v; want %v", id, w.State, err, want)
		}
	}
	accounts := []string{"@world", "@bank", "a", "b", "c", "d"}
	CheckJournalByAccount(t, s, accounts, time.Time{}, time.Time{})
	// New entries after the old ones: the first balance row to overflow
	// its list writes an index row beside version 2's.
	e := engine.New(s, money.NewRegistry())
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var ops []engine.Op
	for i := 0; i < 90; i++ {
		ps := []ledger.Posting{{From: "@world", To: accounts[2+i%4], Currency: "USD", Amount: money.FromUint64(uint64(i + 1)), Path: "after"}}
		if i%3 == 0 {
			ps = append(ps, ledger.Posting{From: "@world", To: "a", Currency: "USDC", Amount: money.FromUint64(1), Path: "after"})
		}
		ops = append(ops, engine.Transfer(fmt.Sprintf("v3-%d", i), at.Add(time.Duration(i)*time.Second), ps))
		if len(ops) == 1+i%37 {
			ApplyAll(t, e, ops)
			ops = nil
		}
	}
	ApplyAll(t, e, ops)
	CheckJournalByAccount(t, s, accounts, time.Time{}, time.Time{})
	if _, err := engine.Verify(ctx, s); err != nil {
		t.Fatalf("Verify after new entries: %v", err)
	}
}

// ApplyAll applies ops in one call and fails the test on any error,
// the store's or an operation's.
func ApplyAll(t testing.TB, e *engine.Engine, ops []engine.Op) {
	t.Helper()
	if len(ops) == 0 {
		return
	}
	res, err := e.Apply(context.Background(), ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

// SeedPayments commits n of run's payments (BenchPayment) in batches of
// 1,000, failing the test on any error: the store of n payments that
// backup, restore and command tests start from.
func SeedPayments(t testing.TB, e *engine.Engine, run int64, n int) {
	t.Helper()
	for start := 0; start < n; start += 1000 {
		ops := make([]engine.Op, 0, min(n-start, 1000))
		for i := start; i < min(n, start+1000); i++ {
			ops = append(ops, BenchPayment(run, 0, i))
		}
		ApplyAll(t, e, ops)
	}
}

// CheckJournalByAccount checks JournalFiltered by account (and, when since
// is set, by time) against the whole journal filtered here, for each
// account and for none, in pages of 7 and in one page.
func CheckJournalByAccount(t *testing.T, s Store, accounts []string, since, until time.Time) {
	t.Helper()
	ctx := context.Background()
	all, err := s.Journal(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	timed := !since.IsZero()
	// "": no account filter, the whole journal (by time when timed).
	for _, name := range append([]string{""}, accounts...) {
		var want []ledger.Entry
		for _, ent := range all {
			if timed && (ent.Time.Before(since) || !ent.Time.Before(until)) {
				continue
			}
			if name == "" {
				want = append(want, ent)
				continue
			}
			for _, p := range ent.Postings {
				if p.From == name || p.To == name {
					want = append(want, ent)
					break
				}
			}
		}
		for _, limit := range []int{7, 0} {
			var got []ledger.Entry
			f := ledger.JournalFilter{Account: name, Limit: limit}
			if timed {
				f.Since, f.Until = since, until
			}
			for {
				page, err := s.JournalFiltered(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if len(page) < f.Limit || f.Limit == 0 {
					break
				}
				f.After = page[len(page)-1].Seq
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("JournalFiltered(%s, timed %v, limit %d) = %d entries %v; want %d %v", name, timed, limit, len(got), entrySeqs(got), len(want), entrySeqs(want))
			}
		}
	}
}
