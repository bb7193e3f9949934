package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// SchemaVersion is the version of the tables this package writes, kept in
// the counters table under "schema". Version 4 changed SQLite's alone
// (Dialect.SeqFromMax), so PostgreSQL databases went from version 3 to 5
// directly. Version 5 scopes idempotency keys by principal (see
// SharedKeysUntil): both stores record where the shared key space ended.
const SchemaVersion = 5

// version is the schema version of s's tables.
func (s *Store) version() int64 { return SchemaVersion }

// sharedKeysCounter names the counter row holding the last entry
// committed while every caller shared one key space.
const sharedKeysCounter = "shared_keys"

// SharedKeysUntil returns the sequence number of the last entry committed
// before idempotency keys were scoped by principal (schema version 5): a
// payee's retry of a request it sent before then finds its entry under
// the bare key, so that stored keys keep their meaning. Zero for a
// database created with scoped keys.
func (s *Store) SharedKeysUntil(ctx context.Context) (uint64, error) {
	var v uint64
	err := s.r.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = '"+sharedKeysCounter+"'").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading where the shared key space ended: %w", err)
	}
	return v, nil
}

// migrateChunk is how many entries migrateV1 converts per round.
const migrateChunk = 5000

// migrate brings the tables to s.version(), after the CREATE statements
// ran (which create only what is missing, in the current shape). A database
// without a version is either new (its entries table was just created with
// a postings column) or of version 1 (a postings table, no postings
// column). Each migration runs in one transaction with the version's
// update: either the whole database is converted or nothing is.
func (s *Store) migrate(ctx context.Context) error {
	var v int64
	err := s.w.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'schema'").Scan(&v)
	switch {
	case err == nil && v == s.version():
		return s.dropStaleCounters(ctx)
	case err == nil && (v < 2 || v > 4):
		return fmt.Errorf("database schema is version %d; this build reads version %d (and migrates versions 1 to 4)", v, s.version())
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reading the schema version: %w", err)
	}
	versioned := err == nil
	// What is missing is probed before the transaction: on PostgreSQL a
	// failed statement would abort it.
	has := func(table, column string) bool {
		rows, err := s.w.QueryContext(ctx, "SELECT "+column+" FROM "+table+" WHERE 1 = 0")
		if err != nil {
			return false
		}
		rows.Close()
		return true
	}
	hasPostings := has("entries", "postings")
	hasRecent := has("balances", "recent")
	hasIndexCurrency := has("entry_accounts", "currency")
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if !hasPostings {
		if err := s.migrateV1(ctx, tx, hasIndexCurrency); err != nil {
			return fmt.Errorf("migrating schema version 1 to 2: %w", err)
		}
	}
	if (versioned && v == 2) || !hasPostings {
		if err := s.migrateV2(ctx, tx, hasRecent, hasIndexCurrency); err != nil {
			return fmt.Errorf("migrating schema version 2 to 3: %w", err)
		}
	}
	// A new database has nothing to convert; this checks that too.
	if err := s.migrateV3(ctx, tx); err != nil {
		return fmt.Errorf("migrating schema version 3 to 4: %w", err)
	}
	if err := s.migrateV4(ctx, tx); err != nil {
		return fmt.Errorf("migrating schema version 4 to 5: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO counters (name, value) VALUES ('schema', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value"), s.version()); err != nil {
		return fmt.Errorf("recording the schema version: %w", err)
	}
	return tx.Commit()
}

// dropStaleCounters deletes counter rows 'entry' and 'event' from a
// database whose numbers follow from its tables (Dialect.SeqFromMax): the
// only writer of such rows is the schema of a build before version 4,
// which seeds them with zeros when it opens the file and then refuses it.
// Nothing reads them; they would only mislead whoever looks.
func (s *Store) dropStaleCounters(ctx context.Context) error {
	if !s.d.SeqFromMax {
		return nil
	}
	if _, err := s.w.ExecContext(ctx, "DELETE FROM counters WHERE name IN ('entry', 'event')"); err != nil {
		return fmt.Errorf("dropping stale journal counters: %w", err)
	}
	return nil
}

