package ledger

import "time"

// Filters of the journal, balances and withdrawals: what a store's list
// queries take. They live here, beside what they select, so that a reader
// of the ledger (the API) needs no store package to name them.

// JournalFilter selects entries. Zero fields select everything.
type JournalFilter struct {
	After   uint64    // entries with larger sequence numbers
	Account string    // entries with a posting from or to this account
	Since   time.Time // entries at or after this time
	Until   time.Time // entries before this time
	Limit   int
}

// BalanceFilter selects balances. Zero fields select everything.
type BalanceFilter struct {
	After    BalanceKey // cursor: balances after this key
	Prefix   string     // accounts starting with this
	Currency string
	Limit    int
}

// WithdrawalFilter selects withdrawals. Zero fields select everything.
type WithdrawalFilter struct {
	After   string // cursor: withdrawals with larger IDs
	Account string
	State   WithdrawalState
	Limit   int
}
