package usage

import (
	"github.com/tributary-ledger/tributary/money"
	"github.com/tributary-ledger/tributary/split"
	"github.com/tributary-ledger/tributary/wire"
)

// ParticipantRequest is the body of POST /v1/usage/participants.
type ParticipantRequest struct {
	// The participant's ID, unique in the program.
	ID string `json:"id" schema:"UsageParticipantId"`
	// The account whose `payee` token may change the participant.
	Owner string `json:"owner" schema:"AccountName"`
	// The internal account payouts go to (an external one is 400
	// `account_invalid`; a pool account 422 `usage_config_invalid`).
	Account string `json:"account" schema:"AccountName"`
	// The participant's category, for `category_weighted`.
	Category string `json:"category,omitempty" schema:"UsageName"`
	// When set, payouts are split among these internal accounts instead of going
	// to `account`.
	Split []split.Share `json:"split,omitempty" jsonschema:"minItems=1,maxItems=16"`
}

// ParticipantUpdate is the body of PUT /v1/usage/participants/{id}: the
// participant's new account, category and split. Its ID and owner never
// change; sent here, they are ignored.
type ParticipantUpdate struct {
	// Ignored: the path names the participant.
	ID string `json:"id,omitempty" schema:"UsageParticipantId"`
	// Ignored: the owner never changes.
	Owner string `json:"owner,omitempty" schema:"AccountName"`
	// The internal account payouts go to.
	Account string `json:"account" schema:"AccountName"`
	// The participant's category, for `category_weighted`.
	Category string `json:"category,omitempty" schema:"UsageName"`
	// When set, payouts are split among these internal accounts instead of going
	// to `account`.
	Split []split.Share `json:"split,omitempty" jsonschema:"minItems=1,maxItems=16"`
}

// ParticipantsRequest is the body of POST /v1/usage/participants/batch:
// up to 10,000 participants registered together, in order.
type ParticipantsRequest struct {
	Participants []ParticipantRequest `json:"participants" jsonschema:"minItems=1,maxItems=10000"`
}

// ConfigJSON is the usage program's configuration versions and status.
type ConfigJSON struct {
	// The configuration versions, oldest first; empty until one is applied.
	Versions []Version `json:"versions"`
	Status   Status    `json:"status"`
}

// ReportsJSON answers a report batch.
type ReportsJSON struct {
	Epoch uint64 `json:"epoch" jsonschema:"minimum=0"`
	// How many reports the batch had.
	Reports int `json:"reports" jsonschema:"minimum=1"`
	// The journal entry that recorded the batch.
	Seq uint64 `json:"seq" jsonschema:"minimum=1"`
}

// RevenueRequest is the body of POST /v1/usage/revenue: platform
// revenue recorded in the current epoch, from an account (usually external).
type RevenueRequest struct {
	Amount wire.Amount `json:"amount" schema:"Amount"`
	// The program's currency (otherwise 422 `usage_config_invalid`).
	Currency string `json:"currency" schema:"Currency"`
	// Where the revenue comes from, usually external (`@platform`); not the pool
	// account.
	From string `json:"from" schema:"AccountName"`
}

// StatementJSON is a closed epoch's statement, recomputed from the
// stored inputs and checked against the stored digest: the header, and the
// line of the participant asked for (all lines of a large program would
// not fit one response; `tributary usage explain` prints any of them).
type StatementJSON struct {
	Header StatementHeader `json:"header"`
	Digest string          `json:"statement_sha256" jsonschema:"pattern=^[0-9a-f]{64}$"`
	// The line of the participant asked for with `participant`; empty otherwise.
	Rows []StatementRow `json:"rows"`
}

// RegisteredJSON answers a batch registration: how many participants it
// registered.
type RegisteredJSON struct {
	Registered int `json:"registered"`
}

// WhatIfJSON answers POST /v1/usage/epochs/{epoch}/simulate: the statement
// a closed epoch would have had under another configuration (its header),
// and for each participant asked for, its line under that configuration
// beside the amount actually paid.
type WhatIfJSON struct {
	Epoch uint64 `json:"epoch" jsonschema:"minimum=0"`
	// The header the alternative statement would have.
	Header StatementHeader `json:"header"`
	// The header of the statement actually given, for comparison.
	Actual StatementHeader `json:"actual"`
	// One line per participant asked for with `participants`, in that order.
	Rows []WhatIfRow `json:"rows"`
}

// WhatIfRow is one participant under the alternative configuration: its
// statement line there, what it was actually paid, and the difference.
type WhatIfRow struct {
	Line   StatementRow `json:"line"`
	Actual money.Amount `json:"actual" schema:"Amount"`
	// The alternative's amount minus the actual one, in base units.
	Difference string `json:"difference" schema:"SignedAmount"`
}
