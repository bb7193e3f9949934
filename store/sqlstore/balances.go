package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-ledger/tributary/engine"
	"github.com/tributary-ledger/tributary/ledger"
	"github.com/tributary-ledger/tributary/money"
)

// balanceCols are the columns of a balance that readers see; the writer
// also reads balances.recent (see seqs.go).
const balanceCols = "account, currency, debits_posted, credits_posted, debits_pending, credits_pending"

// writerBalanceCols are what a writing transaction reads of a balance row.
const writerBalanceCols = balanceCols + ", recent"

func scanBalance(sc interface{ Scan(...any) error }) (ledger.Balance, error) {
	var b ledger.Balance
	var f [4]any
	if err := sc.Scan(&b.Account, &b.Currency, &f[0], &f[1], &f[2], &f[3]); err != nil {
		return b, err
	}
	return b, parseSums(&b, &f)
}

// scanBalanceRow scans writerBalanceCols.
func scanBalanceRow(sc interface{ Scan(...any) error }) (cachedBalance, error) {
	var c cachedBalance
	var f [4]any
	if err := sc.Scan(&c.b.Account, &c.b.Currency, &f[0], &f[1], &f[2], &f[3], &c.recent); err != nil {
		return c, err
	}
	c.exists = true
	if c.recent == nil {
		c.recent = []byte{}
	}
	return c, parseSums(&c.b, &f)
}

