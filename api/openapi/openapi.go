// Package openapi builds Tributary's OpenAPI 3.1 document from what the
// server declares: each route's method, path, roles, parameters, request
// and answer types (program.Route), the routes' prose (each program's
// routes.md), the Go types' doc comments (as schema descriptions) and the
// registered error codes with their kinds. Nothing in the document is
// written twice: a route, a field or a code added in Go is in the document
// the next time it is generated.
//
// The JSON Schemas of the bodies come from the Go types by reflection
// (github.com/invopop/jsonschema, whose schemas are JSON Schema 2020-12,
// the dialect of OpenAPI 3.1); this package lays out the operations around
// them, which no library does for Tributary's own route declarations.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"github.com/tributary-ledger/tributary/auth"
	"github.com/tributary-ledger/tributary/errcode"
	"github.com/tributary-ledger/tributary/program"
	"github.com/tributary-ledger/tributary/wire"
)

// Group is a tag of the document: a program, or a part of the core.
type Group struct {
	Tag    string
	Lead   string // the tag's description
	Routes []program.Route
	Docs   map[string]program.RouteDoc
}

// Spec is what the document is built from.
type Spec struct {
	Title, Version, Summary, Description string
	Groups                               []Group
	// Extra are types documented as schemas that no route names (the
	// event stream's payloads).
	Extra []any
	// Errors are the codes the server answers; Status maps a kind to its
	// HTTP status.
	Errors []*errcode.Error
	Status func(errcode.Kind) int
	// Comments are the Go doc comments of types and fields, by qualified
	// name (Comments reads them).
	Comments map[string]string
}

// Build returns the document, indented, ending in a newline.
func Build(s Spec) ([]byte, error) {
	sc := newSchemas(s.Comments)
	doc := document{OpenAPI: "3.1.0", Info: info{Title: s.Title, Version: s.Version, Summary: s.Summary, Description: s.Description},
		Servers:  []server{{URL: "http://127.0.0.1:8650", Description: "`tributary serve` by default."}},
		Security: []map[string][]string{{"bearerAuth": {}}},
		Paths:    map[string]map[string]*operation{}}
	for _, g := range s.Groups {
		doc.Tags = append(doc.Tags, tag{Name: g.Tag, Description: g.Lead})
		for _, rt := range g.Routes {
			d, ok := g.Docs[rt.ID]
			if !ok {
				return nil, fmt.Errorf("route %s %s (%s) has no section in its docs", rt.Method, rt.Path, rt.ID)
			}
			op, err := buildOperation(sc, g.Tag, rt, d)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", rt.Method, rt.Path, err)
			}
			if doc.Paths[rt.Path] == nil {
				doc.Paths[rt.Path] = map[string]*operation{}
			}
			doc.Paths[rt.Path][strings.ToLower(rt.Method)] = op
		}
	}
	sc.use("Key") // the Idempotency-Key parameter's
	for _, v := range append([]any{wire.ErrorBody{}}, s.Extra...) {
		sc.ref(reflect.TypeOf(v))
	}
	schemas, err := sc.components()
	if err != nil {
		return nil, err
	}
	doc.Components = components{
		SecuritySchemes: map[string]any{"bearerAuth": map[string]string{"type": "http", "scheme": "bearer", "description": "A token secret (`trb_…`) from `POST /v1/tokens` or `TRIBUTARY_ADMIN_TOKEN`."}},
		Headers:         map[string]any{"IdempotentReplayed": idempotentReplayed},
		Parameters:      map[string]any{"IdempotencyKey": idempotencyKey},
		Responses:       errorResponses(s.Errors, s.Status),
		Schemas:         schemas,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	// The reflector refers to its definitions under $defs; the document
	// keeps them among its components.
	out := bytes.ReplaceAll(buf.Bytes(), []byte(`"#/$defs/`), []byte(`"`+refPrefix))
	return out, checkRefs(out, schemas)
}

var pathParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

