package splitbook

import "github.com/tributary-ledger/tributary/wire"

// PaymentRequest is the body of POST /v1/payments: an amount paid from an
// account (usually external, such as "@buyer:42") by a named split.
type PaymentRequest struct {
	From     string      `json:"from"`
	Split    string      `json:"split"`
	Amount   wire.Amount `json:"amount"`
	Currency string      `json:"currency"`
	Memo     string      `json:"memo,omitempty"`
}

// ListJSON is a page of splits.
type ListJSON struct {
	Splits []Def  `json:"splits"`
	Next   string `json:"next,omitempty"`
}
