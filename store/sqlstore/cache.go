package sqlstore

import (
	"sync"

	"github.com/tributary-ledger/tributary/ledger"
)

// BalanceCacheMax bounds the balances a store keeps in memory (the
// single writer's, or a PostgreSQL node's), about 300 bytes each.
const BalanceCacheMax = 1 << 17

// balanceCache keeps committed balances in memory for a store whose
// transactions all go through one connection (SQLite), or whose writers
// all lock the journal counters first (PostgreSQL, Dialect.CacheBalances),
// so that a commit does not read back, or lock, balances it wrote a
// moment before.
//
// It is only ever right about the state at journal sequence seq: a
// transaction starts by reading the journal's last entry number (on
// PostgreSQL, locking it until its commit) and drops the whole cache if it
// differs, which is what happens when another process (another
// `tributary` command on the same file, another node) committed entries.
// Balances change only with entries, so an unchanged number means unchanged
// balances. A
// transaction's reads and writes enter the cache only once it committed;
// a commit whose outcome is unknown empties it.
//
// While the ledger has at most BalanceCacheMax balances the cache holds
// all of them (complete), and a balance missing from it is known to be
// zero without asking the database; in a new ledger that saves a read for
// every new account. Past that, it holds some, misses are read, and a reset
// does not read them all again.
// mu is held from commit to merge, so that the next transaction cannot
// look in between.
type balanceCache struct {
	mu       sync.Mutex
	m        map[ledger.BalanceKey]cachedBalance
	seq      uint64 // journal counter the contents are right for
	valid    bool
	complete bool // every balance row is in m
	max      int  // BalanceCacheMax; smaller in tests
	// tooBig: a fill found more than max balances. Balances are never
	// deleted, so later resets do not read them all again.
	tooBig bool
}

type cachedBalance struct {
	b      ledger.Balance
	exists bool   // a row exists; false: none, the balance is zero
	recent []byte // the row's recent entries (see seqs.go)
}

// SetBalanceCacheMax bounds the balances kept in memory (BalanceCacheMax
// by default; at least 1). It has no effect on a store without a cache.
// Call it before the first write.
func (s *Store) SetBalanceCacheMax(n int) {
	if s.cache == nil {
		return
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.cache.max = max(n, 1)
	clear(s.cache.m)
	s.cache.valid, s.cache.complete, s.cache.tooBig = false, false, false
}

func newBalanceCache() *balanceCache {
	return &balanceCache{m: map[ledger.BalanceKey]cachedBalance{}, max: BalanceCacheMax}
}

// begin checks the cache against the journal counter read at the start of a
// transaction. It reports that the cache was emptied and should be filled
// (fill) from the database.
func (c *balanceCache) begin(seq uint64) (refill bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.seq == seq {
		return false
	}
	clear(c.m)
	c.seq, c.valid, c.complete = seq, true, false
	return !c.tooBig
}

// fill records the balance rows of the database, read in the transaction
// that called begin; complete says they are all of them.
func (c *balanceCache) fill(rows []cachedBalance, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		c.m[r.b.BalanceKey] = r
	}
	c.complete = complete && len(c.m) <= c.max
	c.tooBig = !complete
}

// get returns the cached balance for k; ok is false when the database must
// be asked.
func (c *balanceCache) get(k ledger.BalanceKey) (v cachedBalance, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok = c.m[k]; ok {
		return v, true
	}
	if c.complete {
		return cachedBalance{b: ledger.Balance{BalanceKey: k}, recent: []byte{}}, true
	}
	return v, false
}

// invalidate forgets everything: after a commit whose outcome is unknown.
// Call with mu held.
func (c *balanceCache) invalidate() {
	clear(c.m)
	c.valid, c.complete = false, false
}

// merge records a committed transaction: the balances it read, then those
// it wrote, and the journal counter after it. Call with mu held.
func (c *balanceCache) merge(reads, writes []cachedBalance, seq uint64) {
	if !c.valid {
		return
	}
	if len(c.m)+len(reads)+len(writes) > c.max {
		// Drop an arbitrary eighth (map order is random), more if this
		// transaction alone is large.
		c.complete = false
		drop := len(c.m) + len(reads) + len(writes) - c.max*7/8
		for k := range c.m {
			if drop <= 0 {
				break
			}
			delete(c.m, k)
			drop--
		}
	}
	for _, r := range reads {
		if len(c.m) < c.max {
			c.m[r.b.BalanceKey] = r
		}
	}
	for _, w := range writes {
		if len(c.m) < c.max {
			c.m[w.b.BalanceKey] = w
		} else {
			delete(c.m, w.b.BalanceKey) // never keep an old value of a written balance
		}
	}
	c.seq = seq
}
