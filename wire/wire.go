package wire

import "time"

// Amount is an amount on the wire: a string of base units.
type Amount string

// BalanceJSON is one account's balance in one currency. Posted and
// Available carry a sign for external accounts.
type BalanceJSON struct {
	Account   string `json:"account"`
	Currency  string `json:"currency"`
	Posted    string `json:"posted"`
	Pending   string `json:"pending"`
	Available string `json:"available"`
	External  bool   `json:"external"`
}

// EntryJSON is an entry on the wire.
type EntryJSON struct {
	Seq      uint64        `json:"seq"`
	Key      string        `json:"key"`
	Kind     string        `json:"kind"`
	Program  string        `json:"program,omitempty"`
	Ref      string        `json:"ref,omitempty"`
	Time     time.Time     `json:"time"`
	Postings []PostingJSON `json:"postings"`
}

// PostingJSON is a posting on the wire.
type PostingJSON struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Amount   Amount `json:"amount"`
	Currency string `json:"currency"`
	Path     string `json:"path,omitempty"`
}

// WithdrawalJSON is a withdrawal on the wire.
type WithdrawalJSON struct {
	ID          string     `json:"id"`
	Account     string     `json:"account"`
	Destination string     `json:"destination"`
	Amount      Amount     `json:"amount"`
	Currency    string     `json:"currency"`
	State       string     `json:"state"`
	RequestSeq  uint64     `json:"request_seq"`
	ResolveSeq  uint64     `json:"resolve_seq,omitempty"`
	Created     time.Time  `json:"created"`
	Resolved    *time.Time `json:"resolved,omitempty"`
}