// collectBalanceRows scans the rows of a query of writerBalanceCols.
func collectBalanceRows(rows *sql.Rows, err error) ([]cachedBalance, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cachedBalance
	for rows.Next() {
		c, err := scanBalanceRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func parseSums(b *ledger.Balance, f *[4]any) error {
	for i, dst := range []*money.Amount{&b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending} {
		a, err := parseAmount(f[i])
		if err != nil {
			return fmt.Errorf("balance %s/%s: %w", b.Account, b.Currency, err)
		}
		*dst = a
	}
	return nil
}

// balanceRows is what a transaction knows of the balance rows it read:
// whether each exists (Write inserts a row read as missing with a plain
// INSERT, see existKey) and its recent entries. Not the sums: the engine
// holds those. A list, not a map: Write sorts it (by then it is sorted
// already, or nearly: the engine locks balances in key order) and walks it
// beside the batch's sorted balances, where a million map lookups cost
// more.
type balanceRows struct {
	list   []keyedRow
	sorted bool // list is sorted by key
}

type keyedRow struct {
	k ledger.BalanceKey
	balanceRow
}

type balanceRow struct {
	exists bool
	recent []byte
}

func (br *balanceRows) put(k ledger.BalanceKey, r balanceRow) {
	if n := len(br.list); n == 0 {
		br.sorted = true
	} else if br.sorted && br.list[n-1].k.Compare(k) >= 0 {
		br.sorted = false
	}
	br.list = append(br.list, keyedRow{k, r})
}

// grow makes room for n more rows.
func (br *balanceRows) grow(n int) { br.list = slices.Grow(br.list, n) }

// sort sorts the list by key; of rows with one key (read twice), the last
// read is kept.
func (br *balanceRows) sort() {
	if br.sorted {
		return
	}
	slices.SortStableFunc(br.list, func(a, b keyedRow) int { return a.k.Compare(b.k) })
	out := br.list[:0]
	for i, r := range br.list {
		if i+1 < len(br.list) && br.list[i+1].k == r.k {
			continue
		}
		out = append(out, r)
	}
	br.list, br.sorted = out, true
}

// fillCache reads every balance into the cache, or the first
// BalanceCacheMax+1 of them if there are more (then the cache is not
// complete and the rest is read on demand).
func (t *txn) fillCache(ctx context.Context) error {
	all, err := collectBalanceRows(t.tx.QueryContext(ctx, t.s.q("SELECT "+writerBalanceCols+" FROM balances LIMIT $1"), t.s.cache.max+1))
	if err != nil {
		return err
	}
	complete := len(all) <= t.s.cache.max
	if !complete {
		all = all[:t.s.cache.max*7/8]
	}
	t.s.cache.fill(all, complete)
	return nil
}

// readBalance returns the balance row k, from the cache when it knows it.
func (t *txn) readBalance(ctx context.Context, k ledger.BalanceKey) (cachedBalance, error) {
	if t.s.cache != nil {
		if c, ok := t.s.cache.get(k); ok {
			c.b.BalanceKey = k
			return c, nil
		}
	}
	st, err := t.prepared(ctx, t.s.q(balanceByKeySQL))
	if err != nil {
		return cachedBalance{}, err
	}
	c, err := scanBalanceRow(st.QueryRowContext(ctx, k.Account, k.Currency))
	if errors.Is(err, sql.ErrNoRows) {
		c = cachedBalance{b: ledger.Balance{BalanceKey: k}, recent: []byte{}}
	} else if err != nil {
		return cachedBalance{}, err
	}
	t.remember(c)
	return c, nil
}

// remember keeps a balance read from the database for the cache, unless
// the transaction read or wrote more than the cache holds: then the cache
// is dropped at commit instead (a million copies would cost more than the
// reads they save).
func (t *txn) remember(c cachedBalance) {
	if t.s.cache == nil || t.cacheOverflow {
		return
	}
	if len(t.reads) >= t.s.cache.max {
		t.cacheOverflow, t.reads = true, nil
		return
	}
	t.reads = append(t.reads, c)
}

const balanceByKeySQL = "SELECT " + writerBalanceCols + " FROM balances WHERE account = $1 AND currency = $2"

// bulkReadMin is the number of balances missing from the cache from which
// one read looks them up together, by key ranges, instead of one by one.
const bulkReadMin = 256

// bulkRangeMax bounds the keys one range read covers; a range read gives
// up (and reads those keys one by one) when the range holds more than
// bulkSparseMax rows per key asked for.
const (
	bulkRangeMax  = 4096
	bulkSparseMax = 4
)

func (t *txn) LockBalances(ctx context.Context, keys []ledger.BalanceKey) ([]ledger.Balance, error) {
	out := make([]ledger.Balance, 0, len(keys))
	if len(keys) > bulkReadMin {
		t.bals.grow(len(keys))
	}
	if !t.s.d.LockRows {
		// Without row locks (SQLite) the order does not matter, and one
		// prepared single-row read per key beats parsing an IN list;
		// many keys are read by ranges.
		var misses []int // indexes in keys of what the cache does not know
		for i, k := range keys {
			if t.s.cache != nil {
				if c, ok := t.s.cache.get(k); ok {
					t.bals.put(k, balanceRow{exists: c.exists, recent: c.recent})
					c.b.BalanceKey = k
					out = append(out, c.b)
					continue
				}
			}
			misses = append(misses, i)
			out = append(out, ledger.Balance{})
		}
		if len(misses) > bulkReadMin {
			return out, t.readRanges(ctx, keys, misses, out)
		}
		for _, i := range misses {
			c, err := t.readBalance(ctx, keys[i])
			if err != nil {
				return nil, err
			}
			t.bals.put(keys[i], balanceRow{exists: c.exists, recent: c.recent})
			out[i] = c.b
		}
		return out, nil
	}
	found := make(map[ledger.BalanceKey]cachedBalance, len(keys))
	if t.s.d.Arrays {
		if err := t.lockByArrays(ctx, t.uncached(keys, found), found); err != nil {
			return nil, err
		}
		return t.lockedRows(keys, found, out), nil
	}
	const chunk = 200
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		var sb strings.Builder
		args := make([]any, 0, 2*len(part))
		sb.WriteString("SELECT " + writerBalanceCols + " FROM balances WHERE (account, currency) IN (")
		for i, k := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "($%d,$%d)", 2*i+1, 2*i+2)
			args = append(args, k.Account, k.Currency)
		}
		sb.WriteString(") ORDER BY account, currency" + t.s.lock())
		rows, err := t.tx.QueryContext(ctx, t.s.q(sb.String()), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c, err := scanBalanceRow(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			found[c.b.BalanceKey] = c
		}
		// A deadlock found while waiting for a row lock ends the rows
		// early: without this check the partial result passed for the
		// whole and the aborted transaction failed later, unretried.
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return t.lockedRows(keys, found, out), nil
}

// lockedRows records the rows found of keys, and those missing as zero,
// and appends the balances to out in the order of keys.
func (t *txn) lockedRows(keys []ledger.BalanceKey, found map[ledger.BalanceKey]cachedBalance, out []ledger.Balance) []ledger.Balance {
	for _, k := range keys {
		c, ok := found[k]
		if !ok {
			c = cachedBalance{b: ledger.Balance{BalanceKey: k}, recent: []byte{}}
		}
		t.bals.put(k, balanceRow{exists: c.exists, recent: c.recent})
		out = append(out, c.b)
	}
	return out
}

// uncached puts into found the balances of keys the cache knows and
// returns the others, in their order. A writer that locks rows may skip
// the lock of a balance the cache knows: every writing transaction
// locks the journal counters first and holds them to its end (see
// Update), so no other writer can change that balance before this one
// commits, and the cache is right about it (balanceCache.begin found the
// journal where the cache left it).
func (t *txn) uncached(keys []ledger.BalanceKey, found map[ledger.BalanceKey]cachedBalance) []ledger.BalanceKey {
	if t.s.cache == nil {
		return keys
	}
	misses := keys[:0:0]
	for _, k := range keys {
		if c, ok := t.s.cache.get(k); ok {
			c.b.BalanceKey = k
			found[k] = c
			continue
		}
		misses = append(misses, k)
	}
	return misses
}

// lockByArrays locks the rows of keys (sorted) with lockBalancesSQL, a
// statement per lockArraysMax keys, into found; it remembers them, and
// the keys without a row, for the cache.
func (t *txn) lockByArrays(ctx context.Context, keys []ledger.BalanceKey, found map[ledger.BalanceKey]cachedBalance) error {
	for start := 0; start < len(keys); start += lockArraysMax {
		part := keys[start:min(start+lockArraysMax, len(keys))]
		accounts, currencies := make([]string, len(part)), make([]string, len(part))
		for i, k := range part {
			accounts[i], currencies[i] = k.Account, k.Currency
		}
		rows, err := t.lockBalanceArrays(ctx, accounts, currencies)
		if err != nil {
			return err
		}
		for _, c := range rows {
			found[c.b.BalanceKey] = c
		}
		if t.s.cache == nil {
			continue
		}
		for _, k := range part {
			c, ok := found[k]
			if !ok {
				c = cachedBalance{b: ledger.Balance{BalanceKey: k}, recent: []byte{}}
			}
			t.remember(c)
		}
	}
	return nil
}

// lockArraysMax bounds the keys of one lockBalancesSQL.
const lockArraysMax = 65536

// readRanges reads the balances keys[i] for i in misses (ascending, keys
// sorted) into out, a range of up to bulkRangeMax keys at a time, merging
// the rows of each range with its keys; a range too sparse (many more rows
// than keys: other accounts between them) is read key by key instead.
func (t *txn) readRanges(ctx context.Context, keys []ledger.BalanceKey, misses []int, out []ledger.Balance) error {
	st, err := t.prepared(ctx, t.s.q(balanceRangeSQL))
	if err != nil {
		return err
	}
	for start := 0; start < len(misses); start += bulkRangeMax {
		part := misses[start:min(start+bulkRangeMax, len(misses))]
		lo, hi := keys[part[0]], keys[part[len(part)-1]]
		limit := bulkSparseMax * len(part)
		got, err := collectBalanceRows(st.QueryContext(ctx, lo.Account, lo.Account, lo.Currency, hi.Account, hi.Account, hi.Currency, limit+1))
		if err != nil {
			return err
		}
		if len(got) > limit {
			for _, i := range part {
				c, err := t.readBalance(ctx, keys[i])
				if err != nil {
					return err
				}
				t.bals.put(keys[i], balanceRow{exists: c.exists, recent: c.recent})
				out[i] = c.b
			}
			continue
		}
		r := 0
		for _, i := range part {
			k := keys[i]
			for r < len(got) && got[r].b.BalanceKey.Compare(k) < 0 {
				r++
			}
			c := cachedBalance{b: ledger.Balance{BalanceKey: k}, recent: []byte{}}
			if r < len(got) && got[r].b.BalanceKey == k {
				c = got[r]
			}
			t.remember(c)
			t.bals.put(k, balanceRow{exists: c.exists, recent: c.recent})
			out[i] = c.b
		}
	}
	return nil
}

// balanceRangeSQL reads the balance rows from one key to another, both
// included, in key order (without row values, which not every database
// compares through an index).
const balanceRangeSQL = "SELECT " + writerBalanceCols + " FROM balances WHERE (account > $1 OR (account = $2 AND currency >= $3)) AND (account < $4 OR (account = $5 AND currency <= $6)) ORDER BY account, currency LIMIT $7"

// writeBalances adds to ins the batch's balance rows, each with its recent
// entries, and the entry_accounts rows of the lists that grew past
// RecentMax (see seqs.go). It records the rows written for the cache.
func (t *txn) writeBalances(ins *inserter, b *engine.Batch) error {
	touches, start := b.Touches, b.TouchStart
	if len(start) != len(b.Balances)+1 || int(start[len(start)-1]) != len(touches) {
		return fmt.Errorf("a batch of %d balances with %d touch offsets for %d touches", len(b.Balances), len(start), len(touches))
	}
	if t.s.cache != nil && !t.cacheOverflow {
		if len(b.Balances) > t.s.cache.max {
			t.cacheOverflow, t.reads = true, nil
		} else {
			t.written = make([]cachedBalance, 0, len(b.Balances))
		}
	}
	t.bals.sort()
	rows := t.bals.list
	r := 0
	var old, added []uint64
	for i, bal := range b.Balances {
		for r < len(rows) && rows[r].k.Compare(bal.BalanceKey) < 0 {
			r++
		}
		if r == len(rows) || rows[r].k != bal.BalanceKey {
			// The engine locks every balance before it changes it.
			return fmt.Errorf("balance %s/%s was written without being read", bal.Account, bal.Currency)
		}
		row := &rows[r].balanceRow
		added = added[:0]
		for _, j := range touches[start[i]:start[i+1]] {
			if j < 0 || int(j) >= len(b.Entries) {
				return fmt.Errorf("balance %s/%s: entry %d of a batch of %d", bal.Account, bal.Currency, j, len(b.Entries))
			}
			if seq := b.Entries[j].Seq; len(added) == 0 || seq > added[len(added)-1] {
				added = append(added, seq)
			}
		}
		var err error
		if old, err = decodeRecent(old[:0], row.recent); err != nil {
			return fmt.Errorf("balance %s/%s: %w", bal.Account, bal.Currency, err)
		}
		if len(old) > 0 && len(added) > 0 && added[0] <= old[len(old)-1] {
			return fmt.Errorf("balance %s/%s: entry %d follows entry %d in its list", bal.Account, bal.Currency, added[0], old[len(old)-1])
		}
		all := append(old, added...)
		old = all // keep the room for the next balance
		var recent []byte
		if len(all) > RecentMax {
			ins.add(insEntryAccounts, bal.Account, bal.Currency, all[0], encodeSeqs(all))
			recent = []byte{}
		} else {
			recent = encodeRecent(nil, all)
		}
		shape := insBalancesOld
		if !row.exists {
			shape = insBalancesNew
		}
		ins.add(shape, bal.Account, bal.Currency, amountArg(bal.DebitsPosted), amountArg(bal.CreditsPosted), amountArg(bal.DebitsPending), amountArg(bal.CreditsPending), recent)
		// A later Write in this transaction updates the row this one wrote.
		*row = balanceRow{exists: true, recent: recent}
		if t.written != nil {
			t.written = append(t.written, cachedBalance{b: bal, exists: true, recent: recent})
		}
	}
	return nil
}
