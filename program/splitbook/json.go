package splitbook

import "github.com/tributary-ledger/tributary/wire"

// PaymentRequest is the body of POST /v1/payments: an amount paid from an
// account (usually external, such as "@buyer:42") by a named split.
type PaymentRequest struct {
	// The paying account, usually external such as `@buyer:42`.
	From     string      `json:"from" schema:"AccountName"`
	Split    string      `json:"split" schema:"SplitId"`
	Amount   wire.Amount `json:"amount" schema:"Amount"`
	Currency string      `json:"currency" schema:"Currency"`
	// At most 200 bytes, written into every posting's path.
	Memo string `json:"memo,omitempty" jsonschema:"maxLength=200"`
}

// ListJSON is a page of splits.
type ListJSON struct {
	Splits []Def  `json:"splits"`
	Next   string `json:"next,omitempty"`
}

// DefReplacement is the body of PUT /v1/splits/{id}: a split as Def, whose
// ID may be left out (the path names it) but must match the path if sent.
type DefReplacement struct {
	ID string `json:"id,omitempty" schema:"SplitId"`
	// `bp`: shares are basis points summing to exactly 10000; `weight`: shares
	// are relative weights.
	Unit      string        `json:"unit" jsonschema:"enum=bp,enum=weight"`
	Receivers []ReceiverDef `json:"receivers" jsonschema:"minItems=1,maxItems=1000"`
}
