package wire

// AccountJSON is an account with its balances in every currency.
type AccountJSON struct {
	Account  string        `json:"account" schema:"AccountName"`
	External bool          `json:"external"`
	Balances []BalanceJSON `json:"balances"`
}

// BatchItem is one entry of a batch.
type BatchItem struct {
	Key      string        `json:"key" schema:"Key"`
	Postings []PostingJSON `json:"postings" jsonschema:"minItems=1,maxItems=1000"`
}

// BatchRequest is the body of POST /v1/entries/batch: entries that are
// applied in order in one transaction, each with its own key and result.
type BatchRequest struct {
	Entries []BatchItem `json:"entries" jsonschema:"minItems=1,maxItems=1000"`
}

// BatchResult is one entry's outcome in a batch: "created", "replayed" or
// "refused" with an error.
type BatchResult struct {
	// The item's key, as sent.
	Key    string `json:"key"`
	Status string `json:"status" jsonschema:"enum=created,enum=replayed,enum=refused"`
	// The entry, when created or replayed.
	Entry *EntryJSON `json:"entry,omitempty"`
	// Why the entry was refused.
	Error *ErrorJSON `json:"error,omitempty"`
}

// EntryRequest is the body of POST /v1/entries.
type EntryRequest struct {
	Postings []PostingJSON `json:"postings" jsonschema:"minItems=1,maxItems=1000"`
}

// MinimumJSON is a currency's minimum withdrawal, in base units; "0" when
// none is set.
type MinimumJSON struct {
	// Currency code.
	Currency string `json:"currency"`
	Amount   Amount `json:"amount" schema:"Amount"`
}

// MinimumRequest is the body of PUT /v1/config/withdrawal-minimums/{currency}.
type MinimumRequest struct {
	// Smallest withdrawal, in base units; "0" clears the minimum.
	Amount Amount `json:"amount" jsonschema:"pattern=^[0-9]+$"`
}

// WithdrawalRequest is the body of POST /v1/withdrawals. The withdrawal's ID
// is the request's Idempotency-Key.
type WithdrawalRequest struct {
	// The internal account paying out.
	Account  string `json:"account" schema:"AccountName"`
	Amount   Amount `json:"amount" schema:"Amount"`
	Currency string `json:"currency" schema:"Currency"`
	// The external account receiving the money; default `@payout`.
	Destination string `json:"destination,omitempty" schema:"AccountName"`
}
