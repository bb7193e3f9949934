package wire

import "time"

// NewTokenJSON is a new token with its secret, which is shown this once.
type NewTokenJSON struct {
	TokenJSON
	Secret string `json:"secret"`
}

// TokenJSON is a token without its secret.
type TokenJSON struct {
	ID       string     `json:"id"`
	Role     string     `json:"role"`
	Accounts []string   `json:"accounts,omitempty"`
	Name     string     `json:"name,omitempty"`
	Created  time.Time  `json:"created"`
	Revoked  *time.Time `json:"revoked,omitempty"`
}

// TokenRequest is the body of POST /v1/tokens.
type TokenRequest struct {
	Role     string   `json:"role"`
	Accounts []string `json:"accounts,omitempty"`
	Name     string   `json:"name,omitempty"`
}