func buildOperation(sc *schemas, tagName string, rt program.Route, d program.RouteDoc) (*operation, error) {
	op := &operation{ID: rt.ID, Summary: d.Summary, Description: description(rt, d), Tags: []string{tagName}, Roles: roleNames(rt.Roles)}
	if rt.TokenOptional {
		op.Roles = []string{}
		op.TokenRoles = roleNames(rt.Roles)
		op.Security = &[]map[string][]string{{}, {"bearerAuth": {}}}
	} else if rt.Roles == nil {
		op.Roles = []string{}
		op.Security = &[]map[string][]string{}
	}
	params, err := parameters(sc, rt)
	if err != nil {
		return nil, err
	}
	op.Parameters = params
	h := rt.Handler
	if h.Body != nil {
		op.RequestBody = &requestBody{Required: true, Description: orDefault(d.Body, "The request."), Content: content("application/json", sc.ref(h.Body))}
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := response{Description: orDefault(d.Answer, "The answer.")}
	if h.Answer != nil {
		ct := orDefault(h.ContentType, "application/json")
		ok.Content = content(ct, sc.ref(h.Answer))
	}
	if h.Write {
		ok.Headers = map[string]any{"Idempotent-Replayed": map[string]string{"$ref": "#/components/headers/IdempotentReplayed"}}
	}
	op.Responses = map[string]any{fmt.Sprint(status): ok}
	for _, st := range errorStatuses(rt) {
		op.Responses[fmt.Sprint(st)] = map[string]string{"$ref": "#/components/responses/" + responseNames[st]}
	}
	return op, nil
}

// description is the route's prose, then what every write and every
// route's roles say, written once here.
func description(rt program.Route, d program.RouteDoc) string {
	parts := []string{}
	if d.Text != "" {
		parts = append(parts, d.Text)
	}
	if rt.Handler.Write && !strings.Contains(d.Text, "idempotent under") {
		parts = append(parts, "The write is idempotent under its `Idempotency-Key`.")
	}
	who := "**Who may call:** anyone; no token is needed."
	if rt.Roles != nil && !rt.TokenOptional {
		who = "**Who may call:** a bearer token with role " + quoted(roleNames(rt.Roles)) + "."
	}
	if d.Payee != "" {
		who += " " + d.Payee
	}
	return strings.Join(append(parts, who), "\n\n")
}

func parameters(sc *schemas, rt program.Route) ([]any, error) {
	var out []any
	declared := map[string]bool{}
	for _, p := range rt.Params {
		declared[p.In+":"+p.Name] = true
		prm := parameter{Name: p.Name, In: p.In, Description: p.Doc, Required: p.In == "path"}
		switch {
		case p.Schema != "":
			prm.Schema = map[string]string{"$ref": "#/components/schemas/" + p.Schema}
			sc.use(p.Schema)
		case p.Example != nil:
			prm.Schema = sc.ref(reflect.TypeOf(p.Example))
		default:
			return nil, fmt.Errorf("parameter %s has neither a schema nor an example", p.Name)
		}
		out = append(out, prm)
	}
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		if !declared["path:"+m[1]] {
			return nil, fmt.Errorf("path parameter {%s} is not declared", m[1])
		}
	}
	if rt.Handler.Write {
		out = append(out, map[string]string{"$ref": "#/components/parameters/IdempotencyKey"})
	}
	return out, nil
}

