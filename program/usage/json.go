package usage

import (
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/wire"
)

// ParticipantRequest is the body of POST /v1/usage/participants, and of
// PUT /v1/usage/participants/{id} (where id and owner are ignored).
type ParticipantRequest struct {
	ID       string        `json:"id"`
	Owner    string        `json:"owner"`
	Account  string        `json:"account"`
	Category string        `json:"category,omitempty"`
	Split    []split.Share `json:"split,omitempty"`
}

// ParticipantsRequest is the body of POST /v1/usage/participants/batch:
// up to 10,000 participants registered together, in order.
type ParticipantsRequest struct {
	Participants []ParticipantRequest `json:"participants"`
}

// ConfigJSON is the usage program's configuration versions and status.
type ConfigJSON struct {
	Versions []Version `json:"versions"`
	Status   Status    `json:"status"`
}

// ReportsJSON answers a report batch.
type ReportsJSON struct {
	Epoch   uint64 `json:"epoch"`
	Reports int    `json:"reports"`
	Seq     uint64 `json:"seq"`
}

// RevenueRequest is the body of POST /v1/usage/revenue: platform
// revenue recorded in the current epoch, from an account (usually external).
type RevenueRequest struct {
	Amount   wire.Amount `json:"amount"`
	Currency string      `json:"currency"`
	From     string      `json:"from"`
}

// StatementJSON is a closed epoch's statement, recomputed from the
// stored inputs and checked against the stored digest: the header, and the
// line of the participant asked for (all lines of a large program would
// not fit one response; `tributary usage explain` prints any of them).
type StatementJSON struct {
	Header StatementHeader `json:"header"`
	Digest string          `json:"statement_sha256"`
	Rows   []StatementRow  `json:"rows"`
}

// RegisteredJSON answers a batch registration: how many participants it
// registered.
type RegisteredJSON struct {
	Registered int `json:"registered"`
}
