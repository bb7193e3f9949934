package wire

import "time"

// Amount is an amount on the wire: a string of base units.
type Amount string

// BalanceJSON is one account's balance in one currency. Posted and
// Available carry a sign for external accounts.
type BalanceJSON struct {
	Account  string `json:"account" schema:"AccountName"`
	Currency string `json:"currency" schema:"Currency"`
	// Posted credits minus posted debits.
	Posted string `json:"posted" schema:"SignedAmount"`
	// Reserved by pending withdrawals.
	Pending string `json:"pending" schema:"Amount"`
	// What the account can still spend: posted credits minus posted and pending
	// debits.
	Available string `json:"available" schema:"SignedAmount"`
	External  bool   `json:"external"`
}

// EntryJSON is an entry on the wire.
type EntryJSON struct {
	// Commit order, from 1, without gaps.
	Seq  uint64 `json:"seq" jsonschema:"minimum=1"`
	Key  string `json:"key" schema:"Key"`
	Kind string `json:"kind" schema:"EntryKind"`
	// The program that produced the entry, such as `splits` or `market`; omitted
	// for entries submitted directly.
	Program string `json:"program,omitempty"`
	// The withdrawal ID of a withdrawal entry, `split:<id>` for a split's
	// entries, or `market:<id>` for the market's (the asset, license or
	// `config`); omitted when empty.
	Ref      string        `json:"ref,omitempty"`
	Time     time.Time     `json:"time" schema:"Time"`
	Postings []PostingJSON `json:"postings"`
}

// PostingJSON is a posting on the wire.
type PostingJSON struct {
	From     string `json:"from" schema:"AccountName"`
	To       string `json:"to" schema:"AccountName"`
	Amount   Amount `json:"amount" schema:"Amount"`
	Currency string `json:"currency" schema:"Currency"`
	// Where the posting came from, for people, such as `payment:k1 → split:album
	// → artist:42`. Omitted when empty.
	Path string `json:"path,omitempty" jsonschema:"maxLength=1024"`
}

// WithdrawalJSON is a withdrawal on the wire.
type WithdrawalJSON struct {
	ID          string `json:"id" schema:"Key"`
	Account     string `json:"account" schema:"AccountName"`
	Destination string `json:"destination" schema:"AccountName"`
	Amount      Amount `json:"amount" schema:"Amount"`
	Currency    string `json:"currency" schema:"Currency"`
	State       string `json:"state" schema:"WithdrawalState"`
	// The entry that reserved the amount; 0 in the answer of a post or void.
	RequestSeq uint64 `json:"request_seq" jsonschema:"minimum=0"`
	// The entry that posted or voided it; omitted while pending.
	ResolveSeq uint64 `json:"resolve_seq,omitempty" jsonschema:"minimum=1"`
	// When it was requested; the zero time in the answer of a post or void.
	Created time.Time `json:"created" schema:"Time"`
	// When it was posted or voided; omitted while pending.
	Resolved *time.Time `json:"resolved,omitempty" schema:"Time"`
}