// migrateV3 brings version 3's tables to version 4: where the journal's
// numbers follow from the tables (Dialect.SeqFromMax), the counter rows
// 'entry' and 'event' go, once they are checked to say what the tables
// say. They always did, since a transaction moved them with the rows it
// wrote; a file where they differ was changed by something else, and is
// refused rather than renumbered. Elsewhere nothing changes.
func (s *Store) migrateV3(ctx context.Context, tx *sql.Tx) error {
	if !s.d.SeqFromMax {
		return nil
	}
	entry, event, n, err := scanCounters(tx.QueryContext(ctx, countersSQL))
	if err != nil {
		return err
	}
	if n == 0 {
		return nil // created by this build
	}
	var lastEntry, lastEvent uint64
	if err := tx.QueryRowContext(ctx, LastSeqsSQL).Scan(&lastEntry, &lastEvent); err != nil {
		return err
	}
	if entry != lastEntry || event != lastEvent {
		return fmt.Errorf("the journal counters say entry %d and event %d, the tables end at entry %d and event %d; the database was changed outside Tributary: restore it from a backup", entry, event, lastEntry, lastEvent)
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM counters WHERE name IN ('entry', 'event')")
	return err
}

// migrateV4 brings version 4's tables (version 3's on PostgreSQL) to
// version 5: the tables stay as they are, and the counter row
// sharedKeysCounter records the last entry committed so far, every one of
// them under a key of the one shared key space (SharedKeysUntil). A new
// database records zero.
func (s *Store) migrateV4(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO counters (name, value) SELECT '"+sharedKeysCounter+"', COALESCE(MAX(seq), 0) FROM entries WHERE true ON CONFLICT (name) DO NOTHING")
	return err
}

// migrateV2 brings version 2's tables to version 3: balances get their
// recent column (empty: every entry so far is in entry_accounts), the
// account index its currency column (version 2's rows, one per account and
// transaction in every currency, keep currency ""), and the state table
// becomes a rowid table. Tables are rebuilt by copying, which both SQLite
// and PostgreSQL do inside a transaction.
func (s *Store) migrateV2(ctx context.Context, tx *sql.Tx, hasRecent, hasIndexCurrency bool) error {
	var stmts []string
	if !hasRecent {
		// Rebuilt rather than altered: the amount columns change type too
		// (on SQLite, none, see amountArg); the rows keep theirs.
		stmts = append(stmts,
			"CREATE TABLE balances_v3 (account "+s.d.TextType+" NOT NULL, currency "+s.d.TextType+" NOT NULL, debits_posted "+s.d.AmountType+" NOT NULL, credits_posted "+s.d.AmountType+" NOT NULL, debits_pending "+s.d.AmountType+" NOT NULL, credits_pending "+s.d.AmountType+" NOT NULL, recent "+s.d.BytesType+" NOT NULL DEFAULT '', PRIMARY KEY (account, currency))"+s.d.TableSuffix,
			"INSERT INTO balances_v3 (account, currency, debits_posted, credits_posted, debits_pending, credits_pending, recent) SELECT account, currency, debits_posted, credits_posted, debits_pending, credits_pending, '' FROM balances",
			"DROP TABLE balances",
			"ALTER TABLE balances_v3 RENAME TO balances")
	}
	if !hasIndexCurrency {
		stmts = append(stmts,
			"CREATE TABLE entry_accounts_v3 (account "+s.d.TextType+" NOT NULL, currency "+s.d.TextType+" NOT NULL, seq BIGINT NOT NULL, more "+s.d.BytesType+" NOT NULL, PRIMARY KEY (account, currency, seq))"+s.d.TableSuffix,
			"INSERT INTO entry_accounts_v3 (account, currency, seq, more) SELECT account, '', seq, more FROM entry_accounts",
			"DROP TABLE entry_accounts",
			"ALTER TABLE entry_accounts_v3 RENAME TO entry_accounts")
	}
	stmts = append(stmts,
		"CREATE TABLE state_v3 (program "+s.d.TextType+" NOT NULL, skey "+s.d.TextType+" NOT NULL, value "+s.d.BytesType+" NOT NULL, PRIMARY KEY (program, skey))",
		"INSERT INTO state_v3 (program, skey, value) SELECT program, skey, value FROM state",
		"DROP TABLE state",
		"ALTER TABLE state_v3 RENAME TO state")
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%.50s…: %w", stmt, err)
		}
	}
	return nil
}

// migrateV1 moves version 1's postings rows into their entries' rows and
// fills entry_accounts, in one transaction: either the whole journal is
// converted or nothing is.
func (s *Store) migrateV1(ctx context.Context, tx *sql.Tx, indexCurrency bool) error {
	if _, err := tx.ExecContext(ctx, "ALTER TABLE entries ADD COLUMN postings "+s.d.BytesType+" NOT NULL DEFAULT ''"); err != nil {
		return err
	}
	var last uint64
	for {
		var seqs []uint64
		rows, err := tx.QueryContext(ctx, s.q("SELECT seq FROM entries WHERE seq > $1 ORDER BY seq LIMIT $2"), last, migrateChunk)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq uint64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(seqs) == 0 {
			break
		}
		lo, hi := seqs[0], seqs[len(seqs)-1]
		byseq := make(map[uint64][]ledger.Posting, len(seqs))
		rows, err = tx.QueryContext(ctx, s.q("SELECT seq, from_account, to_account, currency, amount, path FROM postings WHERE seq >= $1 AND seq <= $2 ORDER BY seq, idx"), lo, hi)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq uint64
			var p ledger.Posting
			var amount string
			if err := rows.Scan(&seq, &p.From, &p.To, &p.Currency, &amount, &p.Path); err != nil {
				rows.Close()
				return err
			}
			if p.Amount, err = money.ParseUnits(amount); err != nil {
				rows.Close()
				return fmt.Errorf("posting of entry %d: %w", seq, err)
			}
			byseq[seq] = append(byseq[seq], p)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var names []string
		for _, seq := range seqs {
			ps := byseq[seq]
			if _, err := tx.ExecContext(ctx, s.q("UPDATE entries SET postings = $1 WHERE seq = $2"), encodePostings(nil, ps), seq); err != nil {
				return fmt.Errorf("entry %d: %w", seq, err)
			}
			names = entryAccounts(ps, names)
			for _, a := range names {
				// Version 1 had no account index: it is built here in
				// version 2's shape, or version 3's when the CREATE
				// statements just made the table (then as version 2's
				// rows would be after migrateV2).
				ins := "INSERT INTO entry_accounts (account, seq, more) VALUES ($1, $2, $3)"
				if indexCurrency {
					ins = "INSERT INTO entry_accounts (account, currency, seq, more) VALUES ($1, '', $2, $3)"
				}
				if _, err := tx.ExecContext(ctx, s.q(ins), a, seq, []byte{}); err != nil {
					return fmt.Errorf("indexing entry %d: %w", seq, err)
				}
			}
		}
		last = hi
	}
	_, err := tx.ExecContext(ctx, "DROP TABLE postings")
	return err
}
