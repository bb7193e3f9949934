// Package ledger holds Tributary's double-entry book: accounts, postings,
// entries, balances and two-phase withdrawals, and the pure rules that apply
// an entry to balances and verify a journal. It does no I/O: stores persist
// what it computes, and the engine moves data between the two.
package ledger
