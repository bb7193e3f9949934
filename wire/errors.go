package wire

// ErrorJSON is what every error answers, under "error": a stable code and
// a message that says what is allowed.
type ErrorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorBody is the body of every error response.
type ErrorBody struct {
	Error ErrorJSON `json:"error"`
}
