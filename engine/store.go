package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/ledger"
)

// Store is what the engine needs of a store: transactions.
type Store interface {
	// Update runs fn in one transaction and commits it when fn returns nil.
	// It returns an error wrapping ErrRetry when the transaction lost a race
	// with another writer (a serialization failure, a deadlock, a unique key
	// taken meanwhile); nothing of it is then written and the engine runs
	// the whole batch again.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx is one store transaction. Reads that precede a write lock what they
// read until the transaction ends, so that concurrent writers serialize on
// the rows they share and nowhere else.
type Tx interface {
	// Entries returns the committed entries whose keys are among keys
	// (which may repeat), in any order. The engine asks once per batch,
	// before running its operations (on SQLite a statement per entry was
	// most of a commit, on PostgreSQL a round trip per entry), or not at
	// all for a small batch when UniqueKeys holds.
	Entries(ctx context.Context, keys []string) ([]ledger.Entry, error)
	// UniqueKeys reports that the store refuses an entry under a key the
	// journal holds: Write (or AddEntry, or the commit) then fails with an
	// error wrapping ErrRetry and nothing of the transaction is committed,
	// which a unique index on the key gives. The engine may then run a
	// small batch without looking its keys up first (see guessKeys): in
	// the usual case none was used before.
	UniqueKeys() bool
	// LockBalances returns and locks the balances with the given keys, which
	// the caller passes sorted (ledger.BalanceKey.Less) so that locks are
	// always taken in one order. It returns one balance per key, in the
	// order of keys; missing balances come back as zero.
	LockBalances(ctx context.Context, keys []ledger.BalanceKey) ([]ledger.Balance, error)
	// LockBalanceRange returns and locks every stored balance of currency
	// whose account starts with prefix (all accounts for ""), in key
	// order: an operation that selects from balances and then changes
	// them (a payout batch) reads each once.
	LockBalanceRange(ctx context.Context, prefix, currency string) ([]ledger.Balance, error)
	// LockStatePage returns and locks up to limit of a program's state
	// records whose keys start with prefix and sort after after, in key
	// order.
	LockStatePage(ctx context.Context, program, prefix, after string, limit int) ([]StateValue, error)
	// LockState returns and locks a program's state value.
	LockState(ctx context.Context, program, key string) ([]byte, bool, error)
	// LockWithdrawal returns and locks a withdrawal.
	LockWithdrawal(ctx context.Context, id string) (ledger.Withdrawal, bool, error)
	// Reserve takes the next entries and events sequence numbers, gapless
	// and in commit order, and returns the first of each. A store holds the
	// counters locked until commit, so call it last, just before Write.
	Reserve(ctx context.Context, entries, events int) (firstEntry, firstEvent uint64, err error)
	// Write appends the batch: entries with their postings, the final value
	// of every balance it changed, state, withdrawals and events.
	Write(ctx context.Context, b *Batch) error

	// Streaming reports whether the transaction can take a large batch's
	// entries as the engine accepts them (AddEntry), so that the store
	// writes them while the engine runs the batch's later operations: not
	// while the engine still reads through it on a connection that cannot
	// run a statement while another's rows are being read (PostgreSQL's).
	// The engine then numbers entries and their committed events itself,
	// from Counters, and the numbers Reserve returns must be those.
	Streaming() bool
	// Counters returns the next entry and event sequence numbers.
	Counters(ctx context.Context) (nextEntry, nextEvent uint64, err error)
	// AddEntry writes an accepted entry, numbered, and its committed
	// event. They are Batch.Entries[:Batch.Streamed] at Write.
	AddEntry(ctx context.Context, e *ledger.Entry, committed Event) error
}

// Batch is everything one transaction writes.
type Batch struct {
	Entries []*ledger.Entry
	// Streamed is how many of Entries (the first), with their committed
	// events, went to Tx.AddEntry already; Events holds the rest.
	Streamed int
	// Balances are the final values of the balances the entries changed,
	// sorted by key. The entries that changed Balances[i] are
	// Entries[j] for j in Touches[TouchStart[i]:TouchStart[i+1]],
	// ascending: what a store indexes entries by account with.
	Balances    []ledger.Balance
	Touches     []int32
	TouchStart  []int32
	State       []StateWrite
	Withdrawals []ledger.Withdrawal
	Events      []Event
}

// StateWrite sets a program's state value; a nil Value deletes it.
type StateWrite struct {
	Program string
	Key     string
	Value   []byte
}

// Event is one record of the transactional outbox: it commits with the
// change it announces, so none is lost and none is invented.
type Event struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	Time time.Time       `json:"time"`
	Data json.RawMessage `json:"data"`
}

// Event types written by the engine itself.
const (
	EventEntryCommitted    = "entry.committed"
	EventWithdrawalChanged = "withdrawal.changed"
	EventConfigChanged     = "config.changed"
)

// ErrRetry marks a transaction that lost a race and may simply be run again.
var ErrRetry = errcode.New(errcode.Unavailable, "retry", "transaction conflicted with a concurrent one; try again")
