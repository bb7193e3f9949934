package wire

// AccountJSON is an account with its balances in every currency.
type AccountJSON struct {
	Account  string        `json:"account"`
	External bool          `json:"external"`
	Balances []BalanceJSON `json:"balances"`
}

// BatchItem is one entry of a batch.
type BatchItem struct {
	Key      string        `json:"key"`
	Postings []PostingJSON `json:"postings"`
}

// BatchRequest is the body of POST /v1/entries/batch: entries that are
// applied in order in one transaction, each with its own key and result.
type BatchRequest struct {
	Entries []BatchItem `json:"entries"`
}

// BatchResult is one entry's outcome in a batch: "created", "replayed" or
// "refused" with an error.
type BatchResult struct {
	Key    string     `json:"key"`
	Status string     `json:"status"`
	Entry  *EntryJSON `json:"entry,omitempty"`
	Error  *ErrorJSON `json:"error,omitempty"`
}

// EntryRequest is the body of POST /v1/entries.
type EntryRequest struct {
	Postings []PostingJSON `json:"postings"`
}

// MinimumJSON is a currency's minimum withdrawal, in base units; "0" when
// none is set.
type MinimumJSON struct {
	Currency string `json:"currency"`
	Amount   Amount `json:"amount"`
}

// MinimumRequest is the body of PUT /v1/config/withdrawal-minimums/{currency}.
type MinimumRequest struct {
	Amount Amount `json:"amount"`
}

// WithdrawalRequest is the body of POST /v1/withdrawals. The withdrawal's ID
// is the request's Idempotency-Key.
type WithdrawalRequest struct {
	Account     string `json:"account"`
	Amount      Amount `json:"amount"`
	Currency    string `json:"currency"`
	Destination string `json:"destination,omitempty"`
}