// errorStatuses are the error responses a route documents.
func errorStatuses(rt program.Route) []int {
	if rt.Handler.Plain {
		return []int{http.StatusMethodNotAllowed}
	}
	out := []int{http.StatusBadRequest}
	if rt.Roles != nil {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	// A read that names what is unknown (a currency) is refused as a
	// write is, so every route documents every refusal.
	return append(out, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusConflict, http.StatusRequestEntityTooLarge,
		http.StatusUnprocessableEntity, http.StatusInternalServerError, http.StatusServiceUnavailable)
}

var responseNames = map[int]string{
	http.StatusBadRequest:            "BadRequest",
	http.StatusUnauthorized:          "Unauthorized",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "NotFound",
	http.StatusMethodNotAllowed:      "MethodNotAllowed",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "PayloadTooLarge",
	http.StatusUnprocessableEntity:   "UnprocessableEntity",
	http.StatusInternalServerError:   "InternalError",
	http.StatusServiceUnavailable:    "ServiceUnavailable",
}

var statusLeads = map[int]string{
	http.StatusBadRequest:            "The request cannot be read.",
	http.StatusUnauthorized:          "No bearer token, or an unknown or revoked one, where one is needed.",
	http.StatusForbidden:             "The caller may not do this.",
	http.StatusNotFound:              "What the request names does not exist.",
	http.StatusMethodNotAllowed:      "The path exists, but not with this method; `Allow` lists the methods it takes.",
	http.StatusConflict:              "The request clashes with what is stored.",
	http.StatusRequestEntityTooLarge: "The request is over a size limit.",
	http.StatusUnprocessableEntity:   "The request reads, but breaks a rule.",
	http.StatusInternalServerError:   "The server failed (`internal`), or the stored books fail a check they must pass. A write may be retried with the same `Idempotency-Key`.",
	http.StatusServiceUnavailable:    "The service cannot do it now; retry the same request (a write with the same `Idempotency-Key`).",
}

// errorResponses documents each error status with every code that answers
// it, so that the document lists every code the server has.
func errorResponses(codes []*errcode.Error, status func(errcode.Kind) int) map[string]any {
	byStatus := map[int][]string{}
	seen := map[string]bool{}
	for _, e := range codes {
		if seen[e.Code()] {
			continue
		}
		seen[e.Code()] = true
		st := status(e.Kind())
		byStatus[st] = append(byStatus[st], fmt.Sprintf("`%s`: %s", e.Code(), e.Error()))
	}
	out := map[string]any{}
	for st, name := range responseNames {
		desc := statusLeads[st]
		if lines := byStatus[st]; len(lines) > 0 {
			desc += " Codes:\n\n- " + strings.Join(lines, "\n- ")
		}
		resp := response{Description: desc, Content: content("application/json", map[string]string{"$ref": "#/components/schemas/ErrorBody"})}
		if st == http.StatusMethodNotAllowed {
			resp.Headers = map[string]any{"Allow": map[string]any{"description": "The methods the path takes.", "schema": map[string]string{"type": "string"}}}
		}
		out[name] = resp
	}
	return out
}

func roleNames(roles []auth.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func content(ct string, schema any) map[string]any {
	return map[string]any{ct: map[string]any{"schema": schema}}
}

// The document's shape, in the order a reader expects it.
type document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       info                             `json:"info"`
	Servers    []server                         `json:"servers"`
	Security   []map[string][]string            `json:"security"`
	Tags       []tag                            `json:"tags"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components components                       `json:"components"`
}

type info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Summary     string `json:"summary,omitempty"`
	Description string `json:"description,omitempty"`
}

type server struct {
	URL         string `json:"url"`
	Description string `json:"description"`
}

type tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type operation struct {
	ID          string                 `json:"operationId"`
	Summary     string                 `json:"summary"`
	Description string                 `json:"description"`
	Tags        []string               `json:"tags"`
	Roles       []string               `json:"x-tributary-roles"`
	TokenRoles  []string               `json:"x-tributary-token-roles,omitempty"`
	Security    *[]map[string][]string `json:"security,omitempty"`
	Parameters  []any                  `json:"parameters,omitempty"`
	RequestBody *requestBody           `json:"requestBody,omitempty"`
	Responses   map[string]any         `json:"responses"`
}

type parameter struct {
	Name        string `json:"name"`
	In          string `json:"in"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Schema      any    `json:"schema"`
}

type requestBody struct {
	Required    bool           `json:"required"`
	Description string         `json:"description,omitempty"`
	Content     map[string]any `json:"content"`
}

type response struct {
	Description string         `json:"description"`
	Headers     map[string]any `json:"headers,omitempty"`
	Content     map[string]any `json:"content,omitempty"`
}

type components struct {
	SecuritySchemes map[string]any `json:"securitySchemes"`
	Headers         map[string]any `json:"headers"`
	Parameters      map[string]any `json:"parameters"`
	Responses       map[string]any `json:"responses"`
	Schemas         map[string]any `json:"schemas"`
}

var idempotentReplayed = map[string]any{
	"description": "`true` when the answer is a replay of an earlier write with the same `Idempotency-Key`: its status and body are the first write's, byte for byte, whatever was written since, and nothing was written now. Absent on the first write.",
	"schema":      map[string]string{"type": "string", "const": "true"},
}

var idempotencyKey = map[string]any{
	"name": "Idempotency-Key", "in": "header", "required": true,
	"description": "Makes the write safe to resend: the same key with the same body answers the first result again (with `Idempotent-Replayed: true`); with a different body it is 409 `key_conflict`. 1 to 128 printable ASCII characters without spaces. For `POST /v1/withdrawals` it is also the new withdrawal's ID.",
	"schema":      map[string]string{"$ref": "#/components/schemas/Key"},
}
