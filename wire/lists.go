package wire

import "time"

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

// FlowJSON is the money one path carried in a period: every posting of one
// currency from one account to another made by one program, summed.
type FlowJSON struct {
	From string `json:"from" schema:"AccountName"`
	// The program whose entries made the postings; "" for entries
	// submitted directly.
	Program string `json:"program"`
	// The program's rule that made them, named from their explanation
	// paths ("split", "platform fee", "seller remainder"); "" for postings
	// without a path.
	Rule     string `json:"rule"`
	To       string `json:"to" schema:"AccountName"`
	Currency string `json:"currency" schema:"Currency"`
	// The sum of the postings' amounts, exact.
	Amount Amount `json:"amount" schema:"Amount"`
	// How many postings the sum is of.
	Postings int `json:"postings" jsonschema:"minimum=1"`
}

// FlowListJSON sums a window of the journal by path: the flows of the
// entries it read, ordered by from, program, to and currency.
type FlowListJSON struct {
	Flows []FlowJSON `json:"flows"`
	// How many entries the sums are of.
	Entries int `json:"entries" jsonschema:"minimum=0"`
	// Those entries counted by the UTC hour of their time, in order; hours
	// without entries are absent.
	Hours []FlowHourJSON `json:"hours"`
	// The sequence number to pass as after to sum the next entries of the
	// period; absent when the period was read to its end.
	Next string `json:"next,omitempty" schema:"SeqString"`
}

// FlowHourJSON is how many entries an hour holds.
type FlowHourJSON struct {
	// The hour's first instant, UTC.
	Hour    time.Time `json:"hour" schema:"Time"`
	Entries int       `json:"entries" jsonschema:"minimum=1"`
}

// CurrencyInfoJSON is a registered currency: amounts in it are integers of
// base units, one unit being 10^decimals of them.
type CurrencyInfoJSON struct {
	Code     string `json:"code" schema:"Currency"`
	Decimals int    `json:"decimals" jsonschema:"minimum=0,maximum=36"`
}

// CurrencyListJSON lists the registered currencies by code.
type CurrencyListJSON struct {
	Currencies []CurrencyInfoJSON `json:"currencies"`
}
