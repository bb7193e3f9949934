package wire

// StatusJSON answers the liveness and readiness checks.
type StatusJSON struct {
	// "ok", "ready", or what is not ready, such as "store unreachable".
	Status string `json:"status"`
}

// BalanceListJSON is a page of balances.
type BalanceListJSON struct {
	Balances []BalanceJSON `json:"balances"`
	// The cursor of the next page; absent on the last.
	Next string `json:"next,omitempty" schema:"Cursor"`
}

// EntryListJSON is a page of the journal.
type EntryListJSON struct {
	Entries []EntryJSON `json:"entries"`
	// The sequence number to pass as after for the next page; absent on
	// the last.
	Next string `json:"next,omitempty" schema:"SeqString"`
}

// WithdrawalListJSON is a page of withdrawals.
type WithdrawalListJSON struct {
	Withdrawals []WithdrawalJSON `json:"withdrawals"`
	// The cursor of the next page; absent on the last.
	Next string `json:"next,omitempty" schema:"Cursor"`
}

// BatchResponse answers a batch of entries: one result per entry, in the
// order sent.
type BatchResponse struct {
	Results []BatchResult `json:"results"`
}

// TokenListJSON lists every token, revoked ones included.
type TokenListJSON struct {
	Tokens []TokenJSON `json:"tokens"`
}

// The payloads of the event stream's events, as GET /v1/events sends them
// in its data lines.

// EntryCommittedEvent is the data of an entry.committed event.
type EntryCommittedEvent struct {
	Seq  uint64 `json:"seq" jsonschema:"minimum=1"`
	Key  string `json:"key" schema:"Key"`
	Kind string `json:"kind" schema:"EntryKind"`
	// The program that wrote the entry; absent for the ledger's own.
	Program string `json:"program,omitempty"`
	// The number of postings.
	Postings int `json:"postings" jsonschema:"minimum=0"`
}

// WithdrawalChangedEvent is the data of a withdrawal.changed event.
type WithdrawalChangedEvent struct {
	ID       string `json:"id" schema:"Key"`
	Account  string `json:"account" schema:"AccountName"`
	State    string `json:"state" schema:"WithdrawalState"`
	Amount   Amount `json:"amount"`
	Currency string `json:"currency" schema:"Currency"`
}

// ConfigChangedEvent is the data of a config.changed event.
type ConfigChangedEvent struct {
	// What changed, such as split, market_asset, usage_participant.
	Kind string `json:"kind"`
	// Which one.
	ID string `json:"id"`
	// How: created, replaced, set, revoked…; absent where the kind says.
	Action string `json:"action,omitempty"`
	// A withdrawal minimum's new amount.
	Amount string `json:"amount,omitempty"`
}
