package wire

// ErrorJSON is what every error answers, under "error": a stable code and
// a message that says what is allowed.
type ErrorJSON struct {
	// A stable, machine-readable code such as `overdraft`, `key_conflict`,
	// `amount_format`, `account_invalid`, `not_found`, `unauthenticated`,
	// `forbidden` or `internal`. Codes keep their spelling and meaning once
	// published.
	Code string `json:"code"`
	// What was wrong and what is allowed, for people.
	Message string `json:"message"`
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error ErrorJSON `json:"error"`
}
