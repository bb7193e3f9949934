package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/tributary-ledger/tributary/ledger"
)

// accountChunk is how many index rows, and candidate entries, one round of
// journalByAccount reads.
const accountChunk = 256

// journalByAccount reads the entries naming f.Account. Each of the
// account's balances (one per currency) gives an ascending stream of the
// entries that changed it: its entry_accounts rows in order, then the
// balance row's recent list (see seqs.go); the index rows written before
// schema version 3, currency "", are one more stream. The streams are
// merged, an entry naming the account in two currencies taken once, and
// the entries read in rounds, filtered by time, until the page is full or
// the streams run out.
//
// It all runs in one read transaction (a snapshot): a commit in between
// could move a balance's recent list into entry_accounts, and a reader
// that saw the row before and the list after would miss those entries.
func (s *Store) journalByAccount(ctx context.Context, f ledger.JournalFilter) ([]ledger.Entry, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: s.d.ReadIsolation})
	if err != nil {
		return nil, fmt.Errorf("reading the journal of %s: %w", f.Account, err)
	}
	defer tx.Rollback()
	ents, err := s.accountEntries(ctx, tx, f)
	if err != nil {
		return nil, fmt.Errorf("reading the journal of %s: %w", f.Account, err)
	}
	return ents, nil
}

func (s *Store) accountEntries(ctx context.Context, tx *sql.Tx, f ledger.JournalFilter) ([]ledger.Entry, error) {
	streams, err := s.accountStreams(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	limit := clampLimit(f.Limit)
	var out []ledger.Entry
	last := uint64(0) // the last sequence number taken
	for len(out) < limit {
		var take []uint64
		for len(take) < accountChunk {
			next, ok := uint64(0), false
			for _, st := range streams {
				v, has, err := st.peek(ctx)
				if err != nil {
					return nil, err
				}
				if has && (!ok || v < next) {
					next, ok = v, true
				}
			}
			if !ok {
				break
			}
			for _, st := range streams {
				if v, has, _ := st.peek(ctx); has && v == next {
					st.pop()
				}
			}
			if next <= last {
				return nil, fmt.Errorf("index of %s lists entry %d after entry %d", f.Account, next, last)
			}
			take, last = append(take, next), next
		}
		if len(take) == 0 {
			break
		}
		var q query
		q.add("SELECT " + entryCols + " FROM entries WHERE seq IN (")
		for i, seq := range take {
			if i > 0 {
				q.add(",")
			}
			q.add("?", seq)
		}
		q.add(")")
		q.addTime(f)
		q.add(" ORDER BY seq")
		rows, err := tx.QueryContext(ctx, s.q(q.sb.String()), q.args...)
		if err != nil {
			return nil, err
		}
		ents, err := scanEntries(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ents...)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// accountStreams returns a stream per balance of the account, and one for
// the index rows of before version 3.
func (s *Store) accountStreams(ctx context.Context, tx *sql.Tx, f ledger.JournalFilter) ([]*seqStream, error) {
	rows, err := tx.QueryContext(ctx, s.q("SELECT currency, recent FROM balances WHERE account = $1 ORDER BY currency"), f.Account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	streams := []*seqStream{{s: s, tx: tx, account: f.Account, currency: "", after: f.After, cursor: f.After}}
	for rows.Next() {
		st := &seqStream{s: s, tx: tx, account: f.Account, after: f.After, cursor: f.After}
		var recent []byte
		if err := rows.Scan(&st.currency, &recent); err != nil {
			return nil, err
		}
		if st.currency == "" {
			return nil, fmt.Errorf("balance of %s has an empty currency", f.Account)
		}
		if st.recent, err = decodeRecent(nil, recent); err != nil {
			return nil, fmt.Errorf("balance %s/%s: %w", f.Account, st.currency, err)
		}
		streams = append(streams, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return streams, nil
}

// seqStream yields, ascending, the sequence numbers above after that one
// balance's index rows and then its recent list name.
type seqStream struct {
	s                 *Store
	tx                *sql.Tx
	account, currency string
	after             uint64
	buf               []uint64 // read, not yet taken
	cursor            uint64   // index rows starting after it are unread
	started, rowsDone bool
	recent            []uint64 // the balance row's list, after every index row
}

func (st *seqStream) peek(ctx context.Context) (uint64, bool, error) {
	for len(st.buf) == 0 {
		if st.rowsDone {
			if st.recent == nil {
				return 0, false, nil
			}
			st.buf, st.recent = st.keep(st.buf, st.recent), nil
			continue
		}
		if err := st.read(ctx); err != nil {
			return 0, false, err
		}
	}
	return st.buf[0], true, nil
}

func (st *seqStream) pop() { st.buf = st.buf[1:] }

// keep appends to dst the sequence numbers of seqs above after.
func (st *seqStream) keep(dst, seqs []uint64) []uint64 {
	for _, v := range seqs {
		if v > st.after {
			dst = append(dst, v)
		}
	}
	return dst
}

// read reads the next round of index rows. The first round starts with the
// row at or before after, which may list later entries.
func (st *seqStream) read(ctx context.Context) error {
	var first uint64
	var more []byte
	var seqs []uint64
	if !st.started {
		st.started = true
		err := st.tx.QueryRowContext(ctx, st.s.q("SELECT seq, more FROM entry_accounts WHERE account = $1 AND currency = $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1"), st.account, st.currency, st.after).Scan(&first, &more)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if seqs, err = decodeSeqs(seqs, first, more); err != nil {
				return fmt.Errorf("index of %s/%s: %w", st.account, st.currency, err)
			}
			st.buf = st.keep(st.buf, seqs)
		}
		return nil
	}
	rows, err := st.tx.QueryContext(ctx, st.s.q("SELECT seq, more FROM entry_accounts WHERE account = $1 AND currency = $2 AND seq > $3 ORDER BY seq LIMIT $4"), st.account, st.currency, st.cursor, accountChunk)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(&first, &more); err != nil {
			return err
		}
		if seqs, err = decodeSeqs(seqs[:0], first, more); err != nil {
			return fmt.Errorf("index of %s/%s: %w", st.account, st.currency, err)
		}
		st.buf = st.keep(st.buf, seqs)
		st.cursor = first
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	st.rowsDone = n < accountChunk
	return nil
}
