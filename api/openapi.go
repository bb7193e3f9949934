package api

import (
	_ "embed"
	"net/http"
)

// openapiDoc is the API's OpenAPI 3.1 document, written by hand and checked
// by tests against the route table and an OpenAPI validator.
//
//go:embed openapi.json
var openapiDoc []byte

// OpenAPI returns the OpenAPI document.
func OpenAPI() []byte { return append([]byte(nil), openapiDoc...) }

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ *Call) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openapiDoc)
	return err
}
