package wire

import "time"

// NewTokenJSON is a new token with its secret, which is shown this once.
type NewTokenJSON struct {
	TokenJSON
	Secret string `json:"secret"`
}

// TokenJSON is a token without its secret.
type TokenJSON struct {
	ID   string `json:"id"`
	Role string `json:"role" schema:"Role"`
	// A payee token's accounts; omitted for other roles.
	Accounts []string  `json:"accounts,omitempty" schema:"AccountName"`
	Name     string    `json:"name,omitempty"`
	Created  time.Time `json:"created" schema:"Time"`
	// When it was revoked; omitted while valid.
	Revoked *time.Time `json:"revoked,omitempty" schema:"Time"`
}

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Role string `json:"role" schema:"Role"`
	// For a payee token only, and then required: the 1 to 100 internal accounts
	// it acts on. Other roles take none.
	Accounts []string `json:"accounts,omitempty" schema:"AccountName" jsonschema:"maxItems=100"`
	// A label for people, at most 100 bytes.
	Name string `json:"name,omitempty" jsonschema:"maxLength=100"`
}
