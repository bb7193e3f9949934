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
// the counters table under "schema".
const SchemaVersion = 2

// migrateChunk is how many entries migrateV1 converts per round.
const migrateChunk = 5000

// migrate brings the tables to SchemaVersion, after the CREATE statements
// ran. A database without a version is either new (its entries table was
// just created with a postings column) or of version 1 (a postings table,
// no postings column).
func (s *Store) migrate(ctx context.Context) error {
	var v int64
	err := s.w.QueryRowContext(ctx, "SELECT value FROM counters WHERE name = 'schema'").Scan(&v)
	switch {
	case err == nil && v == SchemaVersion:
		return nil
	case err == nil:
		return fmt.Errorf("database schema is version %d; this build reads version %d", v, SchemaVersion)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("reading the schema version: %w", err)
	}
	// Only a version 1 database lacks the postings column.
	rows, err := s.w.QueryContext(ctx, "SELECT postings FROM entries WHERE 1 = 0")
	hasPostings := err == nil
	if err == nil {
		rows.Close()
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if !hasPostings {
		if err := s.migrateV1(ctx, tx); err != nil {
			return fmt.Errorf("migrating schema version 1 to 2: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO counters (name, value) VALUES ('schema', $1) ON CONFLICT (name) DO NOTHING"), SchemaVersion); err != nil {
		return fmt.Errorf("recording the schema version: %w", err)
	}
	return tx.Commit()
}

// migrateV1 moves version 1's postings rows into their entries' rows and
// fills entry_accounts, in one transaction: either the whole journal is
// converted or nothing is.
func (s *Store) migrateV1(ctx context.Context, tx *sql.Tx) error {
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
				if _, err := tx.ExecContext(ctx, s.q("INSERT INTO entry_accounts (account, seq, more) VALUES ($1, $2, $3)"), a, seq, []byte{}); err != nil {
					return fmt.Errorf("indexing entry %d: %w", seq, err)
				}
			}
		}
		last = hi
	}
	_, err := tx.ExecContext(ctx, "DROP TABLE postings")
	return err
}
